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

// How a case's data is made: the output's zero point random unless given (ReLU's at -128, which PyTorch's
// observers give, makes the clamp int8's own); multipliers_above_one: inputs and weights in [-1, 1] and
// an output scale that makes every multiplier 2 to 4 (the requantization's long way).
struct case_data {
  int output_zero = 1000;
  bool multipliers_above_one = false;
};

// Layer (and the clamp Activation after it, fused into its output) on Input, on pseudo-random data whose
// output scale is tuned until the reference's outputs spread over at least 48 values with at most a tenth
// of them at 127, so that a wrong accumulator shows (a case that stays flat or saturated fails).
template <class Layer, class Input, class Activation = void,
          class Net = std::conditional_t<std::is_void_v<Activation>, sequential<Input, Layer>, sequential<Input, Layer, Activation>>>
void check_layer(const char* name, std::uint32_t seed, case_data data = {}) {
  static_assert(Net::memory_layout == layout::nhwc);
  random_bits bits{seed};
  static typename Net::quantized q;
  const auto value = [&] { return data.multipliers_above_one ? static_cast<std::int8_t>(bits() % 3) - 1 : bits.byte(); };
  for (auto& v : q.weights) v = static_cast<std::int8_t>(value());
  for (auto& v : q.weight_scales) v = data.multipliers_above_one ? 0.002f + 0.002f * bits.fraction() : 0.01f + 0.01f * bits.fraction();
  // Biases up to what 1/8 of the products reach: a bias that drowns them leaves its channel flat.
  const std::uint32_t bias_range = q.biases.size() == 0 ? 1 : static_cast<std::uint32_t>(q.weights.size() / q.biases.size() * 2048);
  for (auto& v : q.biases)
    v = data.multipliers_above_one ? static_cast<std::int32_t>(bits() % 11) - 5
                                   : static_cast<std::int32_t>(bits() % (2 * bias_range + 1)) - static_cast<std::int32_t>(bias_range);
  for (auto& a : q.activations) a = {0.01f + 0.2f * bits.fraction(), static_cast<std::int32_t>(bits() % 256) - 128};
  // Zero points within 16 (the input's padding, folded into the kernel biases, still tested): z_x sum w at
  // full range would be a per-channel offset that leaves channels flat, and an output zero point near a
  // bound leaves no room on one side.
  for (auto& a : q.activations) a.zero_point = static_cast<std::int32_t>(bits() % 33) - 16;
  if (data.output_zero != 1000) q.activations.back().zero_point = data.output_zero;
  if (data.multipliers_above_one) q.activations.back() = {q.activations[0].scale * 0.001f, 0};
  static std::array<std::int8_t, Net::input_size> x;
  for (auto& v : x) v = static_cast<std::int8_t>(value());
  static std::array<std::int8_t, Net::output_size> fast, reference;
  const auto run_reference = [&] {
    finish_quantization_in_place(q);  // (not q = finish_quantization(q): two copies on the board's 16 KiB stack)
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
  };
  int spread = 0;
  long long at_top = 0;
  for (int attempt = 0; attempt < 40; ++attempt) {
    run_reference();
    int low = 127, high = -128;
    at_top = 0;
    for (std::int8_t v : reference) {
      low = v < low ? v : low;
      high = v > high ? v : high;
      at_top += v == 127 ? 1 : 0;
    }
    spread = high - low;
    if (data.multipliers_above_one) break;
    if (at_top * 10 > static_cast<long long>(reference.size())) {
      q.activations.back().scale *= 1.5f;
    } else if (spread < 48) {
      q.activations.back().scale /= 1.5f;
    } else {
      break;
    }
  }
  bool above_one = false;
  for (const fixed_multiplier& m : q.multipliers) above_one = above_one || m.shift > 0;
  static static_arena<typename Net::quantized> arena;
  Net::forward(q, std::span<const std::int8_t, Net::input_size>(x), std::span<std::int8_t, Net::output_size>(fast), arena);
  long long differ = 0;
  for (std::size_t i = 0; i < fast.size(); ++i) differ += fast[i] != reference[i] ? 1 : 0;
  const bool telling = spread >= 16 && at_top * 4 <= static_cast<long long>(reference.size()) &&
                       above_one == data.multipliers_above_one;
  (semihosting::line() << name << ": " << (differ != 0 ? "DIFFERS" : (telling ? "ok" : "DATA TELLS NOTHING")) << ", "
                       << differ << " of " << static_cast<long long>(fast.size()) << " outputs differ (spread "
                       << spread << ", " << at_top << " at 127)")
      .print();
  failures += differ != 0 || !telling ? 1 : 0;
}

