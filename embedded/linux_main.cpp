// LeNet-5 and DS-CNN on aarch64 Linux (NEON), run under qemu-aarch64: the same check as on the boards.
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

int main() {
  const bool lenet = run<models::lenet, models::lenet_seed>("lenet", expected::lenet);
  const bool ds_cnn = run<models::ds_cnn, models::ds_cnn_seed>("ds_cnn", expected::ds_cnn);
  return lenet && ds_cnn ? 0 : 1;
}
