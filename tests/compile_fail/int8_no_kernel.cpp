// Must not compile: an int8 forward through a layer that has no int8 kernel (a layer norm).
// expect: int8_forward, ctnn::layer_norm<.*>, (ctnn::facts::)?has_no_int8_kernel_yet
// twin: ctnn::layer_norm<32>, ctnn::linear<10> => ctnn::relu, ctnn::linear<10>
#include <array>
#include <cstdint>

#include "ctnn/ctnn.hpp"

using net = ctnn::sequential<ctnn::input<16>, ctnn::linear<32>, ctnn::layer_norm<32>, ctnn::linear<10>>;
static net::quantized q;
static ctnn::static_arena<net::quantized> arena;

int main() {
  std::array<std::int8_t, net::input_size> x{};
  std::array<std::int8_t, net::output_size> y{};
  net::forward(q, std::span<const std::int8_t, net::input_size>(x), std::span<std::int8_t, net::output_size>(y), arena);
  return y[0];
}
