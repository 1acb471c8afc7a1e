// ctnn/kernels/int8_dot.hpp: the inner loops of the fast int8 kernels, the target's way, and the
// requantization they end with.
//
//   dot_rows<K, Rows>(x, w, acc)   acc[j] += sum_k x[k] w[j][k], k < K, for Rows rows of int8 weights
//     Cortex-M55 (Helium):     VMLADAVA, 16 multiply-accumulates per instruction
//     Cortex-M4/M7 (DSP):      SXTB16 to int16 pairs, SMLAD, 2 per instruction
//     elsewhere:               a plain loop, which x86 compilers vectorize
//   requantize_fast(acc, m, out)   the same integer as requantize (ctnn/kernels/quantize.hpp), computed
//                                  with one 64-bit multiply and shifts (tests/unit/int8_kernels_test.cpp)
//   requantize_short<Low, High>    the same again where requantizes_short(m): SMMLAR, SSAT on the
//                                  Cortex-M4/M7 (embedded/int8_kernels.cpp checks it there)
//   mac_two_by_two, mac_three_by_two, depthwise_three_by_three_plane, depthwise_three_wide_row,
//   mac_four_channels, widen_words   the M4/M7's pointwise and depthwise inner loops, in asm
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

// requantize_fast's integer in fewer steps, where the multiplier m is normalized (at least 2^30), its
// shift a right shift by e of 1 to 20 (what a network's scales give) and |acc| < 2^30 (a layer's
// accumulators are where its kernel biases leave room for its products: requantizes_short checks a
// layer's). gemmlowp's high multiply floor((acc m + 2^30) / 2^31) is floor((2 acc m + 2^31) / 2^32), and
// with m2 = 2m - 2^32 (an int32, as m >= 2^30) that is floor((acc 2^32 + acc m2 + 2^31) / 2^32): the
// Cortex-M4's SMMLAR of acc, m2 and acc, one instruction (the sum, 2 acc m, fits in 64 bits). Then the
// same rounding shift, the zero point (no overflow: |h| <= |acc| < 2^30) and the clamp, narrowed with
// saturation to int8 (SSAT) and compared only with the bounds an activation moves (Low, High).
constexpr bool requantizes_short(fixed_multiplier m) {
  return m.multiplier >= (1 << 30) && m.shift <= -1 && m.shift >= -20;
}
// Every channel of a layer whose accumulators are kernel_biases[c] + `products` int8 x int8 products.
constexpr bool requantizes_short(const fixed_multiplier* m, const std::int32_t* kernel_biases, count_t n, count_t products) {
  const std::int64_t room = (std::int64_t{1} << 30) - std::int64_t{products} * (128 * 128);
  for (count_t i = 0; i < n; ++i)
    if (!requantizes_short(m[i]) || kernel_biases[i] >= room || kernel_biases[i] <= -room) return false;
  return true;
}

