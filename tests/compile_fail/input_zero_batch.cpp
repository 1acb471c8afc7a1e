// Must not compile: a batch of zero.
// expect: input<3, 8, 8>
// expect: parameter<(ctnn::)?param::batch>
// expect: must_be_positive<0>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>::with<batch<0>>, relu>;
static_assert(net::output_shape.rank >= 0);  // instantiates the network
