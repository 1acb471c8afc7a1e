// Must not compile: CELU divides its input by alpha, so PyTorch refuses alpha = 0.
// expect: layer<1>
// expect: celu<0, 1>
// expect: parameter<(ctnn::)?param::alpha>
// expect: must_not_be_zero
// twin: celu<0, 1> => celu<1, 2>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<4, 8, 8>, conv2d<4, 3>, celu<0, 1>>;
static_assert(net::output_shape == shape{4, 6, 6});  // the user's own: no second error
