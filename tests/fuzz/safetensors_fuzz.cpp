// libFuzzer: any bytes into load_safetensors. ASan/UBSan catch reads past the span; the check below
// catches a failed load that wrote to the weights.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>

#include "ctnn/ctnn.hpp"
#include "ctnn/io/safetensors.hpp"

namespace {
using net = ctnn::sequential<ctnn::input<3, 8, 8>, ctnn::conv2d<4, 3>, ctnn::batch_norm2d<4>, ctnn::relu, ctnn::flatten,
                             ctnn::linear<5>>;
net::weights w, before;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  for (std::size_t i = 0; i < w.values.size(); ++i) w.values[i] = static_cast<float>(i) + 0.25f;
  before = w;
  const ctnn::safetensors_result r =
      ctnn::load_safetensors(w, std::span<const std::byte>(reinterpret_cast<const std::byte*>(data), size));
  if (!r && std::memcmp(w.values.data(), before.values.data(), sizeof w.values) != 0) std::abort();
  if (r.offset > size) std::abort();
  char text[128];
  ctnn::format_error(r, text, sizeof text);
  return 0;
}
