// Must not compile: a 2d batch norm on a flat input.
// expect: layer<0>
// expect: expected_input_rank<3>
// expect: actual_input_rank<1>
// twin: batch_norm2d<> => batch_norm1d<>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<32>, batch_norm2d<>>;
static_assert(net::output_shape == shape{32});  // the user's own: no second error
