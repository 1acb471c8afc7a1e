// Must not compile: an input without channels.
// expect: parameter<(ctnn::)?param::channels>
// expect: must_be_positive<0>
// twin: input<0, 8, 8> => input<1, 8, 8>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<0, 8, 8>, conv2d<4, 3>>;
static_assert(net::output_shape == shape{4, 6, 6});  // the user's own: no second error
