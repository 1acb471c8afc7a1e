// Must not compile: upsampling with neither scale nor size.
// expect: layer<0>
// expect: upsample_nearest2d<
// expect: given_of_scale_and_output_size<0>
// expect: give_exactly_one
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>, upsample_nearest2d<>>;
static_assert(net::output_shape.rank >= 0);  // instantiates the network
