// Must not compile: padding modes a transposed conv does not have.
// expect: layer<0>
// expect: conv_transpose2d<4, 3, (ctnn::)?same ?>
// expect: padding_mode_not_supported<(ctnn::)?padding_mode::same>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>, conv_transpose2d<4, 3, pad_same>>;
static_assert(net::output_shape.rank >= 0);  // instantiates the network
