// Must not compile: softmax over a dim the sample does not have.
// expect: layer<0>
// expect: softmax_dim<3 ?>
// expect: dim<3>
// expect: out_of_range_for_rank<3>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<16, 5, 5>, softmax_dim<3>>;
static_assert(net::output_shape.rank >= 0);  // instantiates the network
