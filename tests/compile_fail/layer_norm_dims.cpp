// Must not compile: a LayerNorm over 4 trailing dims of a [C, H, W] sample.
// expect: layer<0>
// expect: layer_norm_over<4>
// expect: parameter<(ctnn::)?param::dim>
// expect: dim<4>
// expect: out_of_range_for_rank<3>
// twin: layer_norm_over<4> => layer_norm_over<3>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<8, 4, 4>, layer_norm_over<4>>;
static_assert(net::output_shape == shape{8, 4, 4});  // the user's own: no second error
