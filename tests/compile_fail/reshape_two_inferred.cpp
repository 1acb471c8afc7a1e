// Must not compile: two -1 in a reshape.
// expect: layer<0>
// expect: reshape<-1, -1 ?>
// expect: inferred_dims<2>
// expect: at_most_one_dim_can_be_inferred
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<16, 5, 5>, reshape<-1, -1>>;
static_assert(net::output_shape.rank >= 0);  // instantiates the network
