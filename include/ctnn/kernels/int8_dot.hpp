// ctnn/kernels/int8_dot.hpp: the inner loops of the fast int8 kernels, the target's way, and the
// requantization they end with.
//
//   dot_rows<K, Rows>(x, w, acc)   acc[j] += sum_k x[k] w[j][k], k < K, for Rows rows of int8 weights
//     Cortex-M55 (Helium):     VMLADAVA, 16 multiply-accumulates per instruction
//     Cortex-M4/M7 (DSP):      SXTB16 to int16 pairs, SMLAD, 2 per instruction
//     elsewhere:               a plain loop, which x86 compilers vectorize
//   requantize_fast(acc, m, out)   the same integer as requantize (ctnn/kernels/quantize.hpp), computed
//                                  with one 64-bit multiply and shifts (tests/unit/int8_kernels_test.cpp)
//   requantize_short<Low, High>    the same again where requantizes_short(m): QADD, SMMULR, SSAT on the
//                                  Cortex-M4/M7 (embedded/int8_kernels.cpp checks it there)
//   mac_two_by_two, mac_three_by_two, mac_four_channels   the M4/M7's pointwise and depthwise inner loops,
//                                  in asm
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

// requantize_fast's integer in fewer steps, where the multiplier is normalized (0 or at least 2^30) and
// its shift a right shift by e of 1 to 20 (what a network's scales give; requantizes_short checks a
// layer's): h = (2 acc m + 2^31) >> 32 with 2 acc saturated (the Cortex-M4's QADD and SMMULR), which is
// gemmlowp's (acc m + 2^30) >> 31 wherever 2 acc fits. Where it saturates (|acc| >= 2^30), both h are
// at least 2^29 in magnitude with acc's sign, at least 2^9 after the shift: the clamp gives the same bound.
// Then the same rounding shift, the zero point (no overflow: |h| <= 2^30) and the clamp, narrowed with
// saturation to int8 (SSAT) and compared only with the bounds an activation moves (Low, High).
constexpr bool requantizes_short(fixed_multiplier m) {
  return (m.multiplier == 0 || m.multiplier >= (1 << 30)) && m.shift <= -1 && m.shift >= -20;
}
constexpr bool requantizes_short(const fixed_multiplier* m, count_t n) {
  for (count_t i = 0; i < n; ++i)
    if (!requantizes_short(m[i])) return false;
  return true;
}

