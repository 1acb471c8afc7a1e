// Must not compile: asking for branch 5 of a residual.
// expect: branch_index<5>
// expect: out_of_range_for_size<2>
// twin: layer_t<net, 1>, 5> => layer_t<net, 1>, 0>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<4, 8, 8>, relu, residual<conv2d<4, 3, pad<1>>>>;
static_assert(branch_t<layer_t<net, 1>, 5>::output_shape == shape{4, 8, 8});
