// Must not compile: output channels not divisible by groups.
// expect: layer<0>
// expect: conv2d<16, 3, (ctnn::)?groups<6 ?> ?>
// expect: output_channels<16>
// expect: not_divisible_by_groups<6>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<12, 8, 8>, conv2d<16, 3, groups<6>>>;
static_assert(net::output_shape.rank >= 0);  // instantiates the network
