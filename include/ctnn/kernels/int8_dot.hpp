// ctnn/kernels/int8_dot.hpp: the inner loops of the fast int8 kernels, the target's way, and the
// requantization they end with.
//
//   dot_rows<K, Rows>(x, w, acc)   acc[j] += sum_k x[k] w[j][k], k < K, for Rows rows of int8 weights
//     Cortex-M55 (Helium):     VMLADAVA, 16 multiply-accumulates per instruction
//     Cortex-M4/M7 (DSP):      SXTB16 to int16 pairs, SMLAD, 2 per instruction
//     elsewhere:               a plain loop, which x86 compilers vectorize
//   requantize_fast(acc, m, out)   the same integer as requantize (ctnn/kernels/quantize.hpp), computed
//                                  with one 64-bit multiply and shifts (tests/unit/int8_kernels_test.cpp)
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>

#include "ctnn/kernels/quantize.hpp"

#if defined(__ARM_FEATURE_MVE) && defined(__GNUC__) && !defined(__clang__)
#define CTNN_INT8_HELIUM 1
#else
#define CTNN_INT8_HELIUM 0
#endif
#if !CTNN_INT8_HELIUM && defined(__ARM_FEATURE_DSP) && defined(__GNUC__)
#define CTNN_INT8_DSP 1
#else
#define CTNN_INT8_DSP 0
#endif

