// Must not compile: padding larger than the transposed output.
// expect: layer<0>
// expect: conv_transpose2d<4, 1, (ctnn::)?pad<1 ?> ?>
// expect: output_extent_not_positive<-1>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 1, 1>, conv_transpose2d<4, 1, pad<1>>>;
static_assert(net::output_shape.rank >= 0);  // instantiates the network
