// Must not compile: padding 2 on a 2x2 pooling window (PyTorch allows at most half the kernel).
// expect: layer<0>
// expect: along<'H'>
// expect: pool_padding<2>
// expect: exceeds_half_kernel<1>
// twin: pad<2> => pad<1>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>, max_pool2d<2, pad<2>>>;
static_assert(net::output_shape == shape{3, 5, 5});  // the user's own: no second error
