// Must not compile: a linear layer with no outputs.
// expect: layer<0>
// expect: parameter<(ctnn::)?param::out_features>
// expect: must_be_positive<0>
// twin: linear<0> => linear<1>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<256>, linear<0>>;
static_assert(net::output_shape == shape{1});  // the user's own: no second error
