// Must not compile: output padding 2 with stride 2.
// expect: layer<0>
// expect: output_padding_of<2>
// expect: must_be_less_than_max_of_stride_and_dilation<2>
// twin: output_padding<2> => output_padding<1>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>, conv_transpose2d<4, 3, stride<2>, output_padding<2>>>;
static_assert(net::output_shape == shape{4, 18, 18});  // the user's own: no second error
