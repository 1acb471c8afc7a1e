// Must not compile: PyTorch's positional stride and padding: the compiler's own error shows the hint.
// expect-within 6: Options_are_types_like__stride_2__pad_1
// errors: any
// twin: conv2d<16, 3, 2, 1> => conv2d<16, 3, stride<2>, pad<1>>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 32, 32>, conv2d<16, 3, 2, 1>>;
static_assert(net::output_shape == shape{16, 16, 16});  // the user's own: no second error
