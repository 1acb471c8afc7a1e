// Must not compile: a network must start with its input (the second error is the unusable alias).
// expect: sequential
// expect: input_declaration
// errors: 2
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<conv2d<4, 3>, relu>;
static_assert(net::output_shape.rank >= 0);
