// Must not compile: GroupNorm(3, 8): 8 channels in 3 groups.
// expect: layer<1>
// expect: group_norm<3>
// expect: input_channels<8>
// expect: not_divisible_by_groups<3>
// twin: group_norm<3> => group_norm<4>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>, conv2d<8, 3>, group_norm<3>>;
static_assert(net::output_shape == shape{8, 6, 6});  // the user's own: no second error
