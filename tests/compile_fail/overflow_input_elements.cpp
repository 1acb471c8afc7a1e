// Must not compile: an input of 2^64 elements.
// expect: parameter<(ctnn::)?param::output_elements>
// expect: count_does_not_fit_64_bits
// twin: input<65536, 65536, 65536, 65536> => input<16, 16, 16, 16>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<65536, 65536, 65536, 65536>, relu>;
static_assert(net::output_shape == shape{16, 16, 16, 16});  // the user's own: no second error
