// Must not compile: a transposed convolution whose output would have 18,000,000,002 elements along L.
// expect: layer<0>
// expect: along<'L'>
// expect: extent_does_not_fit_an_int<18000000002>
// twin: stride<2000000000> => stride<2>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<1, 10>, conv_transpose1d<1, 2, stride<2000000000>>>;
static_assert(net::output_shape == shape{1, 20});  // the user's own: no second error
