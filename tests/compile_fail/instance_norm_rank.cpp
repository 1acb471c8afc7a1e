// Must not compile: InstanceNorm2d on a [C, L] input.
// expect: layer<0>
// expect: instance_norm2d<>
// expect: expected_input_rank<3>
// expect: actual_input_rank<2>
// twin: instance_norm2d<> => instance_norm1d<>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<8, 16>, instance_norm2d<>>;
static_assert(net::output_shape == shape{8, 16});  // the user's own: no second error
