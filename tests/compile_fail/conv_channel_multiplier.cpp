// Must not compile: a channel multiplier belongs to a depthwise convolution.
// expect: layer<0>
// expect: parameter<(ctnn::)?param::multiplier>
// expect: given_in_two_incompatible_ways
// twin: conv2d<64, 3, channel_multiplier<2>> => depthwise_conv2d<3, channel_multiplier<2>>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>, conv2d<64, 3, channel_multiplier<2>>>;
static_assert(net::output_shape == shape{6, 6, 6});  // the user's own: no second error
