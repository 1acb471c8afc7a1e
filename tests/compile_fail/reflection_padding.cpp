// Must not compile: reflection padding as large as the input.
// expect: layer<0>
// expect: reflection_pad2d<(ctnn::)?pad<3 ?> ?>
// expect: reflection_padding<3>
// expect: must_be_less_than_input_extent<3>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<1, 3, 3>, reflection_pad2d<pad<3>>>;
static_assert(net::output_shape.rank >= 0);  // instantiates the network
