// Must not compile: negative padding, PyTorch's way to crop.
// expect: layer<0>
// expect: conv2d<4, 3, (ctnn::)?pad<-1 ?> ?>
// expect: negative_padding<-1>
// expect: use_a_crop_layer_to_crop
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>, conv2d<4, 3, pad<-1>>>;
static_assert(net::output_shape.rank >= 0);  // instantiates the network
