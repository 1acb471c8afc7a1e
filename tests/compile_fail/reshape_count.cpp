// Must not compile: 400 elements reshaped to 343.
// expect: layer<0>
// expect: input_elements<400>
// expect: target_elements<343>
// twin: reshape<7, 7, 7> => reshape<4, 10, 10>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<16, 5, 5>, reshape<7, 7, 7>>;
static_assert(net::output_shape == shape{4, 10, 10});  // the user's own: no second error
