// Must not compile: explicit padding and a padding mode together.
// expect: layer<0>
// expect: conv2d<4, 3, (ctnn::)?pad<2 ?>, (ctnn::)?same ?>
// expect: parameter<(ctnn::)?param::padding>
// expect: given_in_two_incompatible_ways
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>, conv2d<4, 3, pad<2>, pad_same>>;
static_assert(net::output_shape.rank >= 0);  // instantiates the network
