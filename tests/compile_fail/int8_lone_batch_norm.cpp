// Must not compile: an int8 forward through a batch norm that has no convolution or linear layer before
// it to fold into (int8 has no batch norm kernel of its own).
// expect: int8_forward, (ctnn::facts::)?layer<1>, (ctnn::facts::)?batch_norm_not_after_a_convolution_or_linear_layer
// twin: ctnn::max_pool2d<2>, ctnn::batch_norm2d<> => ctnn::conv2d<3, 2, ctnn::stride<2>>, ctnn::batch_norm2d<>
#include <array>
#include <cstdint>

#include "ctnn/ctnn.hpp"

using net = ctnn::sequential<ctnn::input<3, 8, 8>, ctnn::max_pool2d<2>, ctnn::batch_norm2d<>, ctnn::conv2d<4, 1>>;
static net::quantized q;
static ctnn::static_arena<net::quantized> arena;

int main() {
  std::array<std::int8_t, net::input_size> x{};
  std::array<std::int8_t, net::output_size> y{};
  net::forward(q, std::span<const std::int8_t, net::input_size>(x), std::span<std::int8_t, net::output_size>(y), arena);
  return y[0];
}
