// Must not compile: three kernel extents on a 2d conv.
// expect: layer<0>
// expect: conv2d<4, 
// expect: parameter<(ctnn::)?param::kernel>
// expect: values_given<3>
// expect: layer_spatial_rank<2>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>, conv2d<4, kernel<3, 3, 3>>>;
static_assert(net::output_shape.rank >= 0);  // instantiates the network
