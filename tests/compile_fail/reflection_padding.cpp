// Must not compile: reflection padding as wide as the input.
// expect: layer<0>
// expect: along<'H'>
// expect: reflection_padding<3>
// expect: must_be_less_than_input_extent<3>
// twin: pad<3> => pad<2>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<1, 3, 3>, reflection_pad2d<pad<3>>>;
static_assert(net::output_shape == shape{1, 7, 7});  // the user's own: no second error
