// Must not compile: groups on a depthwise convolution, whose groups are its input channels.
// expect: layer<0>
// expect: parameter<(ctnn::)?param::groups>
// expect: given_in_two_incompatible_ways
// twin: , groups<2> => 
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<4, 8, 8>, depthwise_conv2d<3, groups<2>>>;
static_assert(net::output_shape == shape{4, 6, 6});  // the user's own: no second error
