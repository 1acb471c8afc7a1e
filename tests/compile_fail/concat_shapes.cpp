// Must not compile: the branches of a concat differ in more than channels.
// expect: layer<0>
// expect: branch<1>
// expect: first_branch_shape<(ctnn::facts::)?dims<64, 64, 64 ?> ?>
// expect: branch_shape<(ctnn::facts::)?dims<64, 60, 60 ?> ?>
// expect: only_channels_may_differ
// twin: conv2d<128, 3> => conv2d<128, 3, pad<1>>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<64, 64, 64>, concat<identity_layer, chain<max_pool2d<2>, conv2d<128, 3>, conv_transpose2d<64, 2, stride<2>>>>>;
static_assert(net::output_shape == shape{128, 64, 64});  // the user's own: no second error
