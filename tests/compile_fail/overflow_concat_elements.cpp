// Must not compile: four copies of a 2^61-element input side by side hold 2^63 elements, past 64 bits.
// expect: layer<0>
// expect: parameter<(ctnn::)?param::output_elements>
// expect: count_does_not_fit_64_bits
// twin: input<4, (1 << 30), (1 << 29)> => input<4, (1 << 30), (1 << 28)>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<4, (1 << 30), (1 << 29)>, concat<identity_layer, identity_layer, identity_layer, identity_layer>>;
static_assert(net::output_shape == shape{16, 1 << 30, 1 << 28});  // the user's own: no second error
