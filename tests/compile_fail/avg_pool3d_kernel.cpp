// Must not compile: PyTorch 1.13's AvgPool3d needs every input extent to hold the kernel.
// expect: layer<0>
// expect: along<'D'>
// expect: input_extent<2>
// expect: smaller_than_kernel_in_pytorch_avg_pool3d<3>
// twin: input<1, 2, 2, 2> => input<1, 3, 3, 3>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<1, 2, 2, 2>, avg_pool3d<3, stride<1>, pad<1>>>;
static_assert(net::output_shape == shape{1, 3, 3, 3});  // the user's own: no second error
