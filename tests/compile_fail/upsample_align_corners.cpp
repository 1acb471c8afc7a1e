// Must not compile: align_corners on nearest upsampling.
// expect: layer<0>
// expect: upsample_nearest2d<(ctnn::)?scale_factor<2 ?>, (ctnn::)?align_corners ?>
// expect: align_corners_needs_linear_mode
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>, upsample_nearest2d<scale_factor<2>, align_corners>>;
static_assert(net::output_shape.rank >= 0);  // instantiates the network
