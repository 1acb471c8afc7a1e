// Must not compile: a stride of 0 along W.
// expect: layer<0>
// expect: parameter<(ctnn::)?param::stride>
// expect: along<'W'>
// expect: must_be_positive<0>
// twin: stride<1, 0> => stride<1, 2>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>, conv2d<4, 3, stride<1, 0>>>;
static_assert(net::output_shape == shape{4, 6, 3});  // the user's own: no second error
