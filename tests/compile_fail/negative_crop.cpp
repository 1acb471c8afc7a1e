// Must not compile: a negative crop.
// expect: layer<0>
// expect: crop2d<(ctnn::)?crop_begin<-1 ?> ?>
// expect: negative_crop<-1>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<1, 4, 4>, crop2d<crop_begin<-1>>>;
static_assert(net::output_shape.rank >= 0);  // instantiates the network
