// Must not compile: asking for layer 99 of a 3-layer network.
// expect: layer_index<99>
// expect: out_of_range_for_size<3>
// twin: layer_t<net, 99> => layer_t<net, 1>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>, conv2d<4, 3>, relu, flatten>;
static_assert(layer_t<net, 99>::output_shape == shape{4, 6, 6});
