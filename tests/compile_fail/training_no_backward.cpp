// Must not compile: a training step through a layer that has no backward pass yet (a partial convolution,
// whose parameters derive from the convolution's: its backward must not be taken for it).
// expect: backward_pass, ctnn::partial_conv2d<.*>, (ctnn::facts::)?has_no_backward_pass_yet
// twin: ctnn::partial_conv2d<4, 3> => ctnn::conv2d<4, 3>
#include <array>
#include <span>

#include "ctnn/ctnn.hpp"
#include "ctnn/training.hpp"

using net = ctnn::sequential<ctnn::input<2, 8, 8>, ctnn::partial_conv2d<4, 3>, ctnn::relu, ctnn::flatten, ctnn::linear<3>>;
using train = ctnn::training<net>;
static net::weights w;
static train::state<float> s;

int main() {
  std::array<float, net::input_size> x{};
  return static_cast<int>(train::accumulate(w, std::span<const float, net::input_size>(x), 1, s));
}
