// Must not compile: padding 2^31 - 1 on each side.
// expect: layer<0>
// expect: along<'L'>
// expect: extent_does_not_fit_an_int<4294967302>
// twin: pad<2147483647> => pad<2>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<1, 8>, zero_pad1d<pad<2147483647>>>;
static_assert(net::output_shape == shape{1, 12});  // the user's own: no second error
