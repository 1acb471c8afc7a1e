// Must not compile: a concat without branches.
// expect: layer<0>
// expect: concat_without_branches
// twin: concat<> => concat<relu>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>, concat<>>;
static_assert(net::output_shape == shape{3, 8, 8});  // the user's own: no second error
