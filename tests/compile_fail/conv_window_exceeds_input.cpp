// Must not compile: a 5x5 kernel on a 4-high input.
// expect: layer<0>
// expect: conv2d<4, 5 ?>
// expect: along<'H'>
// expect: padded_input_extent<4>
// expect: smaller_than_dilated_kernel<5>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 4, 8>, conv2d<4, 5>>;
static_assert(net::output_shape.rank >= 0);  // instantiates the network
