// Must not compile: a declared input channel count of 0.
// expect: layer<0>
// expect: expected_input_channels<0>
// expect: actual_input_channels<3>
// twin: in_channels<0> => in_channels<3>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>, conv2d<4, 3, in_channels<0>>>;
static_assert(net::output_shape == shape{4, 6, 6});  // the user's own: no second error
