// Must not compile: a slice of no channels.
// expect: layer<0>
// expect: parameter<(ctnn::)?param::channels>
// expect: must_be_positive<0>
// twin: slice_channels<2, 0> => slice_channels<2, 1>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<4, 8, 8>, slice_channels<2, 0>, conv2d<4, 3>>;
static_assert(net::output_shape == shape{4, 6, 6});  // the user's own: no second error
