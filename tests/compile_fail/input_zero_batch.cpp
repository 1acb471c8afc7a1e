// Must not compile: a batch of 0.
// expect: parameter<(ctnn::)?param::batch>
// expect: must_be_positive<0>
// twin: batch<0> => batch<2>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>::with<batch<0>>, relu>;
static_assert(net::output_shape == shape{3, 8, 8});  // the user's own: no second error
