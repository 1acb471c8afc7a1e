// Must not compile: a pixel shuffle by 2 needs channels in multiples of 4; 6 are not.
// expect: layer<1>
// expect: pixel_shuffle<2>
// expect: parameter<(ctnn::)?param::channels>
// expect: extent<6>
// expect: not_divisible_by<4>
// twin: conv2d<6, 1> => conv2d<8, 1>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>, conv2d<6, 1>, pixel_shuffle<2>>;
static_assert(net::output_shape == shape{2, 16, 16});  // the user's own: no second error
