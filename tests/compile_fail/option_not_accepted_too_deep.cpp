// Must not compile: an option no layer of its kind takes, 17 chains deep, past the path ctnn keeps
// (max_nesting): the facts say so and name the option by its index among the layer's options, without a
// layer kind to guess.
// expect: path_deeper_than_max_nesting
// expect: option_not_accepted_at_index<0>
// twin: conv2d<4, 3, ceil_mode> => max_pool2d<3, ceil_mode>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 8, 8>, chain<chain<chain<chain<chain<chain<chain<chain<chain<chain<chain<chain<chain<chain<chain<chain<chain<conv2d<4, 3, ceil_mode>>>>>>>>>>>>>>>>>>>;
static_assert(net::output_shape == shape{3, 3, 3});  // the user's own: no second error
