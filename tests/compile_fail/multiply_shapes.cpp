// Must not compile: a gate of 4 channels on a main branch of 8 (a gate's dims equal the main's or are 1).
// expect: layer<1>
// expect: main_branch_shape<(ctnn::facts::)?dims<8, 6, 6 ?> ?>
// expect: gate_shape<(ctnn::facts::)?dims<4, 1, 1 ?> ?>
// expect: gate_dims_must_equal_the_main_branch_s_or_be_1
// twin: conv2d<4, 1> => conv2d<8, 1>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>, conv2d<8, 3>,
                       multiply<chain<>, chain<global_avg_pool, conv2d<4, 1>, sigmoid>>>;
static_assert(net::output_shape == shape{8, 6, 6});  // the user's own: no second error
