// Must not compile: channels [12, 20) of a 16-channel input.
// expect: layer<1>
// expect: slice_channels<12, 8>
// expect: first_channel<12>
// expect: channel_count<8>
// expect: slice_ends_past_input_channels<16>
// twin: slice_channels<12, 8> => slice_channels<8, 8>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>, conv2d<16, 1>, slice_channels<12, 8>>;
static_assert(net::output_shape == shape{8, 8, 8});  // the user's own: no second error