namespace ctnn {

// requantize's integer: gemmlowp's saturating rounding doubling high multiply is floor((x m + 2^30) / 2^31)
// for every x and m >= 0 (its nudge 1 - 2^30 for a negative product, with a division that truncates, is
// the same floor), and its rounding right shift by e >= 1 of h, ties away from zero, is
// ((y >> (e - 1)) + 1) >> 1 with y = h - 1 for a negative h (floor((y + 2^(e-1)) / 2^e)), which cannot overflow.
constexpr std::int8_t requantize_fast(std::int32_t acc, fixed_multiplier m, const output_stage& out) {
  std::int32_t x = acc;  // 32 bits, so that the product is one 32 x 32 -> 64 multiply-accumulate (SMLAL)
  if (m.shift > 0) [[unlikely]] {
    const std::int64_t shifted = std::int64_t{acc} * (std::int64_t{1} << m.shift);
    x = static_cast<std::int32_t>(shifted > INT32_MAX ? INT32_MAX : (shifted < INT32_MIN ? INT32_MIN : shifted));
  }
  std::int32_t h = static_cast<std::int32_t>((std::int64_t{x} * m.multiplier + (std::int64_t{1} << 30)) >> 31);
  if (m.shift < 0) {
    const int e = -m.shift;
    const std::int32_t y = h + (h >> 31);
    h = ((y >> (e - 1)) + 1) >> 1;  // = (y >> e) + bit e - 1 of y; y + 1 cannot overflow (h <= 2^31 - 2)
  }
  std::int32_t v = 0;  // zero point + h, saturated: h reaches 2^31 - 2
  if (__builtin_add_overflow(out.zero_point, h, &v)) v = h > 0 ? INT32_MAX : INT32_MIN;
  return static_cast<std::int8_t>(v < out.low ? out.low : (v > out.high ? out.high : v));
}

namespace detail {
#if CTNN_INT8_HELIUM
typedef signed char int8_lanes __attribute__((vector_size(16)));
inline int8_lanes load_lanes(const std::int8_t* p) {
  int8_lanes v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
#endif
#if CTNN_INT8_DSP
inline std::uint32_t load_word(const std::int8_t* p) {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
// Bytes 0 and 2, and 1 and 3, of a word as two int16 pairs.
inline std::uint32_t even_bytes(std::uint32_t v) {
  std::uint32_t r;
  asm("sxtb16 %0, %1" : "=r"(r) : "r"(v));
  return r;
}
inline std::uint32_t odd_bytes(std::uint32_t v) {
  std::uint32_t r;
  asm("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(v));
  return r;
}
inline std::int32_t dual_mac(std::uint32_t a, std::uint32_t b, std::int32_t acc) {
  std::int32_t r;
  asm("smlad %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(acc));
  return r;
}
// acc + bottom halves' product; acc + top halves' product.
inline std::int32_t mac_bottom(std::uint32_t a, std::uint32_t b, std::int32_t acc) {
  std::int32_t r;
  asm("smlabb %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(acc));
  return r;
}
inline std::int32_t mac_top(std::uint32_t a, std::uint32_t b, std::int32_t acc) {
  std::int32_t r;
  asm("smlatt %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(acc));
  return r;
}

#endif
}  // namespace detail

// acc[j] += sum_{k < K} x[k] w[j][k], j < Rows.
template <count_t K, int Rows>
inline void dot_rows(const std::int8_t* x, const std::int8_t* const* w, std::int32_t* acc) {
#if CTNN_INT8_HELIUM
  constexpr count_t vector_end = K;  // the last 16 predicated: lanes past K are neither read nor added
#elif CTNN_INT8_DSP
  constexpr count_t vector_end = K - K % 4;
#else
  constexpr count_t vector_end = 0;
#endif
#if CTNN_INT8_HELIUM
  // Rolled: unrolled, GCC keeps the whole row in the 8 vector registers and spills the weights.
#pragma GCC unroll 1
  for (count_t k = 0; k + 16 <= K; k += 16) {
    const detail::int8_lanes xv = detail::load_lanes(x + k);
    for (int j = 0; j < Rows; ++j) acc[j] = __builtin_mve_vmladavaq_sv16qi(acc[j], xv, detail::load_lanes(w[j] + k));
  }
  if constexpr (K % 16 != 0) {
    constexpr count_t k = K - K % 16;
    const auto active = __builtin_mve_vctp8qhi(static_cast<unsigned>(K % 16));
    const detail::int8_lanes xv = __builtin_mve_vldrbq_z_sv16qi(const_cast<signed char*>(x + k), active);
    for (int j = 0; j < Rows; ++j)
      acc[j] = __builtin_mve_vmladavaq_sv16qi(acc[j], xv, __builtin_mve_vldrbq_z_sv16qi(const_cast<signed char*>(w[j] + k), active));
  }
#elif CTNN_INT8_DSP
  for (count_t k = 0; k < vector_end; k += 4) {
    const std::uint32_t xv = detail::load_word(x + k);
    const std::uint32_t x_even = detail::even_bytes(xv), x_odd = detail::odd_bytes(xv);
    for (int j = 0; j < Rows; ++j) {
      const std::uint32_t wv = detail::load_word(w[j] + k);
      acc[j] = detail::dual_mac(x_odd, detail::odd_bytes(wv), detail::dual_mac(x_even, detail::even_bytes(wv), acc[j]));
    }
  }
#endif
  for (int j = 0; j < Rows; ++j) {  // a reduction per row, which x86 compilers vectorize (pmaddwd)
    std::int32_t sum = 0;
    for (count_t i = vector_end; i < K; ++i) sum += std::int32_t{x[i]} * std::int32_t{w[j][i]};
    acc[j] += sum;
  }
}

// y[c] = requantize_fast(acc[c], m[c], out) for c < N: on Helium four at a time (VQSHL, VQRDMULH, VRSHL:
// gemmlowp's steps as instructions; the rounding shift's ties moved away from zero by the same h - 1
// as requantize_fast), with the multipliers split into vectors once per call (prepare).
template <count_t N>
struct requantize_row {
#if CTNN_INT8_HELIUM
  typedef int int32_lanes __attribute__((vector_size(16)));
  static constexpr count_t lanes = N / 4;
  int32_lanes multiplier[lanes + 1], left[lanes + 1], right[lanes + 1], negative_fix[lanes + 1];  // (+1: never empty)
#endif
  const fixed_multiplier* m;
  output_stage out;

  requantize_row(const fixed_multiplier* multipliers, const output_stage& stage) : m(multipliers), out(stage) {
#if CTNN_INT8_HELIUM
    for (count_t v = 0; v < lanes; ++v)
      for (int i = 0; i < 4; ++i) {
        const fixed_multiplier f = multipliers[v * 4 + i];
        multiplier[v][i] = f.multiplier;
        left[v][i] = f.shift > 0 ? f.shift : 0;
        right[v][i] = f.shift > 0 ? 0 : f.shift;  // VRSHL shifts right by a negative amount
        negative_fix[v][i] = f.shift < 0 ? -1 : 0;
      }
#endif
  }

#if CTNN_INT8_HELIUM
  // Channels [4 v, 4 v + 4) from their accumulators, stored at y.
  void lanes_to(int32_lanes a, count_t v, std::int8_t* y) const {
    const int32_lanes zero = {out.zero_point, out.zero_point, out.zero_point, out.zero_point};
    const int32_lanes low = {out.low, out.low, out.low, out.low}, high = {out.high, out.high, out.high, out.high};
    const int32_lanes h = __builtin_mve_vqrdmulhq_sv4si(__builtin_mve_vqshlq_sv4si(a, left[v]), multiplier[v]);
    const int32_lanes r = __builtin_mve_vrshlq_sv4si(h + ((h >> 31) & negative_fix[v]), right[v]);
    // zero + r saturates as requantize_fast's: r is within 2^31 - 2, and the clamp is inside int8.
    const int32_lanes sum = __builtin_mve_vqaddq_sv4si(r, zero);
    __builtin_mve_vstrbq_sv4si(reinterpret_cast<signed char*>(y), __builtin_mve_vminq_sv4si(__builtin_mve_vmaxq_sv4si(sum, low), high));
  }
#endif

  void operator()(const std::int32_t* acc, std::int8_t* y) const {
#if CTNN_INT8_HELIUM
    for (count_t v = 0; v < lanes; ++v) {
      int32_lanes a;
      std::memcpy(&a, acc + 4 * v, sizeof a);
      lanes_to(a, v, y + 4 * v);
    }
    constexpr count_t scalar_from = 4 * lanes;
#else
    constexpr count_t scalar_from = 0;
#endif
    for (count_t c = scalar_from; c < N; ++c) y[c] = requantize_fast(acc[c], m[c], out);
  }
};

// acc[c] += (x[c] - zero) w[c], c < C: a depthwise convolution's tap for every channel of a position.
template <count_t C>
inline void multiply_accumulate_channels(const std::int8_t* x, std::int32_t zero, const std::int8_t* w, std::int32_t* acc) {
  count_t c = 0;
#if CTNN_INT8_HELIUM
  typedef int int32_lanes __attribute__((vector_size(16)));
  const int32_lanes zeros = {zero, zero, zero, zero};
  for (; c + 4 <= C; c += 4) {
    int32_lanes a;
    std::memcpy(&a, acc + c, sizeof a);
    const int32_lanes xv = __builtin_mve_vldrbq_sv4si(const_cast<signed char*>(x + c));
    const int32_lanes wv = __builtin_mve_vldrbq_sv4si(const_cast<signed char*>(w + c));
    a += (xv - zeros) * wv;
    std::memcpy(acc + c, &a, sizeof a);
  }
#endif
  for (; c < C; ++c) acc[c] += (std::int32_t{x[c]} - zero) * std::int32_t{w[c]};
}

}  // namespace ctnn
