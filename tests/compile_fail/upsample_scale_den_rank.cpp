// Must not compile: three scale denominators for a 2d upsampling.
// expect: layer<0>
// expect: parameter<(ctnn::)?param::scale>
// expect: values_given<3>
// expect: layer_spatial_rank<2>
// twin: scale_den<2, 1, 1> => scale_den<2, 1>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 4, 4>, upsample_bilinear2d<scale_factor<3, 2>, scale_den<2, 1, 1>>>;
static_assert(net::output_shape == shape{3, 6, 8});  // the user's own: no second error
