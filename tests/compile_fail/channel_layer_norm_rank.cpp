// Must not compile: a norm over the channels at each position of a flat [C] input, which has none.
// expect: layer<2>
// expect: channel_layer_norm<>
// expect: expected_input_rank<2>
// expect: actual_input_rank<1>
// twin: channel_layer_norm<> => layer_norm<10>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<4, 4, 4>, flatten, linear<10>, channel_layer_norm<>>;
static_assert(net::output_shape == shape{10});  // the user's own: no second error
