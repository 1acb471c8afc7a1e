// Must not compile: a negative output padding.
// expect: layer<0>
// expect: conv_transpose2d<4, 3
// expect: parameter<(ctnn::)?param::output_padding>
// expect: negative_value<-1>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>, conv_transpose2d<4, 3, stride<2>, output_padding<-1>>>;
static_assert(net::output_shape.rank >= 0);  // instantiates the network
