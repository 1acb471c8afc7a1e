// Must not compile: ceil_mode is a pooling option: a convolution has no such parameter, and the error says where.
// expect: layer<1>
// expect: conv2d<4, 3, (ctnn::)?ceil_mode ?>
// expect: option_not_accepted<(ctnn::)?ceil_mode ?>
// expect: by_a_layer_with<(ctnn::)?conv_params ?>
// twin: conv2d<4, 3, ceil_mode> => max_pool2d<3, ceil_mode>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>, relu, conv2d<4, 3, ceil_mode>>;
static_assert(net::output_shape == shape{3, 3, 3});  // the user's own: no second error
