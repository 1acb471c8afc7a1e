// Must not compile: flatten from a later dim to an earlier one.
// expect: start_dim<2>
// expect: comes_after_end_dim<1>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<16, 5, 5>, flatten_dims<2, 1>>;
static_assert(net::output_shape.rank >= 0);
