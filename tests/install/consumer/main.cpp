// Built against an installed ctnn: the headers and the Boost dependency come from find_package.
#include <ctnn/ctnn.hpp>

using net = ctnn::sequential<ctnn::input<3, 32, 32>, ctnn::conv2d<8, 3, ctnn::pad<1>>, ctnn::relu>;
static_assert(net::output_shape == ctnn::shape{8, 32, 32});

int main() { return net::output_shape.size() == 8 * 32 * 32 ? 0 : 1; }