namespace detail {
#if CTNN_INT8_DSP
inline std::int32_t saturating_double(std::int32_t x) {
  std::int32_t r;
  asm("qadd %0, %1, %1" : "=r"(r) : "r"(x));
  return r;
}
inline std::int32_t rounding_high_multiply(std::int32_t a, std::int32_t b) {
  std::int32_t r;
  asm("smmulr %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
  return r;
}
inline std::int32_t saturate_int8(std::int32_t x) {
  std::int32_t r;
  asm("ssat %0, #8, %1" : "=r"(r) : "r"(x));
  return r;
}
inline std::int32_t saturate_uint8(std::int32_t x) {
  std::int32_t r;
  asm("usat %0, #8, %1" : "=r"(r) : "r"(x));
  return r;
}
typedef std::uint32_t aliasing_word __attribute__((may_alias));
typedef std::uint64_t aliasing_pair __attribute__((may_alias));
// a[p][j] += Steps x 4 values of K of row p . weights j: two positions' rows widened to int16 pairs in
// SXTB16's order ([x0, x2], [x1, x3]; row 1 Pitch bytes after row 0, both word-aligned), two channels'
// int8 weights (channel 1 Stride bytes after channel 0). 16 instructions for 16 multiply-accumulates with
// every operand in a register, the loop inside the asm statement (GCC, given the steps one by one,
// schedules their loads ahead and spills).
template <int Pitch, int Stride, int Steps>
inline void mac_two_by_two(const std::int16_t* x, const std::int8_t* w, std::int32_t (&a)[2][2]) {
  static_assert(Steps >= 1);
  std::uint32_t x0e, x0o, x1e, x1o, wv, we;
  int count = 0;
#define CTNN_DSP_STEP                                  \
  "ldrd %[x1e], %[x1o], [%[x], %[pitch]]\n\t"          \
  "ldrd %[x0e], %[x0o], [%[x]], #8\n\t"                \
  "ldr %[wv], [%[w], %[stride]]\n\t"                   \
  "sxtb16 %[we], %[wv]\n\t"                            \
  "sxtb16 %[wv], %[wv], ror #8\n\t"                    \
  "smlad %[a01], %[x0e], %[we], %[a01]\n\t"            \
  "smlad %[a01], %[x0o], %[wv], %[a01]\n\t"            \
  "smlad %[a11], %[x1e], %[we], %[a11]\n\t"            \
  "smlad %[a11], %[x1o], %[wv], %[a11]\n\t"            \
  "ldr %[wv], [%[w]], #4\n\t"                          \
  "sxtb16 %[we], %[wv]\n\t"                            \
  "sxtb16 %[wv], %[wv], ror #8\n\t"                    \
  "smlad %[a00], %[x0e], %[we], %[a00]\n\t"            \
  "smlad %[a00], %[x0o], %[wv], %[a00]\n\t"            \
  "smlad %[a10], %[x1e], %[we], %[a10]\n\t"            \
  "smlad %[a10], %[x1o], %[wv], %[a10]\n\t"
#define CTNN_DSP_OPERANDS                                                                                            \
  : [x] "+r"(x), [w] "+r"(w), [count] "+r"(count), [a00] "+r"(a[0][0]), [a01] "+r"(a[0][1]), [a10] "+r"(a[1][0]),    \
    [a11] "+r"(a[1][1]), [x0e] "=&r"(x0e), [x0o] "=&r"(x0o), [x1e] "=&r"(x1e), [x1o] "=&r"(x1o), [wv] "=&r"(wv),       \
    [we] "=&r"(we)                                                                                                     \
  : [pitch] "i"(Pitch), [stride] "i"(Stride)                                                                           \
  : "cc", "memory"
  if constexpr (Steps >= 2) {  // two steps per turn of the loop
    count = Steps / 2;
    asm("1:\n\t" CTNN_DSP_STEP CTNN_DSP_STEP "subs %[count], %[count], #1\n\t"
        "bne 1b" CTNN_DSP_OPERANDS);
  }
  if constexpr (Steps % 2 != 0) asm(CTNN_DSP_STEP CTNN_DSP_OPERANDS);
#undef CTNN_DSP_OPERANDS
#undef CTNN_DSP_STEP
}
// The same for three positions (row p at x + p Pitch bytes) by two channels, the Steps unrolled by the
// assembler (.rept): 21 instructions for 24 multiply-accumulates, no register counting the steps. Its six
// accumulators, four widened weight words, a row's two words and the two pointers take all of r0-r12 and
// lr, more than GCC gives an asm statement: it saves r4-r11 itself, and GCC keeps nothing in the others.
template <int Pitch, int Stride, int Steps>
inline void mac_three_by_two(const std::int16_t* x, const std::int8_t* w, std::int32_t (&a)[3][2]) {
  static_assert(Steps >= 1 && 4 * (Steps - 1) * 2 + 2 * Pitch <= 1020 && 4 * (Steps - 1) + Stride <= 4095);
  asm volatile(
      "push {r4-r11}\n\t"
      "mov r12, %[x]\n\t"
      "mov lr, %[w]\n\t"
      "push {%[a]}\n\t"
      "ldm %[a], {r0-r5}\n\t"  // a[0][0], a[0][1], a[1][0], ...
      ".set ctnn_k, 0\n\t"
      ".rept %c[steps]\n\t"
      "ldr r6, [lr, #ctnn_k]\n\t"
      "sxtb16 r7, r6, ror #8\n\t"
      "sxtb16 r6, r6\n\t"
      "ldr r8, [lr, #(ctnn_k + %c[stride])]\n\t"
      "sxtb16 r9, r8, ror #8\n\t"
      "sxtb16 r8, r8\n\t"
      "ldrd r10, r11, [r12, #(2 * ctnn_k)]\n\t"
      "smlad r0, r10, r6, r0\n\t"
      "smlad r0, r11, r7, r0\n\t"
      "smlad r1, r10, r8, r1\n\t"
      "smlad r1, r11, r9, r1\n\t"
      "ldrd r10, r11, [r12, #(2 * ctnn_k + %c[pitch])]\n\t"
      "smlad r2, r10, r6, r2\n\t"
      "smlad r2, r11, r7, r2\n\t"
      "smlad r3, r10, r8, r3\n\t"
      "smlad r3, r11, r9, r3\n\t"
      "ldrd r10, r11, [r12, #(2 * ctnn_k + 2 * %c[pitch])]\n\t"
      "smlad r4, r10, r6, r4\n\t"
      "smlad r4, r11, r7, r4\n\t"
      "smlad r5, r10, r8, r5\n\t"
      "smlad r5, r11, r9, r5\n\t"
      ".set ctnn_k, ctnn_k + 4\n\t"
      ".endr\n\t"
      "pop {r6}\n\t"
      "stm r6, {r0-r5}\n\t"
      "pop {r4-r11}"
      :
      : [x] "r"(x), [w] "r"(w), [a] "r"(&a[0][0]), [pitch] "i"(Pitch), [stride] "i"(Stride), [steps] "i"(Steps)
      : "r0", "r1", "r2", "r3", "r12", "lr", "cc", "memory");
}
// a[c] += x[c] w[c] for four channels of one depthwise tap: the input's word at x; the weights widened
// to int16 in SXTB16's order ([w0, w2], [w1, w3]) at w, which then steps Stride bytes to the next tap.
// 8 instructions, in one asm statement so that GCC, unrolling the taps, cannot hoist every load ahead
// and spill.
template <int Stride>
inline void mac_four_channels(const std::int8_t* x, const std::uint32_t*& w, std::int32_t (&a)[4]) {
  std::uint32_t xv, xe, w0, w1;
  asm("ldr %[xv], %[x]\n\t"
      "ldrd %[w0], %[w1], [%[w]], %[stride]\n\t"
      "sxtb16 %[xe], %[xv]\n\t"
      "sxtb16 %[xv], %[xv], ror #8\n\t"
      "smlabb %[a0], %[xe], %[w0], %[a0]\n\t"
      "smlatt %[a2], %[xe], %[w0], %[a2]\n\t"
      "smlabb %[a1], %[xv], %[w1], %[a1]\n\t"
      "smlatt %[a3], %[xv], %[w1], %[a3]"
      : [w] "+r"(w), [a0] "+r"(a[0]), [a1] "+r"(a[1]), [a2] "+r"(a[2]), [a3] "+r"(a[3]), [xv] "=&r"(xv),
        [xe] "=&r"(xe), [w0] "=&r"(w0), [w1] "=&r"(w1)
      : [x] "m"(*reinterpret_cast<const aliasing_word*>(x)), [stride] "i"(Stride),
        "m"(*reinterpret_cast<const aliasing_pair*>(w)));  // (what it reads from w, for GCC's ordering)
}
#else
constexpr std::int32_t saturating_double(std::int32_t x) {
  return x >= (1 << 30) ? INT32_MAX : (x < -(1 << 30) ? INT32_MIN : 2 * x);
}
constexpr std::int32_t rounding_high_multiply(std::int32_t a, std::int32_t b) {
  return static_cast<std::int32_t>((std::int64_t{a} * b + (std::int64_t{1} << 31)) >> 32);
}
constexpr std::int32_t saturate_int8(std::int32_t x) { return x < -128 ? -128 : (x > 127 ? 127 : x); }
constexpr std::int32_t saturate_uint8(std::int32_t x) { return x < 0 ? 0 : (x > 255 ? 255 : x); }
#endif
}  // namespace detail

// LowAtZero: the lower bound is the zero point (ReLU's, ReLU6's): the shifted value saturated into
// [0, 255] (USAT) before the zero point is added, which clamps at it with no comparison.
template <bool Low, bool High, bool LowAtZero = false>
constexpr std::int8_t requantize_short(std::int32_t acc, fixed_multiplier m, output_stage out) {
  const std::int32_t h = detail::rounding_high_multiply(detail::saturating_double(acc), m.multiplier);
  const std::int32_t y = h + (h >> 31);
  const std::int32_t shifted = ((y >> ~m.shift) + 1) >> 1;  // ~shift = e - 1
  std::int32_t v = 0;
  if constexpr (LowAtZero) {
    v = detail::saturate_int8(detail::saturate_uint8(shifted) + out.zero_point);
  } else {
    v = detail::saturate_int8(shifted + out.zero_point);
    if constexpr (Low) v = v < out.low ? out.low : v;
  }
  if constexpr (High) v = v > out.high ? out.high : v;
  return static_cast<std::int8_t>(v);
}

// requantize_short where `short_ok` (requantizes_short of the layer's multipliers), else requantize_fast
// out of line: one copy of the long way per program, a predictable branch per output.
// (requantize_long takes the stage's fields, not its address: an address passed out of line would keep
// the caller's stage in memory.)
[[gnu::noinline]] inline std::int8_t requantize_long(std::int32_t acc, fixed_multiplier m, std::int32_t zero_point,
                                                     std::int32_t low, std::int32_t high) {
  return requantize_fast(acc, m, output_stage{zero_point, low, high});
}
// The bounds an activation A moves, as requantize_short takes them.
template <activation_params A>
inline std::int8_t requantize_either(bool short_ok, std::int32_t acc, fixed_multiplier m, output_stage out) {
  return short_ok ? requantize_short<clamps_low<A>, clamps_high<A>, clamps_at_zero_point<A>>(acc, m, out)
                  : requantize_long(acc, m, out.zero_point, out.low, out.high);
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
