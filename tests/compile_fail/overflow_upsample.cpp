// Must not compile: upsampling 100,000 by 100,000.
// expect: layer<0>
// expect: along<'L'>
// expect: extent_does_not_fit_an_int<10000000000>
// twin: scale_factor<100000> => scale_factor<2>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<1, 100000>, upsample_nearest1d<scale_factor<100000>>>;
static_assert(net::output_shape == shape{1, 200000});  // the user's own: no second error
