// Must not compile: groups on a depthwise convolution, whose groups are its input channels.
// expect: layer<0>
// expect: depthwise_conv2d<3, (ctnn::)?groups<2 ?> ?>
// expect: parameter<(ctnn::)?param::groups>
// expect: given_in_two_incompatible_ways
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<4, 8, 8>, depthwise_conv2d<3, groups<2>>>;
static_assert(net::output_shape.rank >= 0);  // instantiates the network
