// embedded/models.hpp: the networks the embedded examples run, with made-up but fixed weights and
// inputs, computed by constexpr functions so that the weights are constant data in flash, already
// repacked for the fast kernels.
#pragma once

#include <array>
#include <cstdint>

#include "../examples/zoo/ds_cnn.hpp"
#include "../examples/zoo/lenet5.hpp"
#include "expected_int8.hpp"

namespace models {

// A small linear congruential generator: the same numbers on every compiler and target.
struct numbers {
  std::uint32_t state;
  constexpr float next(float scale) {
    state = state * 1664525u + 1013904223u;
    return scale * (static_cast<float>(state >> 8) / 8388608.0f - 1.0f);  // [-scale, scale)
  }
};

template <class Net>
constexpr typename Net::weights make_weights(std::uint32_t seed) {
  typename Net::weights w{};
  numbers gen{seed};
  for (const ctnn::parameter_info& p : ctnn::parameters_of<Net>) {
    // Scaled so that activations stay near 1 through the layers; batch norm variances positive.
    const float scale = 1.0f / static_cast<float>(p.size > 64 ? 16 : 2);
    for (ctnn::count_t i = 0; i < p.size; ++i) w.values[static_cast<std::size_t>(p.offset + i)] = gen.next(scale);
  }
  return w;
}

template <class Net>
constexpr std::array<float, Net::input_size> make_input(std::uint32_t seed) {
  std::array<float, Net::input_size> x{};
  numbers gen{seed};
  for (auto& v : x) v = gen.next(1.0f);
  return x;
}

// NHWC, so that the prepared weights select the fast kernels (vectorized on Helium and NEON).
using lenet = ctnn::relayout_t<zoo::lenet5, ctnn::layout::nhwc>;
using ds_cnn = ctnn::relayout_t<zoo::ds_cnn, ctnn::layout::nhwc>;

// The weights as the fast kernels read them, packed by the compiler: constant data in flash.
template <class Net, std::uint32_t Seed>
inline constexpr auto prepared_weights = ctnn::prepare<Net>(make_weights<Net>(Seed));
inline constexpr std::uint32_t lenet_seed = 1, ds_cnn_seed = 2;

// The same networks in int8, quantized by PyTorch (torch.ao, calibrated on other inputs; written by
// tools/make_embedded_int8_reference.py) as a user's imported model would be: constant data in flash.
template <class Net, class Data>
constexpr typename Net::quantized quantized_from(Data) {
  return ctnn::quantized_from_layers<Net>(Data::input_quantization, Data::layer_weights, Data::layer_weight_scales,
                                          Data::layer_biases, Data::layer_outputs, {});
}
struct lenet_int8 : expected_int8::lenet {
  using net = models::lenet;  // (not the base class's name)
  static constexpr std::uint32_t seed = lenet_seed;
};
struct ds_cnn_int8 : expected_int8::ds_cnn {
  using net = models::ds_cnn;
  static constexpr std::uint32_t seed = ds_cnn_seed;
};
template <class Data>
inline constexpr typename Data::net::quantized quantized_weights = quantized_from<typename Data::net>(Data{});

// The example's input (make_input), quantized as the network's input.
template <class Data>
constexpr std::array<std::int8_t, Data::net::input_size> make_int8_input() {
  using Net = typename Data::net;
  const auto x = make_input<Net>(Data::seed);
  std::array<std::int8_t, Net::input_size> q{};
  for (std::size_t i = 0; i < q.size(); ++i) q[i] = ctnn::quantize_value(x[i], Data::input_quantization);
  return q;
}

}  // namespace models
