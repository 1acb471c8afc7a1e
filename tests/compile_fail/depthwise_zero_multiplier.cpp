// Must not compile: a depthwise channel multiplier of 0.
// expect: layer<0>
// expect: parameter<(ctnn::)?param::multiplier>
// expect: must_be_positive<0>
// twin: channel_multiplier<0> => channel_multiplier<2>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<4, 8, 8>, depthwise_conv2d<3, channel_multiplier<0>>>;
static_assert(net::output_shape == shape{8, 6, 6});  // the user's own: no second error
