// Must not compile: dims 0 and -3 of a [C, H, W] sample are the same dim.
// expect: layer<0>
// expect: reduce<(ctnn::)?reduce_kind::sum, true, 0, -3>
// expect: parameter<(ctnn::)?param::dim>
// expect: dim_repeated<-3>
// twin: reduce_sum_keepdim<0, -3> => reduce_sum_keepdim<0, -2>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<8, 4, 6>, reduce_sum_keepdim<0, -3>>;
static_assert(net::output_shape == shape{1, 1, 6});  // the user's own: no second error
