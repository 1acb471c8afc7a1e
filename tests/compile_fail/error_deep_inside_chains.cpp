// Must not compile: an error four chains deep.
// expect: layer<0>, [a-z:]*branch<0>, [a-z:]*layer<0>, [a-z:]*branch<0>, [a-z:]*layer<0>, [a-z:]*branch<0>, [a-z:]*layer<0>, [a-z:]*branch<0>, [a-z:]*layer<1>, [a-z:]*conv2d<10, 1, [a-z:]*groups<3 ?> ?>
// expect: input_channels<8>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<8, 8, 8>, chain<chain<chain<chain<relu, conv2d<10, 1, groups<3>>>>>>>;
static_assert(net::output_shape.rank >= 0);  // instantiates the network
