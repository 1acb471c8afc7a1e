// Must not compile: flatten from a later dim to an earlier one.
// expect: layer<0>
// expect: flatten_dims<-1, 0 ?>
// expect: start_dim<-1>
// expect: comes_after_end_dim<0>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<16, 5, 5>, flatten_dims<-1, 0>>;
static_assert(net::output_shape.rank >= 0);  // instantiates the network
