// Must not compile: PyTorch's padding same with stride 2.
// expect: layer<0>
// expect: conv2d<4, 3, (ctnn::)?stride<2 ?>, (ctnn::)?pad_same ?>
// expect: padding_same_needs_stride_1
// expect: actual_stride<2>
// twin: stride<2>, pad_same => pad_same
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>, conv2d<4, 3, stride<2>, pad_same>>;
static_assert(net::output_shape == shape{4, 8, 8});  // the user's own: no second error
