// LeNet-5 and DS-CNN on aarch64 Linux (NEON), run under qemu-aarch64: the same checks as on the boards,
// in float and in int8.
#include <cstdio>
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <memory>

#include "expected.hpp"
#include "models.hpp"

template <class Net, std::uint32_t Seed, std::size_t N>
bool run(const char* name, const float (&want)[N]) {
  constexpr auto& weights = models::prepared_weights<Net, Seed>;
  static constexpr auto input = models::make_input<Net>(Seed);
  static ctnn::static_arena<typename Net::prepared> arena;
  static std::array<float, N> y;
  Net::forward(weights, input, y, arena);
  float worst = 0;
  for (std::size_t i = 0; i < N; ++i) worst = std::max(worst, std::abs(y[i] - want[i]));
  const bool ok = worst <= 1e-4f;
  std::printf("%s: %s, max error %g, arena %zu bytes\n", name, ok ? "ok" : "WRONG OUTPUT", double(worst), sizeof(arena));
  return ok;
}

// int8, quantized by PyTorch: within one LSB of PyTorch's int8 output.
template <class Data>
bool run_int8(const char* name) {
  using Net = typename Data::net;
  static constexpr auto input = models::make_int8_input<Data>();
  static ctnn::static_arena<typename Net::quantized> arena;
  static std::array<std::int8_t, Net::output_size> y;
  Net::forward(models::quantized_weights<Data>, std::span<const std::int8_t, Net::input_size>(input),
               std::span<std::int8_t, Net::output_size>(y), arena);
  int worst = 0;
  for (std::size_t i = 0; i < y.size(); ++i) worst = std::max(worst, std::abs(int{y[i]} - int{Data::output[i]}));
  std::printf("%s: %s, max difference %d LSB, arena %zu bytes\n", name, worst <= 1 ? "ok" : "WRONG OUTPUT", worst,
              sizeof(arena));
  return worst <= 1;
}

int main() {
  const bool lenet = run<models::lenet, models::lenet_seed>("lenet", expected::lenet);
  const bool ds_cnn = run<models::ds_cnn, models::ds_cnn_seed>("ds_cnn", expected::ds_cnn);
  const bool lenet_int8 = run_int8<models::lenet_int8>("lenet_int8");
  const bool ds_cnn_int8 = run_int8<models::ds_cnn_int8>("ds_cnn_int8");
  return lenet && ds_cnn && lenet_int8 && ds_cnn_int8 ? 0 : 1;
}
