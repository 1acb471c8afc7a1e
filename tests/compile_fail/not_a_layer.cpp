// Must not compile: an option outside its layer's brackets.
// expect: layer<1>
// expect: stride<2 ?>
// expect: not_a_layer
// twin: conv2d<4, 3>, stride<2> => conv2d<4, 3, stride<2>>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>, conv2d<4, 3>, stride<2>>;
static_assert(net::output_shape == shape{4, 3, 3});  // the user's own: no second error
