// Must not compile: an output size a transposed convolution cannot reach.
// expect: layer<0>
// expect: along<'H'>
// expect: requested_output_size<9>
// expect: smallest_reachable<7>
// expect: largest_reachable<8>
// twin: output_size<9, 8> => output_size<8, 8>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 4, 4>, conv_transpose2d<4, 3, stride<2>, pad<1>, output_size<9, 8>>>;
static_assert(net::output_shape == shape{4, 8, 8});  // the user's own: no second error
