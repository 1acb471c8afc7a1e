// Must not compile: a 5x5 kernel on 4 rows.
// expect: layer<0>
// expect: along<'H'>
// expect: padded_input_extent<4>
// expect: smaller_than_dilated_kernel<5>
// twin: conv2d<4, 5> => conv2d<4, 3>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 4, 8>, conv2d<4, 5>>;
static_assert(net::output_shape == shape{4, 2, 6});  // the user's own: no second error
