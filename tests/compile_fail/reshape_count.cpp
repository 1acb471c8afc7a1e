// Must not compile: a reshape that does not keep the element count.
// expect: layer<0>
// expect: reshape<7, 7, 7 ?>
// expect: input_elements<400>
// expect: target_elements<343>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<16, 5, 5>, reshape<7, 7, 7>>;
static_assert(net::output_shape.rank >= 0);  // instantiates the network
