// Must not compile: an error four chains deep names the whole path.
// expect: layer<0>, (ctnn::facts::)?branch<0>, (ctnn::facts::)?layer<0>, (ctnn::facts::)?branch<0>, (ctnn::facts::)?layer<0>, (ctnn::facts::)?branch<0>, (ctnn::facts::)?layer<0>, (ctnn::facts::)?branch<0>, (ctnn::facts::)?layer<1>
// expect: input_channels<8>
// expect: not_divisible_by_groups<3>
// twin: groups<3> => groups<2>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<8, 8, 8>, chain<chain<chain<chain<relu, conv2d<10, 1, groups<3>>>>>>>;
static_assert(net::output_shape == shape{10, 8, 8});  // the user's own: no second error
