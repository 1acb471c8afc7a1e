// Must not compile: two dims to infer in one reshape.
// expect: layer<0>
// expect: inferred_dims<2>
// expect: at_most_one_dim_can_be_inferred
// twin: reshape<-1, -1> => reshape<16, -1>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<16, 5, 5>, reshape<-1, -1>>;
static_assert(net::output_shape == shape{16, 25});  // the user's own: no second error
