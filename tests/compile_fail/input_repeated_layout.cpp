// Must not compile: two layouts for one input.
// expect: parameter<(ctnn::)?param::layout>
// expect: given_in_two_incompatible_ways
// twin: with<nhwc, nchw> => with<nhwc>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>::with<nhwc, nchw>, relu>;
static_assert(net::output_shape == shape{3, 8, 8});  // the user's own: no second error
