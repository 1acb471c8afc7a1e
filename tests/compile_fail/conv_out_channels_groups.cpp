// Must not compile: 16 output channels in 6 groups.
// expect: layer<0>
// expect: output_channels<16>
// expect: not_divisible_by_groups<6>
// twin: conv2d<16, 3 => conv2d<18, 3
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<12, 8, 8>, conv2d<16, 3, groups<6>>>;
static_assert(net::output_shape == shape{18, 6, 6});  // the user's own: no second error
