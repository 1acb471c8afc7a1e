// Must not compile: flatten from the last dim to the first.
// expect: layer<0>
// expect: start_dim<-1>
// expect: comes_after_end_dim<0>
// twin: flatten_dims<-1, 0> => flatten_dims<0, -1>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<16, 5, 5>, flatten_dims<-1, 0>>;
static_assert(net::output_shape == shape{400});  // the user's own: no second error
