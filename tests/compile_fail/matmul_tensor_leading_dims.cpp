// Must not compile: t's leading dim 3 neither equals the input's 2 nor is 1.
// expect: layer<1>
// expect: matmul_tensor<3, 4, 3>
// expect: input_dims<(ctnn::facts::)?dims<2, 6, 4 ?> ?>
// expect: matrix_dims<(ctnn::facts::)?dims<3, 4, 3 ?> ?>
// expect: matrix_leading_dims_must_equal_the_input_s_or_be_1
// twin: matmul_tensor<3, 4, 3> => matmul_tensor<1, 4, 3>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<2, 6, 4>, relu, matmul_tensor<3, 4, 3>>;
static_assert(net::output_shape == shape{2, 6, 3});  // the user's own: no second error
