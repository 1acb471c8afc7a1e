// Must not compile: a flattened extent that no int holds.
// expect: layer<0>
// expect: flatten
// expect: extent_does_not_fit_an_int<4294967296>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<4096, 1024, 1024>, flatten>;
static_assert(net::output_shape.rank >= 0);  // instantiates the network
