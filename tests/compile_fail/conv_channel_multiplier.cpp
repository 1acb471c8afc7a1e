// Must not compile: a channel multiplier on a plain convolution.
// expect: layer<0>
// expect: conv2d<64, 3, (ctnn::)?channel_multiplier<2 ?> ?>
// expect: parameter<(ctnn::)?param::multiplier>
// expect: given_in_two_incompatible_ways
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>, conv2d<64, 3, channel_multiplier<2>>>;
static_assert(net::output_shape.rank >= 0);  // instantiates the network