// requantize_short in the board's instructions (SMMLAR, SSAT on the M4/M7) against requantize.
void check_requantize_short(std::uint32_t seed) {
  random_bits bits{seed};
  // (|acc| < 2^30: what requantizes_short allows a layer's accumulators)
  const std::int32_t edges[] = {0, 1, -1, 127, -128, (1 << 30) - 1, -(1 << 30) + 1, 1 << 29, -(1 << 29), 1 << 20, -(1 << 20)};
  long long differ = 0, checked = 0;
  for (int i = 0; i < 100000; ++i) {
    const std::int32_t multiplier = i % 89 == 0 ? INT32_MAX : (i % 83 == 0 ? 1 << 30 : static_cast<std::int32_t>((1u << 30) + bits() % (1u << 30)));
    const fixed_multiplier m{multiplier, -1 - static_cast<int>(bits() % 20)};
    const std::int32_t acc = i % 8 == 0 ? edges[bits() % 11] : static_cast<std::int32_t>(bits()) >> (1 + bits() % 31);
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

// A global average pool on the board (SXTAB16 on the M4/M7) against global_pool_forward: random bytes,
// or every byte `fill` (the 16-bit sums' extremes, 255 x -128 and 255 x 127 before they move to int32).
template <index_t C, index_t H, index_t W>
void check_global_average(const char* name, std::uint32_t seed, int fill = 1000) {
  using Net = sequential<nhwc_input<C, H, W>, global_avg_pool>;
  random_bits bits{seed};
  static typename Net::quantized q;
  q.activations[0] = {0.05f, static_cast<std::int32_t>(bits() % 256) - 128};
  finish_quantization_in_place(q);
  static std::array<std::int8_t, Net::input_size> x;
  for (auto& v : x) v = fill == 1000 ? bits.byte() : static_cast<std::int8_t>(fill);
  static std::array<std::int8_t, Net::output_size> fast, reference;
  static static_arena<typename Net::quantized> arena;
  Net::forward(q, std::span<const std::int8_t, Net::input_size>(x), std::span<std::int8_t, Net::output_size>(fast), arena);
  global_pool_forward<global_avg_pool::params, Net::input_shape, layout::nhwc>(x.data(), reference.data(),
                                                                                q.activations[0].zero_point);
  long long differ = 0;
  for (std::size_t i = 0; i < fast.size(); ++i) differ += fast[i] != reference[i] ? 1 : 0;
  (semihosting::line() << name << ": " << (differ == 0 ? "ok" : "DIFFERS") << ", " << differ << " of "
                       << static_cast<long long>(fast.size()) << " outputs differ")
      .print();
  failures += differ != 0 ? 1 : 0;
}

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
  // DS-CNN's stem: three positions by two channels on weights widened in blocks, from a padded copy.
  check_layer<conv2d<64, kernel<10, 4>, stride<2>, pad_tf_same>, nhwc_input<1, 49, 10>, relu>("10x4 as DS-CNN's stem", 18, {.output_zero = -128});
  // Three positions by two channels on int8 weights (too few channels to widen in blocks): requantized in
  // the asm, and (LeNet's conv2, rows of 4k + 2) here.
  check_layer<conv2d<9, 1>, nhwc_input<120, 12, 12>, relu>("pointwise 120->9, requantized in the asm", 20, {.output_zero = -128});
  check_layer<conv2d<16, 5>, nhwc_input<6, 14, 14>>("5x5 as LeNet's conv2", 21);
  check_layer<conv2d<40, 5>, nhwc_input<6, 14, 14>>("5x5 40 channels, int8 weights, pairs in chunks of 8", 22);
  // Blocks of widened weights with an odd last channel, rows gathered at the border.
  check_layer<conv2d<33, 3, pad<1>>, nhwc_input<8, 12, 9>>("3x3 33 channels, widened in blocks", 19);
  check_layer<conv2d<1, 1, pad<1>>, nhwc_input<2, 3, 3>>("1x1 padded", 17);
  check_layer<depthwise_conv2d<3, pad<1>>, nhwc_input<64, 6, 5>>("depthwise 3x3, 64 channels", 21);
  check_layer<depthwise_conv2d<3, stride<2>, pad<1>>, nhwc_input<12, 9, 9>>("depthwise stride 2", 22);
  check_layer<depthwise_conv2d<5, pad_same>, nhwc_input<8, 6, 6>>("depthwise 5x5", 23);
  check_layer<depthwise_conv2d<kernel<3, 1>>, nhwc_input<5, 6, 4>>("depthwise 3x1, 5 channels", 24);
  check_layer<depthwise_conv2d<kernel<2, 2>, pad<1>>, nhwc_input<4, 3, 3>>("depthwise 2x2", 25);
  check_layer<depthwise_conv2d<3, pad<1>>, nhwc_input<64, 6, 5>, relu6>("depthwise with ReLU6", 26);
  // The planar depthwise kernel's cases: three taps wide at stride 1 and 2 with one to three rows of taps,
  // odd and even output widths, channels not a multiple of 4, dilation, unused input columns, ReLU at a
  // zero point of -128 (no bound compared), the long requantization.
  check_layer<depthwise_conv2d<3, pad<1>>, nhwc_input<64, 25, 5>, relu>("depthwise as DS-CNN's, ReLU at -128", 41, {.output_zero = -128});
  check_layer<depthwise_conv2d<3, pad<1>>, nhwc_input<5, 7, 6>, relu6>("depthwise 5 channels, ReLU6 at -128", 42, {.output_zero = -128});
  check_layer<depthwise_conv2d<3, stride<2>, pad<1>>, nhwc_input<6, 8, 10>>("depthwise stride 2, even input", 43);
  check_layer<depthwise_conv2d<3, pad<1>>, nhwc_input<3, 6, 8>>("depthwise 3x3, even rows and columns", 53);
  check_layer<depthwise_conv2d<3, stride<1, 2>, pad<1>>, nhwc_input<4, 7, 11>>("depthwise 3x3, stride 1 by 2", 54);
  check_layer<depthwise_conv2d<3, stride<1, 2>>, nhwc_input<2, 4, 10>>("depthwise 3x3, stride 1 by 2, even", 55);
  check_layer<depthwise_conv2d<3>, nhwc_input<5, 3, 7>>("depthwise 3x3, one output row", 56);
  check_layer<depthwise_conv2d<kernel<1, 3>, pad<0, 1>>, nhwc_input<3, 4, 9>>("depthwise 1x3", 44);
  check_layer<depthwise_conv2d<kernel<2, 3>, stride<1, 2>>, nhwc_input<4, 5, 11>>("depthwise 2x3, stride 1 by 2", 45);
  check_layer<depthwise_conv2d<3, dilation<2, 1>, pad<2, 1>>, nhwc_input<7, 9, 4>>("depthwise dilation 2 by 1", 46);
  check_layer<depthwise_conv2d<3, dilation<1, 2>, pad<1, 2>>, nhwc_input<7, 6, 9>>("depthwise dilation 1 by 2", 47);
  check_layer<depthwise_conv2d<4, stride<2>, pad<1>>, nhwc_input<2, 9, 9>>("depthwise 4x4 stride 2", 48);
  check_layer<depthwise_conv2d<3, pad<1>>, nhwc_input<8, 5, 5>>("depthwise, multipliers above 1", 49, {.multipliers_above_one = true});
  check_layer<depthwise_conv1d<3, pad<1>>, input<6, 20>::with<nhwc>>("depthwise conv1d", 50);
  check_layer<conv2d<64, 1>, nhwc_input<64, 5, 5>, relu>("pointwise with ReLU", 27);
  check_layer<conv2d<64, 1>, nhwc_input<64, 5, 5>, relu>("pointwise with ReLU at -128", 51, {.output_zero = -128});
  check_layer<conv2d<16, 1>, nhwc_input<32, 5, 5>>("pointwise, multipliers above 1", 52, {.multipliers_above_one = true});
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
  check_global_average<64, 25, 5>("global average as DS-CNN's", 61);
  check_global_average<8, 20, 30>("global average, 600 pixels", 62);
  check_global_average<8, 17, 30>("global average, 510 pixels of -128", 63, -128);
  check_global_average<8, 16, 16>("global average, 256 pixels of 127", 64, 127);
  check_global_average<6, 3, 3>("global average, 6 channels", 65);
  check_float_layers();
  (semihosting::line() << "int8 kernels: " << (failures == 0 ? "ok" : "WRONG OUTPUT") << ", " << failures
                       << " layers differ from the reference")
      .print();
  return failures == 0 ? 0 : 1;
}
