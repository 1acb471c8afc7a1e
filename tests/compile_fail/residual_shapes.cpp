// Must not compile: a residual whose branch changes the channels.
// expect: layer<1>
// expect: branch<1>
// expect: first_branch_shape<(ctnn::facts::)?dims<4, 8, 8 ?> ?>
// expect: branch_shape<(ctnn::facts::)?dims<3, 8, 8 ?> ?>
// twin: conv2d<4, 3, pad<1>> => conv2d<3, 3, pad<1>>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>, relu, residual<conv2d<4, 3, pad<1>>>>;
static_assert(net::output_shape == shape{3, 8, 8});  // the user's own: no second error
