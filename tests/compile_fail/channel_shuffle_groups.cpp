// Must not compile: 12 channels do not split into 5 groups.
// expect: layer<1>
// expect: channel_shuffle<5>
// expect: input_channels<12>
// expect: not_divisible_by_groups<5>
// twin: channel_shuffle<5> => channel_shuffle<4>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>, conv2d<12, 1>, channel_shuffle<5>>;
static_assert(net::output_shape == shape{12, 8, 8});  // the user's own: no second error
