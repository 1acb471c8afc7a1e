// Must not compile: two batch sizes for one input.
// expect: parameter<(ctnn::)?param::batch>
// expect: given_in_two_incompatible_ways
// twin: batch<2>, batch<8> => batch<8>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>::with<batch<2>, batch<8>>, relu>;
static_assert(net::output_shape == shape{3, 8, 8});  // the user's own: no second error
