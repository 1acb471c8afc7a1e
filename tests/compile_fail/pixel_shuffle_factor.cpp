// Must not compile: a pixel shuffle by 0.
// expect: layer<0>
// expect: parameter<(ctnn::)?param::scale>
// expect: must_be_positive<0>
// twin: pixel_shuffle<0> => pixel_shuffle<1>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<4, 8, 8>, pixel_shuffle<0>>;
static_assert(net::output_shape == shape{4, 8, 8});  // the user's own: no second error
