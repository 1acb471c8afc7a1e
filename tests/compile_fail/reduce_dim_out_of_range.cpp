// Must not compile: a mean over dim 3 of a [C, H, W] sample (dims count within the sample, from 0).
// expect: layer<1>
// expect: reduce<(ctnn::)?reduce_kind::mean, false, 3>
// expect: parameter<(ctnn::)?param::dim>
// expect: dim<3>
// expect: out_of_range_for_rank<3>
// twin: reduce_mean<3> => reduce_mean<2>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<8, 4, 6>, relu, reduce_mean<3>>;
static_assert(net::output_shape == shape{8, 4});  // the user's own: no second error
