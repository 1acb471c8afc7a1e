// Must not compile: a linear layer right after the pooling of a CNN: the missing flatten.
// expect: layer<2>
// expect: linear<10 ?>
// expect: linear_on_input<(ctnn::facts::)?dims<16, 1, 1 ?> ?>
// expect: flatten_first__or_give_per_position_or_in_features
// twin: global_avg_pool, linear<10> => global_avg_pool, flatten, linear<10>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 32, 32>, conv2d<16, 3>, global_avg_pool, linear<10>>;
static_assert(net::output_shape == shape{10});  // the user's own: no second error
