// Must not compile: the dilated kernel is what must fit.
// expect: layer<0>
// expect: conv2d<4, 3, (ctnn::)?dilation<4 ?> ?>
// expect: padded_input_extent<8>
// expect: smaller_than_dilated_kernel<9>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>, conv2d<4, 3, dilation<4>>>;
static_assert(net::output_shape.rank >= 0);  // instantiates the network
