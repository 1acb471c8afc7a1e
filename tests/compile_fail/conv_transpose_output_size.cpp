// Must not compile: an output size no output padding reaches.
// expect: layer<0>
// expect: conv_transpose2d<4, 3
// expect: requested_output_size<9>
// expect: smallest_reachable<7>
// expect: largest_reachable<8>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 4, 4>, conv_transpose2d<4, 3, stride<2>, pad<1>, output_size<9, 8>>>;
static_assert(net::output_shape.rank >= 0);  // instantiates the network
