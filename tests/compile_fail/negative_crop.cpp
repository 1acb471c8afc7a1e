// Must not compile: a negative crop.
// expect: negative_crop<-1>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<1, 4, 4>, crop2d<crop_begin<-1>>>;
static_assert(net::output_shape.rank >= 0);
