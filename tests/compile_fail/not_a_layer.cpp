// Must not compile: an option outside its layer's brackets.
// expect: layer<1>
// expect: stride<2 ?>
// expect: not_a_layer
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>, conv2d<4, 3>, stride<2>>;
static_assert(net::output_shape.rank >= 0);  // instantiates the network
