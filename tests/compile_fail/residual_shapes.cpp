// Must not compile: a residual whose branches disagree.
// expect: layer<1>
// expect: residual<
// expect: branch<1>
// expect: first_branch_shape<(ctnn::)?dims<4, 8, 8> ?>
// expect: branch_shape<(ctnn::)?dims<3, 8, 8> ?>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>, relu, residual<conv2d<4, 3, pad<1>>>>;
static_assert(net::output_shape.rank >= 0);  // instantiates the network
