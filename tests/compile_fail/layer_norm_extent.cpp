// Must not compile: LayerNorm(96) on a last dim of 64.
// expect: layer<1>
// expect: layer_norm<96>
// expect: expected_last_dim<96>
// expect: actual_last_dim<64>
// twin: layer_norm<96> => layer_norm<64>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<64, 4, 4>, permute<1, 2, 0>, layer_norm<96>>;
static_assert(net::output_shape == shape{4, 4, 64});  // the user's own: no second error
