// Must not compile: two dims named for a sample of three.
// expect: layer<0>
// expect: permute<1, 0>
// expect: expected_input_rank<2>
// expect: actual_input_rank<3>
// twin: permute<1, 0> => permute<0, 2, 1>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<4, 8, 6>, permute<1, 0>>;
static_assert(net::output_shape == shape{4, 6, 8});  // the user's own: no second error
