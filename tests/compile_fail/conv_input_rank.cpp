// Must not compile: a conv2d after flatten sees a rank-1 input.
// expect: layer<1>
// expect: conv2d<4, 3 ?>
// expect: expected_input_rank<3>
// expect: actual_input_rank<1>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>, flatten, conv2d<4, 3>>;
static_assert(net::output_shape.rank >= 0);  // instantiates the network
