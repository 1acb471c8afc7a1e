// Must not compile: cropping away everything.
// expect: layer<1>
// expect: crop2d<(ctnn::)?crop<2 ?> ?>
// expect: total_crop<4>
// expect: must_be_less_than_input_extent<4>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<1, 4, 4>, relu, crop2d<crop<2>>>;
static_assert(net::output_shape.rank >= 0);  // instantiates the network
