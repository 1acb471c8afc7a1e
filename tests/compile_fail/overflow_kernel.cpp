// Must not compile: a kernel of 2^31 - 1 taps: the output extent no longer fits an int.
// expect: layer<0>
// expect: along<'L'>
// expect: extent_does_not_fit_an_int<2147483656>
// twin: 2147483647> => 3>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<1, 10>, conv_transpose1d<1, 2147483647>>;
static_assert(net::output_shape == shape{1, 12});  // the user's own: no second error
