// The fast int8 kernels on the board itself (SMLAD on the Cortex-M4/M7, Helium on the M55) against the
// reference kernels (conv_forward_int8, conv_transpose_forward_int8, linear_forward_int8) called on the
// same data, bit for bit: the host's tests/unit/int8_kernels_test.cpp cannot see these paths, and the
// examples only compare with PyTorch within one LSB. Each layer is a one-layer int8 network in NHWC on
// pseudo-random data; and the layers computed in float, against PyTorch's outputs.
#include <array>
#include <initializer_list>
#include <cstdint>
#include <span>
#include <type_traits>

#include <ctnn/ctnn.hpp>

#include "semihosting.hpp"

using namespace ctnn;

namespace {

// xorshift32: the same data on every board, no library state.
struct random_bits {
  std::uint32_t state;
  std::uint32_t operator()() {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    return state;
  }
  std::int8_t byte() { return static_cast<std::int8_t>(static_cast<int>((*this)() % 256) - 128); }
  float fraction() { return static_cast<float>((*this)() % 1000) / 1000.0f; }
};

int failures = 0;

template <class Activation>
constexpr activation_params fused = Activation::params;
template <>
constexpr activation_params fused<void> = no_activation;

// Layer (and the clamp Activation after it, fused into its output) on Input.
template <class Layer, class Input, class Activation = void,
          class Net = std::conditional_t<std::is_void_v<Activation>, sequential<Input, Layer>, sequential<Input, Layer, Activation>>>
void check_layer(const char* name, std::uint32_t seed) {
  static_assert(Net::memory_layout == layout::nhwc);
  random_bits bits{seed};
  static typename Net::quantized q;
  for (auto& v : q.weights) v = bits.byte();
  for (auto& v : q.weight_scales) v = 0.001f + 0.02f * bits.fraction();
  for (auto& v : q.biases) v = static_cast<std::int32_t>(bits() % 20001) - 10000;
  for (auto& a : q.activations) a = {0.01f + 0.2f * bits.fraction(), static_cast<std::int32_t>(bits() % 256) - 128};
  q = finish_quantization(q);
  static std::array<std::int8_t, Net::input_size> x;
  for (auto& v : x) v = bits.byte();
  static std::array<std::int8_t, Net::output_size> fast, reference;
  static static_arena<typename Net::quantized> arena;
  Net::forward(q, std::span<const std::int8_t, Net::input_size>(x), std::span<std::int8_t, Net::output_size>(fast), arena);
  const output_stage stage = output_stage_for<fused<Activation>>(q.activations.back());
  if constexpr (std::is_same_v<std::remove_cvref_t<decltype(Layer::params)>, conv_params>) {
    conv_forward_int8<Layer::params, Net::input_shape, layout::nhwc>(x.data(), q.activations[0].zero_point, q.weights.data(),
                                                                     q.biases.data(), q.multipliers.data(), stage,
                                                                     reference.data());
  } else if constexpr (std::is_same_v<std::remove_cvref_t<decltype(Layer::params)>, conv_transpose_params>) {
    static_assert(int8_transposed_phases<Layer::params, Net::input_shape>::usable, "a case the phases run");
    conv_transpose_forward_int8<Layer::params, Net::input_shape, layout::nhwc>(
        x.data(), q.activations[0].zero_point, q.weights.data(), q.biases.data(), q.multipliers.data(), stage,
        reference.data());
  } else {
    linear_forward_int8<Layer::params, Net::input_shape, layout::nhwc>(x.data(), q.activations[0].zero_point,
                                                                       q.weights.data(), q.biases.data(),
                                                                       q.multipliers.data(), stage, reference.data());
  }
  long long differ = 0;
  for (std::size_t i = 0; i < fast.size(); ++i) differ += fast[i] != reference[i] ? 1 : 0;
  (semihosting::line() << name << ": " << (differ == 0 ? "ok" : "DIFFERS") << ", " << differ << " of "
                       << static_cast<long long>(fast.size()) << " outputs differ")
      .print();
  failures += differ != 0 ? 1 : 0;
}

// requantize_short in the board's instructions (QADD, SMMULR, SSAT on the M4/M7) against requantize.
void check_requantize_short(std::uint32_t seed) {
  random_bits bits{seed};
  const std::int32_t edges[] = {0, 1, -1, 127, -128, (1 << 30) - 1, 1 << 30, -(1 << 30), -(1 << 30) - 1, INT32_MAX, INT32_MIN};
  long long differ = 0, checked = 0;
  for (int i = 0; i < 100000; ++i) {
    const fixed_multiplier m{i % 97 == 0 ? 0 : static_cast<std::int32_t>((1u << 30) + bits() % (1u << 30)),
                             -1 - static_cast<int>(bits() % 20)};
    const std::int32_t acc = i % 8 == 0 ? edges[bits() % 11] : static_cast<std::int32_t>(bits()) >> (bits() % 32);
    const std::int32_t zero = static_cast<std::int32_t>(bits() % 256) - 128;
    const output_stage both{zero, -128 + static_cast<std::int32_t>(bits() % 120), 127 - static_cast<std::int32_t>(bits() % 120)};
    const output_stage low{zero, both.low, 127}, none{zero, -128, 127};
    // ReLU's and ReLU6's stages: the lower bound at the zero point.
    const output_stage relu{zero, zero, 127}, relu6{zero, zero, zero + static_cast<std::int32_t>(bits() % (128 - zero))};
    differ += requantize_short<true, true>(acc, m, both) != requantize(acc, m, both) ? 1 : 0;
    differ += requantize_short<true, false>(acc, m, low) != requantize(acc, m, low) ? 1 : 0;
    differ += requantize_short<false, false>(acc, m, none) != requantize(acc, m, none) ? 1 : 0;
    differ += requantize_short<true, false, true>(acc, m, relu) != requantize(acc, m, relu) ? 1 : 0;
    differ += requantize_short<true, true, true>(acc, m, relu6) != requantize(acc, m, relu6) ? 1 : 0;
    checked += 5;
  }
  (semihosting::line() << "requantize_short: " << (differ == 0 ? "ok" : "DIFFERS") << ", " << differ << " of "
                       << checked << " differ")
      .print();
  failures += differ != 0 ? 1 : 0;
}

// quantize_value's rounding in the board's instructions (VCVTR) against round_to_even: random values and
// scales, every tie k + 1/2 for k in [-300, 300], NaN and the infinities.
void check_quantize_value(std::uint32_t seed) {
  random_bits bits{seed};
  long long differ = 0, checked = 0;
  const auto expect = [&](float r, quantization q) {
    float v = r * (1.0f / q.scale);
    v = !(v == v) ? 0.0f : (v < -4194304.0f ? -4194304.0f : (v > 4194304.0f ? 4194304.0f : v));
    const std::int32_t value = round_to_even(v) + q.zero_point;
    const auto reference = static_cast<std::int8_t>(value < -128 ? -128 : (value > 127 ? 127 : value));
    differ += quantize_value(r, q) != reference ? 1 : 0;
    ++checked;
  };
  for (int k = -300; k <= 300; ++k) {
    expect(static_cast<float>(k) + 0.5f, {1.0f, 0});
    expect((static_cast<float>(k) + 0.5f) * 0.25f, {0.25f, static_cast<std::int32_t>(bits() % 256) - 128});
  }
  for (int i = 0; i < 200000; ++i) {
    const float scale = static_cast<float>(1 + bits() % 100000) * 1e-4f;
    const float r = (static_cast<float>(bits() % 2000001) - 1000000.0f) * 1e-3f * (i % 3 == 0 ? scale : 1.0f);
    expect(r, {scale, static_cast<std::int32_t>(bits() % 256) - 128});
  }
  expect(__builtin_nanf(""), {0.5f, 3});
  expect(__builtin_inff(), {0.5f, 3});
  expect(-__builtin_inff(), {0.5f, 3});
  (semihosting::line() << "quantize_value: " << (differ == 0 ? "ok" : "DIFFERS") << ", " << differ << " of " << checked
                       << " differ")
      .print();
  failures += differ != 0 ? 1 : 0;
}

template <index_t C, index_t H, index_t W>
using nhwc_input = input<C, H, W>::template with<nhwc>;

// The layers an int8 network computes in float (layer, group, instance and batch norms, PReLU, the layer
// scale, tensor ops) on the host's reference data (tests/data/int8/float_layers.inc: PyTorch's quantized
// modules on the same integers), in NHWC: within one LSB of PyTorch, as on the host (the board's float
// arithmetic may fuse a multiply and an add).
template <class Layer, shape In>
void check_float_layer(const char* name, float x_scale, std::int32_t x_zero, std::initializer_list<int> x_nchw,
                       std::initializer_list<float> parameters, float y_scale, std::int32_t y_zero,
                       std::initializer_list<int> y_torch) {
  using Net = sequential<typename input<In[0], In[1], In[2]>::template with<nhwc>, Layer>;
  static typename Net::quantized q;
  std::size_t i = 0;
  if constexpr (Net::quantized::layout.float_parameters > 0)
    for (float v : parameters) q.float_parameters[i++] = v;
  q.activations[0] = {x_scale, x_zero};
  q.activations[1] = {y_scale, y_zero};
  finish_quantization_in_place(q);
  static std::array<std::int8_t, Net::input_size> nchw, x;
  i = 0;
  for (int v : x_nchw) nchw[i++] = static_cast<std::int8_t>(v);
  Net::template input_from_nchw<std::int8_t>(nchw, x);
  static std::array<std::int8_t, Net::output_size> y, out;
  static static_arena<typename Net::quantized> arena;
  Net::forward(q, std::span<const std::int8_t, Net::input_size>(x), std::span<std::int8_t, Net::output_size>(y), arena);
  Net::template output_to_nchw<std::int8_t>(y, out);
  int worst = 0, one_off = 0;
  i = 0;
  for (int expected : y_torch) {
    const int got = out[i++];
    const int d = got > expected ? got - expected : expected - got;
    worst = d > worst ? d : worst;
    one_off += d == 1 ? 1 : 0;
  }
  const bool ok = worst <= 1 && i == Net::output_size;
  failures += ok ? 0 : 1;
  (semihosting::line() << name << ": " << (ok ? "ok" : "DIFFERS") << ", " << one_off << " of " << static_cast<int>(i)
                       << " one LSB from PyTorch, at most " << worst)
      .print();
}

void check_float_layers() {
#define CTNN_INT8_FLOAT_CASE(id, layer, in, xs, xz, x, parameters, ys, yz, y) \
  check_float_layer<CTNN_UNPAREN layer, shape{CTNN_UNPAREN in}>(id, xs, xz, {CTNN_UNPAREN x}, {CTNN_UNPAREN parameters}, ys, yz, {CTNN_UNPAREN y})
#define CTNN_UNPAREN(...) __VA_ARGS__
#include "../tests/data/int8/float_layers.inc"
#undef CTNN_INT8_FLOAT_CASE
#undef CTNN_UNPAREN
}

}  // namespace

