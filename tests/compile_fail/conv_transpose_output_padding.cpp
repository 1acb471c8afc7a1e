// Must not compile: output padding must be below max(stride, dilation).
// expect: layer<0>
// expect: conv_transpose2d<4, 3, (ctnn::)?stride<2 ?>, (ctnn::)?output_padding<2 ?> ?>
// expect: output_padding_of<2>
// expect: must_be_less_than_max_of_stride_and_dilation<2>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>, conv_transpose2d<4, 3, stride<2>, output_padding<2>>>;
static_assert(net::output_shape.rank >= 0);  // instantiates the network
