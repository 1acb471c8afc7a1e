// Must not compile: explicit padding and a padding mode together.
// expect: layer<0>
// expect: conv2d<4, 3, (ctnn::)?pad<2 ?>, (ctnn::)?pad_same ?>
// expect: parameter<(ctnn::)?param::padding>
// expect: given_in_two_incompatible_ways
// twin: pad<2>, pad_same => pad_same
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>, conv2d<4, 3, pad<2>, pad_same>>;
static_assert(net::output_shape == shape{4, 8, 8});  // the user's own: no second error
