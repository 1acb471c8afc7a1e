// Must not compile: cropping 2 from each side of 4 rows.
// expect: layer<1>
// expect: along<'H'>
// expect: total_crop<4>
// expect: must_be_less_than_input_extent<4>
// twin: crop<2> => crop<1>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<1, 4, 4>, relu, crop2d<crop<2>>>;
static_assert(net::output_shape == shape{1, 2, 2});  // the user's own: no second error
