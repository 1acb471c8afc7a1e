// Must not compile: ceil_mode is a pooling option, a convolution has no such parameter.
// expect: ceil_mode
// expect: conv_params
// expect: option_(not_accepted|for)
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>, conv2d<4, 3, ceil_mode>>;
static_assert(net::output_shape.rank >= 0);
