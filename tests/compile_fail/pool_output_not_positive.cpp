// Must not compile: a 3-wide pooling window on 2 columns.
// expect: layer<0>
// expect: along<'W'>
// expect: output_extent_not_positive<0>
// twin: max_pool2d<3> => max_pool2d<2>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 2>, max_pool2d<3>>;
static_assert(net::output_shape == shape{3, 4, 1});  // the user's own: no second error
