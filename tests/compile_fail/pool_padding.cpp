// Must not compile: pool padding above half the kernel.
// expect: layer<0>
// expect: max_pool2d<2, (ctnn::)?pad<2 ?> ?>
// expect: pool_padding<2>
// expect: exceeds_half_kernel<1>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>, max_pool2d<2, pad<2>>>;
static_assert(net::output_shape.rank >= 0);  // instantiates the network
