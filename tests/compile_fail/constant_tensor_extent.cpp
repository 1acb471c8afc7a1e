// Must not compile: a constant tensor (ViT's class token) with no rows.
// expect: layer<0>
// expect: constant_tensor<0, 5>
// expect: parameter<(ctnn::)?param::size>
// expect: must_be_positive<0>
// twin: constant_tensor<0, 5> => constant_tensor<1, 5>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 5>, concat<constant_tensor<0, 5>, chain<>>, layer_norm<5>>;
static_assert(net::output_shape == shape{4, 5});  // the user's own: no second error
