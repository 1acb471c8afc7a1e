// Must not compile: an adaptive pooling to 0 rows.
// expect: layer<0>
// expect: adaptive_avg_pool2d<0, 2 ?>
// expect: parameter<(ctnn::)?param::output_size>
// expect: along<'H'>
// expect: must_be_positive<0>
// twin: adaptive_avg_pool2d<0, 2> => adaptive_avg_pool2d<1, 2>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>, adaptive_avg_pool2d<0, 2>>;
static_assert(net::output_shape == shape{3, 1, 2});  // the user's own: no second error
