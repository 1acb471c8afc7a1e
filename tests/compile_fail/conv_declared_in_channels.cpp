// Must not compile: a declared input channel count that the network does not deliver.
// expect: layer<1>
// expect: conv2d<16, 3, (ctnn::)?in_channels<64 ?> ?>
// expect: expected_input_channels<64>
// expect: actual_input_channels<32>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>, conv2d<32, 3>, conv2d<16, 3, in_channels<64>>>;
static_assert(net::output_shape.rank >= 0);  // instantiates the network
