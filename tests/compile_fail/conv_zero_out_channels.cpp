// Must not compile: zero output channels.
// expect: layer<0>
// expect: conv2d<0, 3 ?>
// expect: parameter<(ctnn::)?param::out_channels>
// expect: must_be_positive<0>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>, conv2d<0, 3>>;
static_assert(net::output_shape.rank >= 0);  // instantiates the network
