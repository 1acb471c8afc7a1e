// Must not compile: an input with zero channels.
// expect: input<0, 8, 8 ?>
// expect: parameter<(ctnn::)?param::channels>
// expect: must_be_positive<0>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<0, 8, 8>, conv2d<4, 3>>;
static_assert(net::output_shape.rank >= 0);  // instantiates the network
