// Must not compile: a pixel unshuffle by 2 of a width of 7.
// expect: layer<0>
// expect: pixel_unshuffle<2>
// expect: along<'W'>
// expect: extent<7>
// expect: not_divisible_by<2>
// twin: input<3, 8, 7> => input<3, 8, 8>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 7>, pixel_unshuffle<2>>;
static_assert(net::output_shape == shape{12, 4, 4});  // the user's own: no second error
