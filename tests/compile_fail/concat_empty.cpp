// Must not compile: a concat without branches.
// expect: layer<0>
// expect: concat<>
// expect: concat_without_branches
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>, concat<>>;
static_assert(net::output_shape.rank >= 0);  // instantiates the network
