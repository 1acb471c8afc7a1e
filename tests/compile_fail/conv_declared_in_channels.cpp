// Must not compile: the input has 32 channels, the layer declares 64.
// expect: layer<1>
// expect: expected_input_channels<64>
// expect: actual_input_channels<32>
// twin: in_channels<64> => in_channels<32>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>, conv2d<32, 3>, conv2d<16, 3, in_channels<64>>>;
static_assert(net::output_shape == shape{16, 4, 4});  // the user's own: no second error
