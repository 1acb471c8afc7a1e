// Must not compile: three linear layers of (2^31 - 1)^2 weights: their sum does not fit 64 bits.
// expect: layer<2>
// expect: parameter<(ctnn::)?param::parameters>
// expect: count_does_not_fit_64_bits
// twin: linear<2147483647>> => linear<1>>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<2147483647>, linear<2147483647>, linear<2147483647>, linear<2147483647>>;
static_assert(net::output_shape == shape{1});  // the user's own: no second error
