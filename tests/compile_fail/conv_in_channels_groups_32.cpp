// Must not compile: input channels not divisible by groups.
// expect: layer<0>
// expect: conv2d<12, 3, ctnn::groups<6> ?>
// expect: input_channels<32>
// expect: not_divisible_by_groups<6>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<32, 8, 8>, conv2d<12, 3, groups<6>>>;
static_assert(net::output_shape.rank >= 0);
