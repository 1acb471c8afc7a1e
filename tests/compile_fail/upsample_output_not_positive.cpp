// Must not compile: upsampling 2 rows by 1/4.
// expect: layer<0>
// expect: along<'H'>
// expect: output_extent_not_positive<0>
// twin: scale_ratio<1, 4> => scale_ratio<1, 2>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 2, 2>, upsample_nearest2d<scale_ratio<1, 4>>>;
static_assert(net::output_shape == shape{3, 1, 1});  // the user's own: no second error
