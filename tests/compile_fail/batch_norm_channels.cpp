// Must not compile: batch norm declared for 64 channels gets 32.
// expect: layer<0>
// expect: batch_norm2d<64 ?>
// expect: expected_input_channels<64>
// expect: actual_input_channels<32>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<32, 4, 4>, batch_norm2d<64>>;
static_assert(net::output_shape.rank >= 0);  // instantiates the network