int main() {
  check_requantize_short(7);
  check_quantize_value(11);
  check_layer<conv2d<64, 1>, nhwc_input<64, 5, 5>>("pointwise 64->64", 1);
  check_layer<conv2d<7, 1>, nhwc_input<13, 4, 3>>("pointwise 13->7", 2);
  check_layer<conv2d<18, 1>, nhwc_input<35, 3, 3>>("pointwise 35->18", 3);
  check_layer<conv2d<8, 1, stride<2>>, nhwc_input<16, 7, 7>>("pointwise stride 2", 4);
  check_layer<conv2d<5, 1, no_bias>, nhwc_input<3, 2, 2>>("pointwise without bias", 5);
  // Three positions at a time (64K multiply-accumulates or more), two left, an odd channel, a row of 4k + 2:
  check_layer<conv2d<41, 1>, nhwc_input<82, 5, 4>>("pointwise 82->41, 20 positions", 6);
  check_layer<conv2d<6, 5>, nhwc_input<1, 12, 12>>("5x5 from one channel", 11);
  check_layer<conv2d<16, 3, pad<1>>, nhwc_input<6, 7, 7>>("3x3 pad 1", 12);
  check_layer<conv2d<9, 3, stride<2>, pad<1>>, nhwc_input<5, 9, 8>>("3x3 stride 2", 13);
  check_layer<conv2d<4, 3, dilation<2>, pad<2>>, nhwc_input<3, 8, 8>>("3x3 dilation 2", 14);
  check_layer<conv2d<16, kernel<10, 4>, stride<2>, pad_tf_same>, nhwc_input<1, 15, 10>>("10x4 stride 2 same", 15);
  check_layer<conv2d<3, kernel<1, 3>, pad<0, 1>>, nhwc_input<17, 3, 6>>("1x3", 16);
  check_layer<conv2d<1, 1, pad<1>>, nhwc_input<2, 3, 3>>("1x1 padded", 17);
  check_layer<depthwise_conv2d<3, pad<1>>, nhwc_input<64, 6, 5>>("depthwise 3x3, 64 channels", 21);
  check_layer<depthwise_conv2d<3, stride<2>, pad<1>>, nhwc_input<12, 9, 9>>("depthwise stride 2", 22);
  check_layer<depthwise_conv2d<5, pad_same>, nhwc_input<8, 6, 6>>("depthwise 5x5", 23);
  check_layer<depthwise_conv2d<kernel<3, 1>>, nhwc_input<5, 6, 4>>("depthwise 3x1, 5 channels", 24);
  check_layer<depthwise_conv2d<kernel<2, 2>, pad<1>>, nhwc_input<4, 3, 3>>("depthwise 2x2", 25);
  check_layer<depthwise_conv2d<3, pad<1>>, nhwc_input<64, 6, 5>, relu6>("depthwise with ReLU6", 26);
  check_layer<conv2d<64, 1>, nhwc_input<64, 5, 5>, relu>("pointwise with ReLU", 27);
  check_layer<conv2d<6, 5>, nhwc_input<1, 12, 12>, relu>("5x5 with ReLU", 28);
  check_layer<conv1d<8, 3, pad<1>>, input<6, 20>::with<nhwc>>("conv1d", 31);
  check_layer<conv2d<8, 3, groups<2>, pad<1>>, nhwc_input<4, 5, 5>>("grouped", 32);
  // Transposed convolutions by stride phases, each run by the convolution's kernels above.
  check_layer<conv_transpose2d<8, 4, stride<2>, pad<1>>, nhwc_input<8, 5, 5>>("transposed 4x4 stride 2", 51);
  check_layer<conv_transpose2d<6, 3, stride<2>, pad<1>, output_padding<1>>, nhwc_input<5, 4, 4>, relu>(
      "transposed 3x3 stride 2 with ReLU", 52);
  check_layer<conv_transpose1d<12, 4, stride<2>, pad<1>>, input<8, 10>::with<nhwc>>("transposed 1d", 53);
  check_layer<linear<10>, input<64>::with<nhwc>>("linear 64->10", 41);
  check_layer<linear<7>, input<33>::with<nhwc>>("linear 33->7", 42);
  check_layer<linear<17, no_bias>, input<120>::with<nhwc>>("linear without bias", 44);
  check_float_layers();
  (semihosting::line() << "int8 kernels: " << (failures == 0 ? "ok" : "WRONG OUTPUT") << ", " << failures
                       << " layers differ from the reference")
      .print();
  return failures == 0 ? 0 : 1;
}
