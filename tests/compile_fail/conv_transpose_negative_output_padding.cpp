// Must not compile: a negative output padding.
// expect: layer<0>
// expect: parameter<(ctnn::)?param::output_padding>
// expect: negative_value<-1>
// twin: output_padding<-1> => output_padding<1>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>, conv_transpose2d<4, 3, stride<2>, output_padding<-1>>>;
static_assert(net::output_shape == shape{4, 18, 18});  // the user's own: no second error
