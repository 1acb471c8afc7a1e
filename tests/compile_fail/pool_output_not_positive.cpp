// Must not compile: a pooling window larger than the input.
// expect: layer<0>
// expect: max_pool2d<3 ?>
// expect: along<'W'>
// expect: output_extent_not_positive<0>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 2>, max_pool2d<3>>;
static_assert(net::output_shape.rank >= 0);  // instantiates the network
