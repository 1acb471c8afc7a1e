// Must not compile: a negative crop.
// expect: layer<0>
// expect: parameter<(ctnn::)?param::crop>
// expect: negative_crop<-1>
// twin: crop_begin<-1> => crop_begin<1>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<1, 4, 4>, crop2d<crop_begin<-1>>>;
static_assert(net::output_shape == shape{1, 3, 3});  // the user's own: no second error
