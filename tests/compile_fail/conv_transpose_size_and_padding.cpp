// Must not compile: output padding and output size together.
// expect: layer<0>
// expect: conv_transpose2d<4, 3
// expect: parameter<(ctnn::)?param::output_padding>
// expect: given_in_two_incompatible_ways
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 4, 4>, conv_transpose2d<4, 3, stride<2>, output_padding<1>, output_size<9, 9>>>;
static_assert(net::output_shape.rank >= 0);  // instantiates the network
