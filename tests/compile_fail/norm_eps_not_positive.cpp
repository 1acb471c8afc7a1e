// Must not compile: a layer norm's epsilon 0 / 1 would divide by a zero variance.
// expect: layer<1>
// expect: parameter<(ctnn::)?param::eps>
// expect: must_be_positive<0>
// twin: eps_ratio<0, 1> => eps_ratio<1, 1000000>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<4, 8, 8>, conv2d<4, 3, pad<1>>, channel_layer_norm<eps_ratio<0, 1>>>;
static_assert(net::output_shape == shape{4, 8, 8});  // the user's own: no second error
