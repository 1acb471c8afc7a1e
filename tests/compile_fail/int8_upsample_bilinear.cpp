// Must not compile: an int8 forward through a bilinear resize (only nearest resizing moves integers
// without arithmetic; the other modes have no int8 kernel).
// expect: int8_forward, ctnn::upsample_bilinear2d<.*>, (ctnn::facts::)?has_no_int8_kernel_yet
// twin: ctnn::upsample_bilinear2d< => ctnn::upsample_nearest2d<
#include <array>
#include <cstdint>

#include "ctnn/ctnn.hpp"

using net = ctnn::sequential<ctnn::input<4, 6, 6>, ctnn::conv2d<4, 3, ctnn::pad<1>>,
                             ctnn::upsample_bilinear2d<ctnn::scale_factor<2>>, ctnn::conv2d<2, 1>>;
static net::quantized q;
static ctnn::static_arena<net::quantized> arena;

int main() {
  std::array<std::int8_t, net::input_size> x{};
  std::array<std::int8_t, net::output_size> y{};
  net::forward(q, std::span<const std::int8_t, net::input_size>(x), std::span<std::int8_t, net::output_size>(y), arena);
  return y[0];
}
