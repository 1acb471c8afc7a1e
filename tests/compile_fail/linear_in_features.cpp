// Must not compile: a declared in_features that differs from the input.
// expect: layer<0>
// expect: expected_in_features<400>
// expect: actual_in_features<256>
// twin: in_features<400> => in_features<256>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<256>, linear<10, in_features<400>>>;
static_assert(net::output_shape == shape{10});  // the user's own: no second error
