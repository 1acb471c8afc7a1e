// Must not compile: flattening 4096 x 1024 x 1024 into one dim of more than 2^31 - 1.
// expect: layer<0>
// expect: extent_does_not_fit_an_int<4294967296>
// twin: input<4096, 1024, 1024> => input<4096, 1024, 256>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<4096, 1024, 1024>, flatten>;
static_assert(net::output_shape == shape{1073741824});  // the user's own: no second error
