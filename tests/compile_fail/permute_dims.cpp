// Must not compile: dim 1 twice is not a permutation of [C, H, W]'s dims.
// expect: layer<0>
// expect: permute<1, 1, 0>
// expect: dims_not_a_permutation_at<1>
// expect: out_of_range_for_rank<3>
// twin: permute<1, 1, 0> => permute<1, 2, 0>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<4, 8, 8>, permute<1, 1, 0>>;
static_assert(net::output_shape == shape{8, 8, 4});  // the user's own: no second error
