// Must not compile: a linear layer with no outputs.
// expect: layer<0>
// expect: linear<0 ?>
// expect: parameter<(ctnn::)?param::out_features>
// expect: must_be_positive<0>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<256>, linear<0>>;
static_assert(net::output_shape.rank >= 0);  // instantiates the network
