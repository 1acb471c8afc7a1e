// Must not compile: batch_norm2d<64> on 32 channels.
// expect: layer<0>
// expect: batch_norm2d<64 ?>
// expect: expected_input_channels<64>
// expect: actual_input_channels<32>
// twin: batch_norm2d<64> => batch_norm2d<32>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<32, 4, 4>, batch_norm2d<64>>;
static_assert(net::output_shape == shape{32, 4, 4});  // the user's own: no second error
