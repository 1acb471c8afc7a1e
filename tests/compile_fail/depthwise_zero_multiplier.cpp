// Must not compile: a depthwise convolution with channel multiplier 0.
// expect: layer<0>
// expect: depthwise_conv2d<3, 
// expect: parameter<(ctnn::)?param::multiplier>
// expect: must_be_positive<0>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<4, 8, 8>, depthwise_conv2d<3, channel_multiplier<0>>>;
static_assert(net::output_shape.rank >= 0);  // instantiates the network
