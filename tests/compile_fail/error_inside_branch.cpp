// Must not compile: an error inside a block names the path to it.
// expect: layer<2>, (ctnn::facts::)?branch<1>, (ctnn::facts::)?layer<1>, (ctnn::)?conv2d<10, 1, (ctnn::)?groups<5 ?> ?>
// expect: input_channels<8>
// expect: not_divisible_by_groups<5>
// twin: groups<5> => groups<2>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<8, 8, 8>, relu, relu, concat<identity_layer, chain<relu, conv2d<10, 1, groups<5>>>>>;
static_assert(net::output_shape == shape{18, 8, 8});  // the user's own: no second error
