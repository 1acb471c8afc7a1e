// Must not compile: an input with four spatial dims.
// expect: input<1, 2, 3, 4, 5 ?>
// expect: expected_input_rank<4>
// expect: actual_input_rank<5>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<1, 2, 3, 4, 5>, relu>;
static_assert(net::output_shape.rank >= 0);  // instantiates the network
