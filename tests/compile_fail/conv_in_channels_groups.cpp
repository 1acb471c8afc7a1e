// Must not compile: layer 3 (conv2d): input has 32 channels, not divisible by groups = 6.
// expect: layer<3>
// expect: conv2d<12, 3, (ctnn::)?groups<6 ?> ?>
// expect: input_channels<32>
// expect: not_divisible_by_groups<6>
// twin: groups<6> => groups<4>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 32, 32>, conv2d<32, 3>, relu, max_pool2d<2>, conv2d<12, 3, groups<6>>>;
static_assert(net::output_shape == shape{12, 13, 13});  // the user's own: no second error
