// Must not compile: a sample of rank 5 (a 4d input).
// expect: input<1, 2, 3, 4, 5 ?>
// expect: expected_input_rank<4>
// expect: actual_input_rank<5>
// twin: input<1, 2, 3, 4, 5> => input<1, 2, 3, 4>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<1, 2, 3, 4, 5>, relu>;
static_assert(net::output_shape == shape{1, 2, 3, 4});  // the user's own: no second error
