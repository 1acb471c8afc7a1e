// Must not compile: a 65536 x 65536 kernel over 2^32 output positions is 2^64 multiply-accumulates, past
// 64 bits, though its 2^32 weights fit.
// expect: layer<0>
// expect: parameter<(ctnn::)?param::macs>
// expect: count_does_not_fit_64_bits
// twin: kernel<65536, 65536> => kernel<2, 65536>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<1, 2147483647, 65537>, conv2d<1, kernel<65536, 65536>>>;
static_assert(net::output_shape == shape{1, 2147483646, 2});  // the user's own: no second error
