// Must not compile: batch_norm2d on a flat input.
// expect: layer<0>
// expect: batch_norm2d<
// expect: expected_input_rank<3>
// expect: actual_input_rank<1>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<32>, batch_norm2d<>>;
static_assert(net::output_shape.rank >= 0);  // instantiates the network
