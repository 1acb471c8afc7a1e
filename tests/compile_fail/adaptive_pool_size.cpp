// Must not compile: an adaptive pool to zero outputs.
// expect: layer<0>
// expect: adaptive_avg_pool2d<0, 2 ?>
// expect: parameter<(ctnn::)?param::output_size>
// expect: must_be_positive<0>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>, adaptive_avg_pool2d<0, 2>>;
static_assert(net::output_shape.rank >= 0);  // instantiates the network
