// Must not compile: output padding and output size together.
// expect: layer<0>
// expect: parameter<(ctnn::)?param::output_padding>
// expect: given_in_two_incompatible_ways
// twin: output_padding<1>,  => 
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 4, 4>, conv_transpose2d<4, 3, stride<2>, output_padding<1>, output_size<9, 9>>>;
static_assert(net::output_shape == shape{4, 9, 9});  // the user's own: no second error
