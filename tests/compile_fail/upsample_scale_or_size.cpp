// Must not compile: an upsampling with neither a scale nor a size.
// expect: layer<0>
// expect: given_of_scale_and_output_size<0>
// expect: give_exactly_one
// twin: upsample_nearest2d<> => upsample_nearest2d<scale_factor<2>>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>, upsample_nearest2d<>>;
static_assert(net::output_shape == shape{3, 16, 16});  // the user's own: no second error
