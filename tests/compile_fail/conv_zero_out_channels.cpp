// Must not compile: a convolution with no output channels.
// expect: layer<0>
// expect: parameter<(ctnn::)?param::out_channels>
// expect: must_be_positive<0>
// twin: conv2d<0, 3> => conv2d<1, 3>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>, conv2d<0, 3>>;
static_assert(net::output_shape == shape{1, 6, 6});  // the user's own: no second error
