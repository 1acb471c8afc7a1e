// Must not compile: a padding mode a transposed convolution does not have.
// expect: layer<0>
// expect: conv_transpose2d<4, 3, (ctnn::)?pad_same ?>
// expect: padding_mode_not_supported<(ctnn::)?padding_mode::same ?>
// twin: pad_same => pad_valid
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>, conv_transpose2d<4, 3, pad_same>>;
static_assert(net::output_shape == shape{4, 10, 10});  // the user's own: no second error
