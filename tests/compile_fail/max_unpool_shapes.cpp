// Must not compile: the layers between a max pooling and its unpooling change the pooled shape.
// expect: layer<1>
// expect: max_unpool<
// expect: pooled_shape<(ctnn::facts::)?dims<4, 4, 4 ?> ?>
// expect: inner_output_shape<(ctnn::facts::)?dims<8, 2, 2 ?> ?>
// expect: inner_layers_must_keep_the_pooled_shape
// twin: conv2d<8, 3> => conv2d<4, 3, pad<1>>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>, conv2d<4, 1>, max_unpool<max_pool2d<2>, conv2d<8, 3>>>;
static_assert(net::output_shape == shape{4, 8, 8});  // the user's own: no second error
