// Must not compile: an error four chains deep.
// expect: layer<0>, (ctnn::)?branch<0>, (ctnn::)?layer<0>, (ctnn::)?branch<0>, (ctnn::)?layer<0>, (ctnn::)?branch<0>, (ctnn::)?layer<0>, (ctnn::)?branch<0>, (ctnn::)?layer<1>, (ctnn::)?conv2d<10, 1, (ctnn::)?groups<3 ?> ?>
// expect: input_channels<8>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<8, 8, 8>, chain<chain<chain<chain<relu, conv2d<10, 1, groups<3>>>>>>>;
static_assert(net::output_shape.rank >= 0);  // instantiates the network
