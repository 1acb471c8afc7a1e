// Must not compile: PReLU has one slope or one per input channel; 3 slopes for 8 channels.
// expect: layer<1>
// expect: prelu<3>
// expect: slopes<3>
// expect: must_be_1_or_the_input_channels<8>
// twin: prelu<3> => prelu<8>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<4, 8, 8>, conv2d<8, 3>, prelu<3>>;
static_assert(net::output_shape == shape{8, 6, 6});  // the user's own: no second error
