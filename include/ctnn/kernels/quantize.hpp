// ctnn/kernels/quantize.hpp: the int8 quantization scheme of TFLite, TFLM and CMSIS-NN, in integers.
//
//   real value  r = s (q - z)          activations: int8 q, one scale s and zero point z per tensor
//                                      weights: int8, symmetric (z = 0), one scale s_w[c] per output channel
//   bias        int32, scale s_in s_w[c], zero point 0: q_b = round(b / (s_in s_w[c]))
//   output      q_y = clamp(z_y + M[c] * (q_b + sum q_w (q_x - z_x)), low, high),  M[c] = s_in s_w[c] / s_y
//
// M is a fixed-point multiplier: M = m 2^(shift - 31) with m an int32 in [2^30, 2^31), and the product
// is gemmlowp's: a saturating rounding doubling high multiply by m, then a rounding right shift (ties away
// from zero), so every result is an integer function of integers, the same on every target. low and high
// carry a fused ReLU (low = z_y) or ReLU6 (high = z_y + round(6 / s_y)). PyTorch's quantized kernels
// (qnnpack, onednn) hold activations as uint8 with zero point z + 128: the same real values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "ctnn/core/quantization.hpp"
#include "ctnn/shapes/activation.hpp"

namespace ctnn {

// Round half to even (C's nearbyint in the default mode, which PyTorch's quantizer uses), in a constant
// expression too.
constexpr double round_half_even(double v) {
  if (!(v == v) || v >= 4503599627370496.0 || v <= -4503599627370496.0) return v;  // NaN, or already whole
  const double whole = static_cast<double>(static_cast<long long>(v));            // toward zero
  const double fraction = v - whole;
  const bool odd = static_cast<long long>(whole) % 2 != 0;
  if (fraction > 0.5 || (fraction == 0.5 && odd)) return whole + 1.0;
  if (fraction < -0.5 || (fraction == -0.5 && odd)) return whole - 1.0;
  return whole;
}

// TFLite's QuantizeMultiplier: real = m 2^(shift - 31), m rounded half away from zero. real must be >= 0.
constexpr fixed_multiplier quantize_multiplier(double real) {
  if (!(real > 0.0)) return {};
  int exponent = 0;  // real = fraction 2^exponent, fraction in [0.5, 1)
  double fraction = real;
  while (fraction >= 1.0) {
    fraction /= 2.0;
    ++exponent;
  }
  while (fraction < 0.5) {
    fraction *= 2.0;
    --exponent;
  }
  long long m = static_cast<long long>(fraction * 2147483648.0 + 0.5);
  if (m == 2147483648LL) {
    m /= 2;
    ++exponent;
  }
  if (exponent < -31) return {};
  if (exponent > 30) return {std::numeric_limits<std::int32_t>::max(), 30};
  return {static_cast<std::int32_t>(m), exponent};
}

// gemmlowp's SaturatingRoundingDoublingHighMul: round(a b / 2^31), ties toward +infinity, the one overflow
// (INT32_MIN squared) saturated.
constexpr std::int32_t saturating_rounding_doubling_high_mul(std::int32_t a, std::int32_t b) {
  constexpr std::int32_t min = std::numeric_limits<std::int32_t>::min();
  if (a == min && b == min) return std::numeric_limits<std::int32_t>::max();
  const std::int64_t product = std::int64_t{a} * std::int64_t{b};
  const std::int64_t nudge = product >= 0 ? (std::int64_t{1} << 30) : 1 - (std::int64_t{1} << 30);
  return static_cast<std::int32_t>((product + nudge) / (std::int64_t{1} << 31));
}

// gemmlowp's RoundingDivideByPOT: x / 2^exponent rounded to nearest, ties away from zero; exponent in [0, 31].
constexpr std::int32_t rounding_divide_by_power_of_two(std::int32_t x, int exponent) {
  const std::int32_t mask = static_cast<std::int32_t>((std::int64_t{1} << exponent) - 1);
  const std::int32_t remainder = x & mask;
  const std::int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

// x M, TFLite's MultiplyByQuantizedMultiplier; a left shift that would overflow saturates.
constexpr std::int32_t multiply_by_fixed(std::int32_t x, fixed_multiplier m) {
  const int left = m.shift > 0 ? m.shift : 0, right = m.shift > 0 ? 0 : -m.shift;
  std::int64_t shifted = std::int64_t{x} * (std::int64_t{1} << left);
  if (shifted > std::numeric_limits<std::int32_t>::max()) shifted = std::numeric_limits<std::int32_t>::max();
  if (shifted < std::numeric_limits<std::int32_t>::min()) shifted = std::numeric_limits<std::int32_t>::min();
  return rounding_divide_by_power_of_two(
      saturating_rounding_doubling_high_mul(static_cast<std::int32_t>(shifted), m.multiplier), right);
}

// The end of every int8 kernel: the output's zero point and the clamp (the int8 range, or a fused activation's).
struct output_stage {
  std::int32_t zero_point = 0;
  std::int32_t low = -128, high = 127;
  friend constexpr bool operator==(const output_stage&, const output_stage&) = default;
};

constexpr std::int8_t requantize(std::int32_t accumulator, fixed_multiplier m, const output_stage& out) {
  std::int64_t v = std::int64_t{out.zero_point} + multiply_by_fixed(accumulator, m);
  v = v < out.low ? out.low : (v > out.high ? out.high : v);
  return static_cast<std::int8_t>(v);
}

// v to the nearest integer, ties to even, for |v| <= 2^22 (where v's fraction is exact in float).
constexpr std::int32_t round_to_even(float v) {
  std::int32_t whole = static_cast<std::int32_t>(v);  // toward zero
  const float fraction = v - static_cast<float>(whole);
  const bool odd = whole % 2 != 0;
  if (fraction > 0.5f || (fraction == 0.5f && odd)) ++whole;
  if (fraction < -0.5f || (fraction == -0.5f && odd)) --whole;
  return whole;
}

// A real value to int8: round(r / s) + z, clamped, as PyTorch's quantize_per_tensor (r times the float
// reciprocal of s, rounded half to even). In float only (a Cortex-M4's FPU has no double: the same
// integers at a twentieth of the instructions): r / s beyond 2^22 saturates int8 whatever its rounding (z
// within int8's range), so it is clamped there, and below that its fraction is exact in float. On an Arm
// FPU the rounding is one VCVTR, in the FPSCR's rounding mode, round to nearest even from reset
// (embedded/int8_kernels.cpp checks it against round_to_even on the boards): the layers an int8 network
// computes in float 25-33% fewer instructions on the M4 (a channel layer norm on DS-CNN's map 456,800 ->
// 339,480).
constexpr std::int8_t quantize_value(float r, const quantization& q) {
  constexpr float limit = 4194304.0f;
  float v = r * (1.0f / q.scale);
  v = !(v == v) ? 0.0f : (v < -limit ? -limit : (v > limit ? limit : v));  // NaN: the zero point
  std::int32_t whole = 0;
#if defined(__ARM_FP) && (__ARM_FP & 4) && defined(__GNUC__) && !defined(__clang__)
  if (!std::is_constant_evaluated()) {
    float rounded;
    asm("vcvtr.s32.f32 %0, %1" : "=t"(rounded) : "t"(v));
    __builtin_memcpy(&whole, &rounded, sizeof whole);
  } else {
    whole = round_to_even(v);
  }
#else
  whole = round_to_even(v);
#endif
  const std::int32_t value = whole + q.zero_point;
  return static_cast<std::int8_t>(value < -128 ? -128 : (value > 127 ? 127 : value));
}

constexpr float dequantize_value(std::int8_t v, const quantization& q) {
  return q.scale * static_cast<float>(std::int32_t{v} - q.zero_point);
}

// A float bias to int32 at scale s_in s_w, as PyTorch's quantized convolution and linear do it.
constexpr std::int32_t quantize_bias(float b, float input_scale, float weight_scale) {
  const float inverse = 1.0f / (input_scale * weight_scale);
  double v = round_half_even(static_cast<double>(b * inverse));
  constexpr double low = std::numeric_limits<std::int32_t>::min(), high = std::numeric_limits<std::int32_t>::max();
  v = v < low ? low : (v > high ? high : v);
  return static_cast<std::int32_t>(v);
}

// What PyTorch's MinMaxObserver (quint8, per tensor, affine) makes of an observed range, in int8 terms:
// the range widened to hold 0, scale = (max - min) / 255 (at least float's epsilon), zero point
// -round(min / scale) - 128, in float arithmetic as PyTorch's, so a range observed by both gives the same pair.
constexpr quantization observed_quantization(float min, float max) {
  const float low = min < 0.0f ? min : 0.0f, high = max > 0.0f ? max : 0.0f;
  float scale = (high - low) / 255.0f;
  if (!(scale >= std::numeric_limits<float>::epsilon())) scale = std::numeric_limits<float>::epsilon();
  double zero = -round_half_even(static_cast<double>(low / scale));
  zero = zero < 0.0 ? 0.0 : (zero > 255.0 ? 255.0 : zero);
  return {scale, static_cast<std::int32_t>(zero) - 128};
}

// PyTorch's per-channel symmetric qint8 weight scale for a channel whose largest magnitude is max_abs:
// max_abs / ((127 - (-128)) / 2), at least float's epsilon.
constexpr float symmetric_weight_scale(float max_abs) {
  const float scale = max_abs / 127.5f;
  return scale >= std::numeric_limits<float>::epsilon() ? scale : std::numeric_limits<float>::epsilon();
}

// A weight to int8 at a symmetric scale, as PyTorch's quantize_per_channel: round(w / s), clamped.
constexpr std::int8_t quantize_weight(float w, float scale) { return quantize_value(w, quantization{scale, 0}); }

// Rescaling one int8 tensor into another's quantization where branches meet (add, concat), as TFLite's
// add: the difference from the zero point is shifted left by merge_left_shift bits first, so that the
// fixed-point product keeps the fraction; the multiplier is s_in / (s_out 2^merge_left_shift).
inline constexpr int merge_left_shift = 20;
constexpr fixed_multiplier merge_multiplier(double real) {
  return quantize_multiplier(real / static_cast<double>(std::int32_t{1} << merge_left_shift));
}
constexpr std::int32_t shifted_difference(std::int8_t q, std::int32_t zero_point) {
  return (std::int32_t{q} - zero_point) * (std::int32_t{1} << merge_left_shift);
}
constexpr std::int8_t saturate_int8(std::int32_t v) {
  return static_cast<std::int8_t>(v < -128 ? -128 : (v > 127 ? 127 : v));
}

// Everything an int8 kernel call reads besides its shapes: its input and output with their quantization,
// and for a layer with weights its int8 weights in PyTorch's order and one int32 bias and one multiplier
// per output channel (ctnn/plan/quantized.hpp).
struct int8_call {
  const std::int8_t* x = nullptr;
  std::int8_t* y = nullptr;
  quantization in, out;
  const std::int8_t* weights = nullptr;
  const std::int32_t* biases = nullptr;
  const fixed_multiplier* multipliers = nullptr;
  const std::int32_t* kernel_biases = nullptr;  // biases - z_x sum w per output channel (the input's zero point folded)
  const std::int8_t* table = nullptr;           // an element-wise activation's 256 outputs, input -128 first
  const std::byte* prepared = nullptr;  // the weights as its kernel packs them (prepare_into), or null: packed per call
  const float* floats = nullptr;        // a layer computed in float: its parameters (state_dict order)
};

// The activations that are clamps, and so fuse into an int8 kernel's output stage.
template <activation_params P>
inline constexpr bool clamps_int8_output = P.kind == activation_kind::identity || is_clamp(P);

// Whether output_stage_for<P>'s lower or upper bound can lie inside int8's range (else it is -128 or 127,
// which narrowing to int8 with saturation gives anyway): a kernel that knows skips the comparison.
template <activation_params P>
inline constexpr bool clamps_low = P.kind == activation_kind::relu || P.kind == activation_kind::relu6 ||
                                   P.kind == activation_kind::hardtanh || P.kind == activation_kind::clamp ||
                                   P.kind == activation_kind::clamp_min;
template <activation_params P>
inline constexpr bool clamps_high = P.kind == activation_kind::relu6 || P.kind == activation_kind::hardtanh ||
                                    P.kind == activation_kind::clamp || P.kind == activation_kind::clamp_max;

// ReLU's and ReLU6's lower bound is the zero point itself (0 quantized), which a kernel may use.
template <activation_params P>
inline constexpr bool clamps_at_zero_point = P.kind == activation_kind::relu || P.kind == activation_kind::relu6;

// The clamp of an output quantized by `out` with an activation fused: none (identity), ReLU or ReLU6,
// hardtanh / clamp with bounds (any other activation: none).
constexpr output_stage output_stage_of(const activation_params& p, const quantization& out) {
  output_stage s{out.zero_point};
  const auto bound = [&](double real) {
    const double q = round_half_even(real / static_cast<double>(out.scale)) + out.zero_point;
    return static_cast<std::int32_t>(q < -128.0 ? -128.0 : (q > 127.0 ? 127.0 : q));
  };
  const clamp_range r = clamp_range_of(p);
  if (r.low > -std::numeric_limits<double>::infinity()) s.low = bound(r.low);
  if (r.high < std::numeric_limits<double>::infinity()) s.high = bound(r.high);
  if (s.low > s.high) s.low = s.high;  // torch.clamp's order: a minimum above the maximum gives the maximum
  return s;
}
template <activation_params P>
constexpr output_stage output_stage_for(const quantization& out) {
  static_assert(clamps_int8_output<P>,
                "ctnn: only a clamp (relu, relu6, hardtanh, clamp) fuses into an int8 kernel's output");
  return output_stage_of(P, out);
}

}  // namespace ctnn
