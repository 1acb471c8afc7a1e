// Must not compile: a linear layer declared for 400 inputs gets 256.
// expect: layer<0>
// expect: linear<10, (ctnn::)?in_features<400 ?> ?>
// expect: expected_in_features<400>
// expect: actual_in_features<256>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<256>, linear<10, in_features<400>>>;
static_assert(net::output_shape.rank >= 0);  // instantiates the network
