// Must not compile: a 2d convolution after flatten.
// expect: layer<1>
// expect: expected_input_rank<3>
// expect: actual_input_rank<1>
// twin: flatten, conv2d<4, 3> => conv2d<4, 3>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>, flatten, conv2d<4, 3>>;
static_assert(net::output_shape == shape{4, 6, 6});  // the user's own: no second error
