// Must not compile: a max over every dim of the sample without keepdim would leave a scalar per sample.
// expect: layer<0>
// expect: reduce<(ctnn::)?reduce_kind::max, false, 0, 1>
// expect: reduction_over_all_dims_of_rank<2>
// expect: leaves_no_dim__use_the_keepdim_form
// twin: reduce_max<0, 1> => reduce_max_keepdim<0, 1>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<8, 5>, reduce_max<0, 1>>;
static_assert(net::output_shape == shape{1, 1});  // the user's own: no second error
