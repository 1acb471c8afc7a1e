// Must not compile: a shuffle of zero groups.
// expect: layer<0>
// expect: parameter<(ctnn::)?param::groups>
// expect: must_be_positive<0>
// twin: channel_shuffle<0> => channel_shuffle<2>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<4, 8, 8>, channel_shuffle<0>>;
static_assert(net::output_shape == shape{4, 8, 8});  // the user's own: no second error
