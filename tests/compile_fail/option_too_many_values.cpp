// Must not compile: four values for a per-dim option of a 2d layer.
// expect: layer<0>
// expect: conv2d<4, 3, (ctnn::)?pad<1, 1, 1, 1> ?>
// expect: parameter<(ctnn::)?param::padding>
// expect: values_given<4>
// expect: layer_spatial_rank<2>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>, conv2d<4, 3, pad<1, 1, 1, 1>>>;
static_assert(net::output_shape.rank >= 0);  // instantiates the network