namespace detail {
#if CTNN_INT8_DSP
// (a 2^32 + b c + 2^31) >> 32
inline std::int32_t rounding_high_multiply_accumulate(std::int32_t a, std::int32_t b, std::int32_t c) {
  std::int32_t r;
  asm("smmlar %0, %1, %2, %3" : "=r"(r) : "r"(b), "r"(c), "r"(a));
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
// The same for three positions (row p at x + p Pitch bytes) by `pairs` pairs of channels in one asm
// statement, the Steps unrolled by the assembler (.rept): 21 instructions for 24 multiply-accumulates, no
// register counting the steps. Its six accumulators, four widened weight words, a row's two words and the
// two pointers take all of r0-r12 and lr, more than GCC gives an asm statement: it saves r4-r11 itself,
// and keeps the loop over the pairs in a three_by_two_run on the stack. A pair's accumulators start at its
// biases. Then either they are stored at a (six per pair: a[p][j]), or, where `constants` is not null,
// each is requantized as requantize_short<false, false> and stored at y[p OutC + j], with the pair's
// short_requantizer constants (six words at `constants`): SMMLAR, ADD, ADD, ASR, SSAT, STRB, 6
// instructions an output with no accumulator stored and read back.
struct three_by_two_run {
  const std::int32_t* bias;       // +0, two a pair
  const std::int16_t* x;          // +4: the first row
  const void* w;                  // +8: int8 weights, or widened
  const std::int32_t* constants;  // +12, six words a pair
  std::int8_t* y;                 // +16, two a pair
  std::int32_t* a;                // +20, six a pair
  std::int32_t pairs;             // +24
};
#define CTNN_THREE_BY_TWO(load_weights, next_weights, ...)                                                    \
  asm volatile(".macro ctnn_requantize_one acc, at\n\t"                                                     \
               "smmlar \\acc, \\acc, r6, \\acc\n\t"                                                          \
               "add \\acc, \\acc, \\acc, asr #31\n\t"                                                        \
               "add \\acc, \\acc, r9\n\t"                                                                    \
               "asr \\acc, \\acc, r8\n\t"                                                                    \
               "ssat \\acc, #8, \\acc\n\t"                                                                   \
               "strb \\acc, [r10, #(\\at)]\n\t"                                                              \
               ".endm\n\t"                                                                                  \
               "push {r4-r11}\n\t"                                                                          \
               "push {%[run]}\n\t"                                                                          \
               "ldm %[run], {r6, r12, lr}\n\t"                                                              \
               "1:\n\t"                                                                                     \
               "ldrd r0, r1, [r6]\n\t" /* a[0][0], a[0][1], a[1][0], ... */                                 \
               "mov r2, r0\n\t"                                                                             \
               "mov r3, r1\n\t"                                                                             \
               "mov r4, r0\n\t"                                                                             \
               "mov r5, r1\n\t"                                                                             \
               ".set ctnn_k, 0\n\t"                                                                         \
               ".rept %c[steps]\n\t" load_weights                                                           \
               "ldrd r10, r11, [r12, #(2 * ctnn_k)]\n\t"                                                    \
               "smlad r0, r10, r6, r0\n\t"                                                                  \
               "smlad r0, r11, r7, r0\n\t"                                                                  \
               "smlad r1, r10, r8, r1\n\t"                                                                  \
               "smlad r1, r11, r9, r1\n\t"                                                                  \
               "ldrd r10, r11, [r12, #(2 * ctnn_k + %c[pitch])]\n\t"                                        \
               "smlad r2, r10, r6, r2\n\t"                                                                  \
               "smlad r2, r11, r7, r2\n\t"                                                                  \
               "smlad r3, r10, r8, r3\n\t"                                                                  \
               "smlad r3, r11, r9, r3\n\t"                                                                  \
               "ldrd r10, r11, [r12, #(2 * ctnn_k + 2 * %c[pitch])]\n\t"                                    \
               "smlad r4, r10, r6, r4\n\t"                                                                  \
               "smlad r4, r11, r7, r4\n\t"                                                                  \
               "smlad r5, r10, r8, r5\n\t"                                                                  \
               "smlad r5, r11, r9, r5\n\t"                                                                  \
               ".set ctnn_k, ctnn_k + 4\n\t"                                                                \
               ".endr\n\t" next_weights                                                                     \
               "ldr r11, [sp]\n\t"                                                                          \
               "ldr r7, [r11, #12]\n\t" /* constants: null where not requantized here */                    \
               "cbnz r7, 2f\n\t"                                                                            \
               "ldr r7, [r11, #20]\n\t"                                                                     \
               "stmia r7!, {r0-r5}\n\t"                                                                     \
               "str r7, [r11, #20]\n\t"                                                                     \
               "b 3f\n\t"                                                                                   \
               "2:\n\t"                                                                                     \
               "ldr r10, [r11, #16]\n\t"                                                                    \
               "ldm r7!, {r6, r8, r9}\n\t" /* the first channel's 2 m - 2^32, e, addend */                  \
               "ctnn_requantize_one r0, 0\n\t"                                                              \
               "ctnn_requantize_one r2, %c[outc]\n\t"                                                       \
               "ctnn_requantize_one r4, 2*%c[outc]\n\t"                                                     \
               "ldm r7!, {r6, r8, r9}\n\t"                                                                  \
               "ctnn_requantize_one r1, 1\n\t"                                                              \
               "ctnn_requantize_one r3, %c[outc]+1\n\t"                                                     \
               "ctnn_requantize_one r5, 2*%c[outc]+1\n\t"                                                   \
               "add r10, r10, #2\n\t"                                                                       \
               "str r7, [r11, #12]\n\t"                                                                     \
               "str r10, [r11, #16]\n\t"                                                                    \
               "3:\n\t"                                                                                     \
               "ldr r6, [r11]\n\t"                                                                          \
               "add r6, r6, #8\n\t"                                                                         \
               "str r6, [r11]\n\t"                                                                          \
               "ldr r7, [r11, #24]\n\t"                                                                     \
               "subs r7, r7, #1\n\t"                                                                        \
               "str r7, [r11, #24]\n\t"                                                                     \
               "bne 1b\n\t"                                                                                 \
               "add sp, sp, #4\n\t"                                                                         \
               "pop {r4-r11}\n\t"                                                                           \
               ".purgem ctnn_requantize_one"                                                                \
               :                                                                                           \
               : [run] "r"(&run), [pitch] "i"(Pitch), [steps] "i"(Steps), [outc] "i"(OutC) __VA_ARGS__      \
               : "r0", "r1", "r2", "r3", "r12", "lr", "cc", "memory")
template <int Pitch, int Stride, int Steps, int OutC>
inline void mac_three_by_two(three_by_two_run& run) {
  static_assert(Steps >= 1 && 4 * (Steps - 1) * 2 + 2 * Pitch <= 1020 && 4 * (Steps - 1) + Stride <= 4095 &&
                2 * OutC + 1 <= 4095 && 2 * Stride <= 4095);
  CTNN_THREE_BY_TWO("ldr r6, [lr, #ctnn_k]\n\t"
                    "sxtb16 r7, r6, ror #8\n\t"
                    "sxtb16 r6, r6\n\t"
                    "ldr r8, [lr, #(ctnn_k + %c[stride])]\n\t"
                    "sxtb16 r9, r8, ror #8\n\t"
                    "sxtb16 r8, r8\n\t",
                    "add lr, lr, #(2 * %c[stride])\n\t", , [stride] "i"(Stride));
}
// The same on weights widened ahead (widen_weight_pairs, the pairs one after another): a step's four
// words, one LDM. 16 instructions for 24 multiply-accumulates.
template <int Pitch, int Steps, int OutC>
inline void mac_three_by_two(three_by_two_run& run) {
  static_assert(Steps >= 1 && 4 * (Steps - 1) * 2 + 2 * Pitch <= 1020 && 2 * OutC + 1 <= 4095);
  CTNN_THREE_BY_TWO("ldmia lr!, {r6-r9}\n\t", "");
}
#undef CTNN_THREE_BY_TWO
// Two channels' int8 weights (channel 1 Stride bytes after channel 0), Steps x 4 of each, widened as
// mac_three_by_two's steps read them: per step channel 0's [w0, w2], [w1, w3], then channel 1's.
template <int Stride, int Steps>
inline void widen_weight_pairs(const std::int8_t* w, std::uint32_t* to) {
  for (int k = 0; k < Steps; ++k, to += 4)
    for (int j = 0; j < 2; ++j) {
      std::uint32_t v, even, odd;
      std::memcpy(&v, w + j * Stride + 4 * k, sizeof v);
      asm("sxtb16 %0, %1" : "=r"(even) : "r"(v));
      asm("sxtb16 %0, %1, ror #8" : "=r"(odd) : "r"(v));
      to[2 * j] = even;
      to[2 * j + 1] = odd;
    }
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
// Steps x 8 int8 values at x (word-aligned) widened to int16 at to in SXTB16's order ([x0, x2], [x1, x3]
// for every 4), 6 instructions for 8 (LDM, four SXTB16, STM), the steps unrolled by the assembler.
template <int Steps>
inline void widen_words(const std::int8_t* x, std::int16_t* to) {
  static_assert(Steps >= 1);
  asm volatile(".rept %c[steps]\n\t"
               "ldmia %[x]!, {r2, r3}\n\t"
               "sxtb16 r4, r2\n\t"
               "sxtb16 r5, r2, ror #8\n\t"
               "sxtb16 r6, r3\n\t"
               "sxtb16 r7, r3, ror #8\n\t"
               "stmia %[to]!, {r4-r7}\n\t"
               ".endr"
               : [x] "+r"(x), [to] "+r"(to)
               : [steps] "i"(Steps)
               : "r2", "r3", "r4", "r5", "r6", "r7", "memory");
}
// One row of a channel's depthwise outputs, its window three taps wide at stride Sx (1 or 2), dilation 1,
// Kh (1 to 3) rows of taps Pitch bytes apart, in a plane of int16 (the planar kernel of
// ctnn/kernels/conv_int8.hpp), two outputs at a time: per row of taps, three words (unaligned LDRs), taps
// 0 and 1 by SMLAD, tap 2 by SMLABB (at stride 1 the second output's tap 2 is the top of the first's word:
// SMLABT). 22 instructions for two outputs of a 3 x 3 window; the accumulators stored at acc. The
// arguments are one LDM: they and the state take r0-r12 and lr, as in mac_three_by_two.
struct three_wide_row {
  std::uint32_t taps[6];     // row ky: [w0, w1], [w2, 0] (r4-r9)
  std::int32_t* acc;         // r11
  const std::int16_t* at;    // r12: the first window's first tap
  std::int32_t bias;         // lr
};
template <int Kh, int Sx, int Pitch, int Outputs>
inline void depthwise_three_wide_row(const three_wide_row& args) {
  static_assert(Kh >= 1 && Kh <= 3 && (Sx == 1 || Sx == 2) && Outputs >= 1);
  static_assert(2 * Sx * (Outputs - 1) + 4 * Sx + 2 + (Kh - 1) * Pitch <= 4095, "LDR's reach");
#define CTNN_THREE_WIDE_ROW(a0, a1, pair, single, row)                \
  "ldr r2, [r12, #(ctnn_x + " row ")]\n\t"                            \
  "ldr r3, [r12, #(ctnn_x + " row " + 2 * %c[sx])]\n\t"               \
  "ldr r10, [r12, #(ctnn_x + " row " + 4 * %c[sx])]\n\t"              \
  "smlad r0, r2, " pair ", " a0 "\n\t"                                \
  "smlad r1, r3, " pair ", " a1 "\n\t"                                \
  ".if %c[sx] == 1\n\t"                                               \
  "smlabb r0, " single ", r10, r0\n\t"                                \
  "smlabt r1, " single ", r10, r1\n\t"                                \
  ".else\n\t"                                                         \
  "smlabb r0, " single ", r3, r0\n\t"                                 \
  "smlabb r1, " single ", r10, r1\n\t"                                \
  ".endif\n\t"
#define CTNN_THREE_WIDE_SINGLE(a0, pair, single, row)                 \
  "ldr r2, [r12, #(ctnn_x + " row ")]\n\t"                            \
  "ldr r10, [r12, #(ctnn_x + " row " + 4)]\n\t"                       \
  "smlad r0, r2, " pair ", " a0 "\n\t"                                \
  "smlabb r0, " single ", r10, r0\n\t"
  asm volatile(
      "push {r4-r11}\n\t"
      "ldm %[args], {r4-r9, r11, r12, lr}\n\t"
      ".set ctnn_x, 0\n\t"
      ".rept %c[pairs]\n\t"
      CTNN_THREE_WIDE_ROW("lr", "lr", "r4", "r5", "0")
      ".if %c[kh] >= 2\n\t"
      CTNN_THREE_WIDE_ROW("r0", "r1", "r6", "r7", "%c[pitch]")
      ".endif\n\t"
      ".if %c[kh] >= 3\n\t"
      CTNN_THREE_WIDE_ROW("r0", "r1", "r8", "r9", "2 * %c[pitch]")
      ".endif\n\t"
      "stmia r11!, {r0, r1}\n\t"
      ".set ctnn_x, ctnn_x + 4 * %c[sx]\n\t"
      ".endr\n\t"
      ".if %c[odd]\n\t"
      CTNN_THREE_WIDE_SINGLE("lr", "r4", "r5", "0")
      ".if %c[kh] >= 2\n\t"
      CTNN_THREE_WIDE_SINGLE("r0", "r6", "r7", "%c[pitch]")
      ".endif\n\t"
      ".if %c[kh] >= 3\n\t"
      CTNN_THREE_WIDE_SINGLE("r0", "r8", "r9", "2 * %c[pitch]")
      ".endif\n\t"
      "str r0, [r11]\n\t"
      ".endif\n\t"
      "pop {r4-r11}"
      :
      : [args] "r"(&args), [kh] "i"(Kh), [sx] "i"(Sx), [pitch] "i"(Pitch), [pairs] "i"(Outputs / 2),
        [odd] "i"(Outputs % 2), "m"(args)
      : "r0", "r1", "r2", "r3", "r12", "lr", "cc", "memory");
#undef CTNN_THREE_WIDE_SINGLE
#undef CTNN_THREE_WIDE_ROW
}
// A whole channel of a 3 x 3 depthwise window at stride Sx (1 or 2) along W, 1 along H, dilation 1, on its
// plane of int16 (rows Pitch bytes apart): Oh x Ow accumulators stored at args.acc, row after row. Two
// output rows by two columns at a time: four input rows of three words each, every word, loaded once into
// the one spare register, feeding each output that reads it (38 instructions for four outputs, against
// 44 a row at a time); an odd column two rows by one, an odd last row as depthwise_three_wide_row. The
// row pairs are a loop counted on the stack (every register holds state); the columns are unrolled.
template <int Sx, int Pitch, int Oh, int Ow>
inline void depthwise_three_by_three_plane(const three_wide_row& args) {
  static_assert((Sx == 1 || Sx == 2) && Oh >= 1 && Ow >= 1);
  static_assert(3 * Pitch + 2 * Sx * (Ow - 1) + 4 * Sx + 2 <= 4095 && 2 * Pitch <= 4095, "LDR's and ADD's reach");
  static_assert(4 * Ow <= 1020 && Oh / 2 <= 255, "STRD's reach, the row pairs' count as an immediate");
#define CTNN_TOP_BOTTOM(off, top, bottom, wpt, wst, int_l, int_r, wpb, wsb, inb_l, inb_r) \
  "ctnn_dw_row2 " off ", " top ", " bottom ", " wpt ", " wst ", " int_l ", " int_r ", " wpb ", " wsb ", " inb_l ", " inb_r "\n\t"
#define CTNN_TOP_BOTTOM_1(off, top, bottom, wpt, wst, in_t, wpb, wsb, in_b) \
  "ctnn_dw_row1 " off ", " top ", " bottom ", " wpt ", " wst ", " in_t ", " wpb ", " wsb ", " in_b "\n\t"
  asm volatile(
      // The MACs of word `word` (0, 1, 2: at 0, 2 Sx, 4 Sx elements) of an input row for two outputs of a
      // row, l and r, with weight row (wp: taps 0 and 1, ws: tap 2), accumulating onto in_l, in_r.
      ".macro ctnn_dw_mac word, a_l, a_r, in_l, in_r, wp, ws\n\t"
      ".if %c[sx] == 1\n\t"
      ".if \\word == 0\n\tsmlad \\a_l, r10, \\wp, \\in_l\n\t"
      ".elseif \\word == 1\n\tsmlad \\a_r, r10, \\wp, \\in_r\n\t"
      ".else\n\tsmlabb \\a_l, \\ws, r10, \\a_l\n\tsmlabt \\a_r, \\ws, r10, \\a_r\n\t.endif\n\t"
      ".else\n\t"
      ".if \\word == 0\n\tsmlad \\a_l, r10, \\wp, \\in_l\n\t"
      ".elseif \\word == 1\n\tsmlabb \\a_l, \\ws, r10, \\a_l\n\tsmlad \\a_r, r10, \\wp, \\in_r\n\t"
      ".else\n\tsmlabb \\a_r, \\ws, r10, \\a_r\n\t.endif\n\t"
      ".endif\n\t"
      ".endm\n\t"
      // An input row at byte offset off for the top output row (r0, r1) and / or the bottom one (r2, r3).
      ".macro ctnn_dw_row2 off, top, bottom, wpt, wst, int_l, int_r, wpb, wsb, inb_l, inb_r\n\t"
      ".irp word, 0, 1, 2\n\t"
      "ldr r10, [r12, #(\\off + \\word * 2 * %c[sx])]\n\t"
      ".if \\top\n\tctnn_dw_mac \\word, r0, r1, \\int_l, \\int_r, \\wpt, \\wst\n\t.endif\n\t"
      ".if \\bottom\n\tctnn_dw_mac \\word, r2, r3, \\inb_l, \\inb_r, \\wpb, \\wsb\n\t.endif\n\t"
      ".endr\n\t"
      ".endm\n\t"
      // The same for one output a row (r0 top, r2 bottom): its taps 0 and 1 at off, tap 2 at off + 4.
      ".macro ctnn_dw_row1 off, top, bottom, wpt, wst, in_t, wpb, wsb, in_b\n\t"
      ".irp word, 0, 1\n\t"
      "ldr r10, [r12, #(\\off + \\word * 4)]\n\t"
      ".if \\top\n\t.if \\word == 0\n\tsmlad r0, r10, \\wpt, \\in_t\n\t.else\n\tsmlabb r0, \\wst, r10, r0\n\t.endif\n\t.endif\n\t"
      ".if \\bottom\n\t.if \\word == 0\n\tsmlad r2, r10, \\wpb, \\in_b\n\t.else\n\tsmlabb r2, \\wsb, r10, r2\n\t.endif\n\t.endif\n\t"
      ".endr\n\t"
      ".endm\n\t"
      // One output row (two = 0) or two (two = 1) across the columns, two at a time, then an odd one.
      ".macro ctnn_dw_pass two\n\t"
      ".set ctnn_x, 0\n\t"
      ".rept %c[pairs_w]\n\t"
      CTNN_TOP_BOTTOM("ctnn_x", "1", "0", "r4", "r5", "lr", "lr", "r4", "r5", "lr", "lr")
      CTNN_TOP_BOTTOM("ctnn_x+%c[p]", "1", "\\two", "r6", "r7", "r0", "r1", "r4", "r5", "lr", "lr")
      CTNN_TOP_BOTTOM("ctnn_x+2*%c[p]", "1", "\\two", "r8", "r9", "r0", "r1", "r6", "r7", "r2", "r3")
      ".if \\two\n\t"
      CTNN_TOP_BOTTOM("ctnn_x+3*%c[p]", "0", "1", "r8", "r9", "r0", "r1", "r8", "r9", "r2", "r3")
      "strd r2, r3, [r11, #(4 * %c[ow])]\n\t"
      ".endif\n\t"
      "strd r0, r1, [r11], #8\n\t"
      ".set ctnn_x, ctnn_x + 4 * %c[sx]\n\t"
      ".endr\n\t"
      ".if %c[odd_w]\n\t"
      CTNN_TOP_BOTTOM_1("ctnn_x", "1", "0", "r4", "r5", "lr", "r4", "r5", "lr")
      CTNN_TOP_BOTTOM_1("ctnn_x+%c[p]", "1", "\\two", "r6", "r7", "r0", "r4", "r5", "lr")
      CTNN_TOP_BOTTOM_1("ctnn_x+2*%c[p]", "1", "\\two", "r8", "r9", "r0", "r6", "r7", "r2")
      ".if \\two\n\t"
      CTNN_TOP_BOTTOM_1("ctnn_x+3*%c[p]", "0", "1", "r8", "r9", "r0", "r8", "r9", "r2")
      "str r2, [r11, #(4 * %c[ow])]\n\t"
      ".endif\n\t"
      "str r0, [r11], #4\n\t"
      ".endif\n\t"
      ".endm\n\t"
      "push {r4-r11}\n\t"
      "ldm %[args], {r4-r9, r11, r12, lr}\n\t"
      ".if %c[pairs_h] > 0\n\t"
      "mov r10, #%c[pairs_h]\n\t"
      "push {r10}\n\t"
      "1:\n\t"
      "ctnn_dw_pass 1\n\t"
      "add r12, r12, #(2 * %c[p])\n\t"
      "add r11, r11, #(4 * %c[ow])\n\t"  // (past the second row)
      "ldr r10, [sp]\n\t"
      "subs r10, r10, #1\n\t"
      "str r10, [sp]\n\t"
      "bne 1b\n\t"
      "add sp, sp, #4\n\t"
      ".endif\n\t"
      ".if %c[odd_h]\n\t"
      "ctnn_dw_pass 0\n\t"
      ".endif\n\t"
      "pop {r4-r11}\n\t"
      ".purgem ctnn_dw_pass\n\t"
      ".purgem ctnn_dw_row1\n\t"
      ".purgem ctnn_dw_row2\n\t"
      ".purgem ctnn_dw_mac"
      :
      : [args] "r"(&args), [sx] "i"(Sx), [p] "i"(Pitch), [ow] "i"(Ow), [pairs_h] "i"(Oh / 2), [odd_h] "i"(Oh % 2),
        [pairs_w] "i"(Ow / 2), [odd_w] "i"(Ow % 2), "m"(args)
      : "r0", "r1", "r2", "r3", "r12", "lr", "cc", "memory");
#undef CTNN_TOP_BOTTOM_1
#undef CTNN_TOP_BOTTOM
}
#else
constexpr std::int32_t rounding_high_multiply_accumulate(std::int32_t a, std::int32_t b, std::int32_t c) {
  // (unsigned: a 2^32 + b c is 2 acc m in requantize_short, within 64 bits, but not every order of the sum)
  const std::uint64_t sum = (static_cast<std::uint64_t>(a) << 32) + static_cast<std::uint64_t>(std::int64_t{b} * c) + (std::uint64_t{1} << 31);
  return static_cast<std::int32_t>(static_cast<std::int64_t>(sum) >> 32);
}
constexpr std::int32_t saturate_int8(std::int32_t x) { return x < -128 ? -128 : (x > 127 ? 127 : x); }
constexpr std::int32_t saturate_uint8(std::int32_t x) { return x < 0 ? 0 : (x > 255 ? 255 : x); }
#endif
}  // namespace detail

// requantize_short's constants of one channel, worked out once: its multiplier, e, and the rounding's
// 2^(e-1) with (unless the lower bound is at the zero point) the zero point times 2^e, so that the
// rounding shift and the zero point are one ADD and one ASR: floor((y + 2^(e-1)) / 2^e) + z =
// floor((y + 2^(e-1) + z 2^e) / 2^e), which cannot overflow (|y| <= 2^30 + 1, the addend below 2^28).
struct short_requantizer {
  std::int32_t doubled_multiplier, shift, addend;  // 2 m - 2^32, e
};
template <bool LowAtZero>
constexpr short_requantizer short_requantizer_for(fixed_multiplier m, const output_stage& out) {
  const std::int32_t e = -m.shift;
  return {static_cast<std::int32_t>(2 * static_cast<std::uint32_t>(m.multiplier)), e,
          (std::int32_t{1} << (e - 1)) + (LowAtZero ? 0 : out.zero_point * (std::int32_t{1} << e))};
}

// LowAtZero: the lower bound is the zero point (ReLU's, ReLU6's): the shifted value saturated into
// [0, 255] (USAT) before the zero point is added, which clamps at it with no comparison.
template <bool Low, bool High, bool LowAtZero = false>
constexpr std::int8_t requantize_short(std::int32_t acc, short_requantizer r, const output_stage& out) {
  const std::int32_t h = detail::rounding_high_multiply_accumulate(acc, acc, r.doubled_multiplier);
  const std::int32_t shifted = (h + (h >> 31) + r.addend) >> r.shift;  // h - 1 for a negative h: ties away from 0
  std::int32_t v = 0;
  if constexpr (LowAtZero) {
    v = detail::saturate_int8(detail::saturate_uint8(shifted) + out.zero_point);
  } else {
    v = detail::saturate_int8(shifted);
    if constexpr (Low) v = v < out.low ? out.low : v;
  }
  if constexpr (High) v = v > out.high ? out.high : v;
  return static_cast<std::int8_t>(v);
}
template <bool Low, bool High, bool LowAtZero = false>
constexpr std::int8_t requantize_short(std::int32_t acc, fixed_multiplier m, const output_stage& out) {
  return requantize_short<Low, High, LowAtZero>(acc, short_requantizer_for<LowAtZero>(m, out), out);
}

// y[j Stride] = requantize_short(acc[j], r, out) for j < n: one channel's outputs, its constants in
// registers throughout.
template <bool Low, bool High, bool LowAtZero, count_t Stride>
inline void requantize_short_run(const std::int32_t* acc, count_t n, short_requantizer r, const output_stage& out,
                                 std::int8_t* y) {
#pragma GCC unroll 5
  for (count_t j = 0; j < n; ++j) y[j * Stride] = requantize_short<Low, High, LowAtZero>(acc[j], r, out);
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
inline std::uint32_t load_pair(const std::int16_t* p) {  // (an unaligned LDR where p is odd)
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
// acc's two int16 halves plus bytes 0 and 2 (1 and 3) of v, sign-extended.
inline std::uint32_t add_even_bytes(std::uint32_t acc, std::uint32_t v) {
  std::uint32_t r;
  asm("sxtab16 %0, %1, %2" : "=r"(r) : "r"(acc), "r"(v));
  return r;
}
inline std::uint32_t add_odd_bytes(std::uint32_t acc, std::uint32_t v) {
  std::uint32_t r;
  asm("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(acc), "r"(v));
  return r;
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
// acc + the bottom halves' product; acc + a's bottom half times b's top half.
inline std::int32_t mac_bottoms(std::uint32_t a, std::uint32_t b, std::int32_t acc) {
  std::int32_t r;
  asm("smlabb %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(acc));
  return r;
}
inline std::int32_t mac_bottom_top(std::uint32_t a, std::uint32_t b, std::int32_t acc) {
  std::int32_t r;
  asm("smlabt %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(acc));
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
