// Must not compile: unpooling puts values back where a max pooling found its maxima; an average pooling
// found none.
// expect: layer<0>
// expect: max_unpool<
// expect: max_unpool_needs_a_max_pool_first
// twin: avg_pool2d<2> => max_pool2d<2>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>, max_unpool<avg_pool2d<2>, relu>>;
static_assert(net::output_shape == shape{3, 8, 8});  // the user's own: no second error
