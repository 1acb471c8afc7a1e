// Must not compile: a network whose first argument is not its input.
// expect-within 8: input_declaration
// errors: any
// twin: sequential<conv2d<4, 3>, relu> => sequential<input<3, 8, 8>, conv2d<4, 3>, relu>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<conv2d<4, 3>, relu>;
static_assert(net::output_shape == shape{4, 6, 6});  // the user's own: no second error
