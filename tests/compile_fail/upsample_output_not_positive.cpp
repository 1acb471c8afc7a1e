// Must not compile: a scale that leaves nothing.
// expect: layer<0>
// expect: upsample_nearest2d<(ctnn::)?scale_ratio<1, 4 ?> ?>
// expect: output_extent_not_positive<0>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 2, 2>, upsample_nearest2d<scale_ratio<1, 4>>>;
static_assert(net::output_shape.rank >= 0);  // instantiates the network
