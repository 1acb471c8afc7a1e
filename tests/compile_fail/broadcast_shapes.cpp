// Must not compile: a tensor of shape [3] added to inputs whose last dim is 5.
// expect: layer<1>
// expect: add_tensor<3>
// expect: input_dims<(ctnn::facts::)?dims<4, 6, 5 ?> ?>
// expect: tensor_dims<(ctnn::facts::)?dims<3 ?> ?>
// expect: tensor_dims_must_equal_the_input_s_last_or_be_1
// twin: add_tensor<3> => add_tensor<5>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 7>, conv2d<4, 3>, add_tensor<3>>;
static_assert(net::output_shape == shape{4, 6, 5});  // the user's own: no second error
