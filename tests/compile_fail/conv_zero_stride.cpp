// Must not compile: a zero stride.
// expect: layer<0>
// expect: conv2d<4, 3, (ctnn::)?stride<1, 0 ?> ?>
// expect: parameter<(ctnn::)?param::stride>
// expect: along<'W'>
// expect: must_be_positive<0>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>, conv2d<4, 3, stride<1, 0>>>;
static_assert(net::output_shape.rank >= 0);  // instantiates the network
