// Must not compile: GroupNorm with zero groups.
// expect: layer<0>
// expect: parameter<(ctnn::)?param::groups>
// expect: must_be_positive<0>
// twin: group_norm<0> => group_norm<2>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<8, 4, 4>, group_norm<0>>;
static_assert(net::output_shape == shape{8, 4, 4});  // the user's own: no second error
