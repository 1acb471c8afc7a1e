// Must not compile: a 3d kernel on a 2d convolution.
// expect: layer<0>
// expect: parameter<(ctnn::)?param::kernel>
// expect: values_given<3>
// expect: layer_spatial_rank<2>
// twin: kernel<3, 3, 3> => kernel<3, 3>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>, conv2d<4, kernel<3, 3, 3>>>;
static_assert(net::output_shape == shape{4, 6, 6});  // the user's own: no second error
