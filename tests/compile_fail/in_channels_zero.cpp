// Must not compile: declaring zero input channels.
// expect: layer<0>
// expect: conv2d<4, 3, (ctnn::)?in_channels<0> ?>
// expect: expected_input_channels<0>
// expect: actual_input_channels<3>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>, conv2d<4, 3, in_channels<0>>>;
static_assert(net::output_shape.rank >= 0);  // instantiates the network
