// Must not compile: negative padding (PyTorch's cropping).
// expect: layer<0>
// expect: parameter<(ctnn::)?param::padding>
// expect: negative_padding<-1>
// expect: use_a_crop_layer_to_crop
// twin: pad<-1> => pad<1>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>, conv2d<4, 3, pad<-1>>>;
static_assert(net::output_shape == shape{4, 8, 8});  // the user's own: no second error
