// Must not compile: 4 padding values for a 2d convolution.
// expect: layer<0>
// expect: parameter<(ctnn::)?param::padding>
// expect: values_given<4>
// expect: layer_spatial_rank<2>
// twin: pad<1, 1, 1, 1> => pad<1, 1>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>, conv2d<4, 3, pad<1, 1, 1, 1>>>;
static_assert(net::output_shape == shape{4, 8, 8});  // the user's own: no second error
