// Must not compile: a dilation-4 3x3 kernel spans 9 rows of an 8-row input.
// expect: layer<0>
// expect: along<'H'>
// expect: padded_input_extent<8>
// expect: smaller_than_dilated_kernel<9>
// twin: dilation<4> => dilation<3>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>, conv2d<4, 3, dilation<4>>>;
static_assert(net::output_shape == shape{4, 2, 2});  // the user's own: no second error
