// The embedded examples' networks on the host against PyTorch: embedded/expected.hpp holds PyTorch's
// outputs for embedded/models.hpp's networks, weights and inputs (float64, rounded to float32), written
// by tools/make_embedded_reference.py, which rebuilds the networks, the generator and the NHWC input
// in torch without ctnn. The boards compare with the same numbers. The int8 networks (embedded/expected_int8.hpp,
// tools/make_embedded_int8_reference.py) are PyTorch's quantized models, with PyTorch's int8 outputs.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>

#include "../../embedded/expected.hpp"
#include "../../embedded/models.hpp"

namespace {
// Within 1e-5 of PyTorch's value relative to max(1, |value|): float32 sums in another order.
template <std::size_t N>
void expect_pytorch(const std::array<float, N>& y, const float (&want)[N]) {
  for (std::size_t i = 0; i < N; ++i)
    EXPECT_NEAR(y[i], want[i], 1e-5f * std::max(1.0f, std::abs(want[i]))) << "output " << i;
}

// Prepared weights, packed by the compiler: the fast kernels, fused where the plan fuses, as on the boards.
template <class Net, std::uint32_t Seed, std::size_t N>
void check_prepared(const float (&want)[N]) {
  static_assert(N == Net::output_size);
  constexpr auto& weights = models::prepared_weights<Net, Seed>;
  static constexpr auto input = models::make_input<Net>(Seed);
  auto arena = std::make_unique<ctnn::static_arena<typename Net::prepared>>();
  std::array<float, N> y{};
  Net::forward(weights, input, y, *arena);
  expect_pytorch(y, want);
}

// The weights in PyTorch's order: the plain loops.
template <class Net, std::uint32_t Seed, std::size_t N>
void check_plain(const float (&want)[N]) {
  static_assert(N == Net::output_size);
  static constexpr auto weights = models::make_weights<Net>(Seed);
  static constexpr auto input = models::make_input<Net>(Seed);
  auto arena = std::make_unique<ctnn::static_arena<typename Net::weights>>();
  std::array<float, N> y{};
  Net::forward(weights, input, y, *arena);
  expect_pytorch(y, want);
}
// int8, quantized by PyTorch: ctnn's int8 forward against PyTorch's quantized model on the same input.
// PyTorch requantizes in float, ctnn in fixed point: a one-LSB difference in a layer moves the next ones.
template <class Data>
int int8_difference() {
  using Net = typename Data::net;
  static constexpr auto x = models::make_int8_input<Data>();
  auto arena = std::make_unique<ctnn::static_arena<typename Net::quantized>>();
  std::array<std::int8_t, Net::output_size> y{};
  Net::forward(models::quantized_weights<Data>, std::span<const std::int8_t, Net::input_size>(x),
               std::span<std::int8_t, Net::output_size>(y), *arena);
  int worst = 0;
  for (std::size_t i = 0; i < y.size(); ++i) worst = std::max(worst, std::abs(int{y[i]} - int{Data::output[i]}));
  return worst;
}
}  // namespace

TEST(EmbeddedPytorch, LenetInt8) { EXPECT_LE(int8_difference<models::lenet_int8>(), 1); }
TEST(EmbeddedPytorch, DsCnnInt8) { EXPECT_LE(int8_difference<models::ds_cnn_int8>(), 1); }

TEST(EmbeddedPytorch, LenetPreparedWeights) { check_prepared<models::lenet, models::lenet_seed>(expected::lenet); }
TEST(EmbeddedPytorch, LenetPlainWeights) { check_plain<models::lenet, models::lenet_seed>(expected::lenet); }
TEST(EmbeddedPytorch, DsCnnPreparedWeights) { check_prepared<models::ds_cnn, models::ds_cnn_seed>(expected::ds_cnn); }
TEST(EmbeddedPytorch, DsCnnPlainWeights) { check_plain<models::ds_cnn, models::ds_cnn_seed>(expected::ds_cnn); }
