// Must not compile: a dilated kernel spanning 4,000,000,001 elements.
// expect: layer<0>
// expect: along<'L'>
// expect: extent_does_not_fit_an_int<4000000001>
// twin: dilation<2000000000> => dilation<2>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<1, 8>, conv1d<1, 3, dilation<2000000000>>>;
static_assert(net::output_shape == shape{1, 4});  // the user's own: no second error
