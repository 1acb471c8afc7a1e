// Must not compile: a pixel shuffle of a [C, L] input (ctnn's works on [C, H, W]).
// expect: layer<0>
// expect: pixel_shuffle<2>
// expect: expected_input_rank<3>
// expect: actual_input_rank<2>
// twin: input<8, 10> => input<8, 10, 10>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<8, 10>, pixel_shuffle<2>>;
static_assert(net::output_shape == shape{2, 20, 20});  // the user's own: no second error
