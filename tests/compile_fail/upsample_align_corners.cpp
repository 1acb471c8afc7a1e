// Must not compile: align_corners on a nearest-neighbour upsampling.
// expect: layer<0>
// expect: align_corners_needs_linear_mode
// twin: upsample_nearest2d => upsample_bilinear2d
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>, upsample_nearest2d<scale_factor<2>, align_corners>>;
static_assert(net::output_shape == shape{3, 16, 16});  // the user's own: no second error
