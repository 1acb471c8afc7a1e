// Must not compile: softmax over dim 3 of a rank-3 sample.
// expect: layer<0>
// expect: dim<3>
// expect: out_of_range_for_rank<3>
// twin: softmax_dim<3> => softmax_dim<2>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<16, 5, 5>, softmax_dim<3>>;
static_assert(net::output_shape == shape{16, 5, 5});  // the user's own: no second error
