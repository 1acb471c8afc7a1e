// Must not compile: x @ t with t's rows (5) not the input's last dim (4).
// expect: layer<0>
// expect: matmul_tensor<2, 5, 3>
// expect: expected_in_features<5>
// expect: actual_in_features<4>
// twin: matmul_tensor<2, 5, 3> => matmul_tensor<2, 4, 3>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<2, 6, 4>, matmul_tensor<2, 5, 3>>;
static_assert(net::output_shape == shape{2, 6, 3});  // the user's own: no second error
