// Must not compile: an int8 forward through a layer that has no int8 kernel (a reduction over channels).
// expect: int8_forward, ctnn::reduce<ctnn::reduce_kind::mean, .*>, (ctnn::facts::)?has_no_int8_kernel_yet
// twin: ctnn::reduce_mean<0> => ctnn::relu
#include <array>
#include <cstdint>

#include "ctnn/ctnn.hpp"

using net = ctnn::sequential<ctnn::input<4, 6, 6>, ctnn::conv2d<4, 3, ctnn::pad<1>>, ctnn::reduce_mean<0>, ctnn::flatten,
                             ctnn::linear<10>>;
static net::quantized q;
static ctnn::static_arena<net::quantized> arena;

int main() {
  std::array<std::int8_t, net::input_size> x{};
  std::array<std::int8_t, net::output_size> y{};
  net::forward(q, std::span<const std::int8_t, net::input_size>(x), std::span<std::int8_t, net::output_size>(y), arena);
  return y[0];
}
