// Must not compile: a leaky ReLU slope of 1 / 0.
// expect: layer<0>
// expect: leaky_relu<1, 0>
// expect: parameter<(ctnn::)?param::denominator>
// expect: must_be_positive<0>
// twin: leaky_relu<1, 0> => leaky_relu<1, 10>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<4, 8, 8>, leaky_relu<1, 0>, conv2d<4, 3>>;
static_assert(net::output_shape == shape{4, 6, 6});  // the user's own: no second error
