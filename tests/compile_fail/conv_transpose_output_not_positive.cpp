// Must not compile: a transposed convolution that would produce no output.
// expect: layer<0>
// expect: along<'H'>
// expect: output_extent_not_positive<-1>
// twin: pad<1> => pad<0>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 1, 1>, conv_transpose2d<4, 1, pad<1>>>;
static_assert(net::output_shape == shape{4, 1, 1});  // the user's own: no second error
