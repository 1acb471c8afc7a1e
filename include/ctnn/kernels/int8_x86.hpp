// ctnn/kernels/int8_x86.hpp: the int8 convolution as a matrix product on x86 (AVX2, AVX-512, VNNI), for
// ctnn/kernels/conv_int8.hpp.
//
// Every output position's window is a row of K = kh kw C_in values in NHWC's order (a 1x1 window's
// pixel converted whole, others gathered or read from a padded copy of the input); a register tile of R
// positions by up to 4 vectors of output channels
// accumulates over K in steps of the instruction's depth, on weights packed as [K / depth][channel][depth]
// (once by prepare_into into the layer's block, c.prepared, else per call on the stack):
//   AVX-512 VNNI / AVX-VNNI  VPDPBUSD: 4 products per int32 lane, unsigned x signed bytes. The row is
//                            stored as x + 128 (unsigned), and the 128 sum w it adds is taken out of the
//                            accumulators' start (kernel bias - 128 sum w).
//   AVX-512BW / AVX2         VPMADDWD: 2 products of int16 per lane (row and weights widened).
// Then the requantizer: requantize_fast's integer, a vector of channels at a time. Depthwise convolutions
// multiply each tap's channels as int32 lanes (depthwise below). The packed weights and the rows sit on
// the stack (x86_int8_stack_bytes); each kernel's pack writes one block (prepared_bytes), prepare_into's
// or the stack's, which its run reads. A layer whose block does not fit beside its rows runs the portable
// kernel unless its weights are prepared (ResNet's 512 x 512 x 3 x 3: 2.3 MB). Tested bit for bit against
// the reference kernels in tests/unit/int8_kernels_test.cpp, for each instruction the CPU has.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>

#include "ctnn/kernels/conv.hpp"
#include "ctnn/kernels/int8_dot.hpp"
#include "ctnn/plan/memory.hpp"

#if CTNN_INT8_DOT > 0
#include <immintrin.h>
#define CTNN_INT8_X86 1
#else
#define CTNN_INT8_X86 0
#endif

#if CTNN_INT8_X86
CTNN_BEGIN_CONFIG

// The stack an x86 int8 convolution may take for its packed weights and rows.
inline constexpr count_t x86_int8_stack_bytes = 192 * 1024;

namespace x86_int8 {

// 512-bit lanes where the vector width is (CTNN_VECTOR_BYTES) and AVX-512BW/VL are there.
#if CTNN_VECTOR_BYTES == 64 && defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__)
#define CTNN_INT8_WIDE 1
#else
#define CTNN_INT8_WIDE 0
#endif

#if CTNN_INT8_WIDE
using vec = __m512i;
inline constexpr int lanes = 16;
inline vec zeros() { return _mm512_setzero_si512(); }
inline vec load(const void* p) { return _mm512_loadu_si512(p); }
inline void store(void* p, vec v) { _mm512_storeu_si512(p, v); }
inline vec broadcast(const void* p) {
  std::int32_t v;
  std::memcpy(&v, p, 4);
  return _mm512_set1_epi32(v);
}
inline vec broadcast_value(std::int32_t v) { return _mm512_set1_epi32(v); }
// n int8 values from p as int32 lanes (the rest zero); never reads past p + n.
inline vec widen(const std::int8_t* p, int n) {
  const __m128i b = n == lanes ? _mm_loadu_si128(reinterpret_cast<const __m128i*>(p))
                               : _mm_maskz_loadu_epi8(static_cast<__mmask16>((1u << n) - 1), p);
  return _mm512_maskz_cvtepi8_epi32(0xFFFF, b);  // (zero-masked: GCC 12 PR 105593)
}
inline vec add_lanes(vec a, vec b) { return _mm512_add_epi32(a, b); }
inline vec subtract_lanes(vec a, vec b) { return _mm512_sub_epi32(a, b); }
template <int Bits>
inline vec shift_lanes_left(vec a) { return _mm512_maskz_slli_epi32(0xFFFF, a, Bits); }
#if CTNN_INT8_DOT == 4
inline constexpr int depth = 4;
using row_t = std::uint8_t;
using weight_t = std::int8_t;
inline vec mac(vec acc, vec x, vec w) {
#if defined(__GNUC__) && !defined(__clang__)
  // In place: with the intrinsic, GCC 12 moves every accumulator to another register or the stack and
  // back around each VPDPBUSD of a register tile (W3 1.9x slower than clang's code).
  asm("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(x), "vm"(w));
  return acc;
#else
  return _mm512_dpbusd_epi32(acc, x, w);
#endif
}
#else
inline constexpr int depth = 2;
using row_t = std::int16_t;
using weight_t = std::int16_t;
inline vec mac(vec acc, vec x, vec w) { return _mm512_add_epi32(acc, _mm512_madd_epi16(x, w)); }
#endif
#else
using vec = __m256i;
inline constexpr int lanes = 8;
inline vec zeros() { return _mm256_setzero_si256(); }
inline vec load(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }
inline void store(void* p, vec v) { _mm256_storeu_si256(static_cast<__m256i*>(p), v); }
inline vec broadcast(const void* p) {
  std::int32_t v;
  std::memcpy(&v, p, 4);
  return _mm256_set1_epi32(v);
}
inline vec broadcast_value(std::int32_t v) { return _mm256_set1_epi32(v); }
inline vec widen(const std::int8_t* p, int n) {
  if (n == lanes) return _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
  alignas(16) std::int8_t bytes[16] = {};
  std::memcpy(bytes, p, static_cast<std::size_t>(n));
  return _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(bytes)));
}
inline vec add_lanes(vec a, vec b) { return _mm256_add_epi32(a, b); }
inline vec subtract_lanes(vec a, vec b) { return _mm256_sub_epi32(a, b); }
template <int Bits>
inline vec shift_lanes_left(vec a) { return _mm256_slli_epi32(a, Bits); }
#if CTNN_INT8_DOT == 4
inline constexpr int depth = 4;
using row_t = std::uint8_t;
using weight_t = std::int8_t;
#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
inline vec mac(vec acc, vec x, vec w) { return _mm256_dpbusd_epi32(acc, x, w); }
#else
inline vec mac(vec acc, vec x, vec w) { return _mm256_dpbusd_avx_epi32(acc, x, w); }
#endif
#else
inline constexpr int depth = 2;
using row_t = std::int16_t;
using weight_t = std::int16_t;
inline vec mac(vec acc, vec x, vec w) { return _mm256_add_epi32(acc, _mm256_madd_epi16(x, w)); }
#endif
#endif

// What a row's value adds on top of x (VPDPBUSD reads x + 128), taken out of the accumulators' start.
inline constexpr std::int32_t row_offset = depth == 4 ? 128 : 0;
inline constexpr row_t to_row(std::int8_t x) {
  return static_cast<row_t>(depth == 4 ? static_cast<std::uint8_t>(x) ^ 0x80u : x);
}

// The block of packed weights a kernel reads: prepare_into's (c.prepared), else `own` (on the caller's
// stack, Kernel::own_bytes) packed now by Kernel::pack, which writes every byte of its prepared_bytes
// that run reads. Without room for a block on the stack (packs_on_stack), a kernel runs only on prepared
// weights.
template <class Kernel>
bool runs_on(const int8_call& c) {
  return Kernel::packs_on_stack || c.prepared != nullptr;
}
template <class Kernel>
const std::byte* packed_block(const int8_call& c, std::byte* own) {
  if (c.prepared || !Kernel::packs_on_stack) return c.prepared;
  Kernel::pack(c, own);
  return own;
}

// requantize_fast(acc, m, stage) for a vector of channels: the saturating left shift where a multiplier
// has one, the 64-bit products of even and odd lanes apart (VPMULDQ), the rounding right shift, the
// clamp into [low - zero, high - zero] (which is the saturated zero + h clamped into [low, high]), + zero.
// Where no lane shifts left and results below the zero point are clamped (ReLU's outputs, and any whose
// zero point is the range's low end), the two roundings are one: for h = floor((acc m + 2^30) / 2^31) >= 0
// (the others clamp), floor((h + 2^(e-1)) / 2^e) = floor((acc m + 2^30 + 2^(30+e)) / 2^(31+e)), a 64-bit
// add of a per-channel constant and a shift per lane instead of seven steps (rounded_once).
enum requantization : int { general_shifts = 0, right_shifts = 1, single_rounding = 2 };

struct requantizer {
  vec multiplier, multiplier_odd, left, right_minus_one, shifted, low, high, zero, low_bytes, high_bytes;
  vec once_add, once_add_odd, once_shift, once_shift_odd;  // (single_rounding's, per 64-bit lane)
  vec low_output, high_output;                            // (the clamp's bounds, the zero point included)
  bool shifts_left = false;  // some multiplier's shift > 0: the accumulator is shifted left, saturated, first
  bool all_right = true;     // every multiplier shifts right (the usual case): no lane keeps h as it is
  bool negatives_clamped = false;  // the clamp's low end is at or above the zero point

  requantizer() = default;
  requantizer(const fixed_multiplier* m, int n, const output_stage& stage) {
    alignas(64) std::int32_t mult[lanes], to_left[lanes], right[lanes], any[lanes];
    for (int i = 0; i < lanes; ++i) {
      const fixed_multiplier f = i < n ? m[i] : fixed_multiplier{};
      mult[i] = f.multiplier;
      to_left[i] = f.shift > 0 ? f.shift : 0;
      shifts_left = shifts_left || f.shift > 0;
      right[i] = f.shift < 0 ? -f.shift - 1 : 0;
      any[i] = f.shift < 0 || i >= n ? -1 : 0;  // (the lanes past n are never stored)
      all_right = all_right && any[i] != 0;
    }
    multiplier = load(mult);
    left = load(to_left);
    right_minus_one = load(right);
    shifted = load(any);
    // Lane 2i's constant and shift in 64-bit lane i of the even vectors, 2i + 1's in the odd ones, whose
    // shift is 32 less: the result lands in the lane's high half, where the odd lanes are blended in.
    // With AVX-512's arithmetic shifts the zero point is added in the constant too (z 2^(31+e)).
    alignas(64) std::int64_t add_even[lanes / 2], add_odd[lanes / 2], shift_even[lanes / 2], shift_odd[lanes / 2];
    for (int i = 0; i < lanes / 2; ++i) {
      // (Shifts past 22 take the other requantization; capped so that the unused constants stay in range.)
      const std::int64_t e0 = right[2 * i] + 1 < 22 ? right[2 * i] + 1 : 22, e1 = right[2 * i + 1] + 1 < 22 ? right[2 * i + 1] + 1 : 22;
      const std::int64_t z = CTNN_INT8_WIDE ? stage.zero_point : 0;
      add_even[i] = (std::int64_t{1} << 30) + (std::int64_t{1} << (30 + e0)) + z * (std::int64_t{1} << (31 + e0));
      add_odd[i] = (std::int64_t{1} << 30) + (std::int64_t{1} << (30 + e1)) + z * (std::int64_t{1} << (31 + e1));
      shift_even[i] = 31 + e0;
      shift_odd[i] = e1 - 1;
    }
    once_add = load(add_even);
    once_add_odd = load(add_odd);
    once_shift = load(shift_even);
    once_shift_odd = load(shift_odd);
    // (Up to 22, where |acc m| < 2^62 and |z 2^(31+e)| <= 2^60 leave the sum within int64.)
    bool short_shifts = true;
    for (int i = 0; i < lanes; ++i) short_shifts = short_shifts && right[i] + 1 <= 22;
    negatives_clamped = stage.low >= stage.zero_point && short_shifts;
#if CTNN_INT8_WIDE
    multiplier_odd = _mm512_maskz_srli_epi64(0xFF, multiplier, 32);
    low = _mm512_set1_epi32(stage.low - stage.zero_point);
    high = _mm512_set1_epi32(stage.high - stage.zero_point);
    zero = _mm512_set1_epi32(stage.zero_point);
    low_output = _mm512_set1_epi32(stage.low);
    high_output = _mm512_set1_epi32(stage.high);
    low_bytes = _mm512_set1_epi8(static_cast<char>(stage.low));
    high_bytes = _mm512_set1_epi8(static_cast<char>(stage.high));
#else
    multiplier_odd = _mm256_srli_epi64(multiplier, 32);
    low = _mm256_set1_epi32(stage.low - stage.zero_point);
    high = _mm256_set1_epi32(stage.high - stage.zero_point);
    zero = _mm256_set1_epi32(stage.zero_point);
    low_output = _mm256_set1_epi32(stage.low);
    high_output = _mm256_set1_epi32(stage.high);
    low_bytes = _mm256_set1_epi8(static_cast<char>(stage.low));
    high_bytes = _mm256_set1_epi8(static_cast<char>(stage.high));
#endif
  }

  // Every lane's multiplier shifts right and none left: value<right_shifts> leaves out both tests and
  // what they guard, which a kernel decides once per layer instead of testing twice per vector.
  bool plain() const { return all_right && !shifts_left; }
  // The requantization every lane allows: a kernel decides once per layer (the least of its vectors').
  requantization kind() const {
    return !plain() ? general_shifts : negatives_clamped ? single_rounding : right_shifts;
  }
  vec value(vec acc) const { return plain() ? value<right_shifts>(acc) : value<general_shifts>(acc); }

  // acc requantized, as int32 lanes (each within int8).
  template <int Mode>
  vec value(vec acc) const {
#if CTNN_INT8_WIDE
    constexpr __mmask16 d = 0xFFFF;
    if constexpr (Mode == single_rounding)
      return _mm512_maskz_min_epi32(d, _mm512_maskz_max_epi32(d, rounded_once(acc), low_output), high_output);
    return _mm512_add_epi32(_mm512_maskz_min_epi32(d, _mm512_maskz_max_epi32(d, rounded<Mode>(acc), low), high), zero);
#else
    return _mm256_add_epi32(_mm256_min_epi32(_mm256_max_epi32(rounded<Mode>(acc), low), high), zero);
#endif
  }
  // With plain() only: acc requantized up to the clamp, + zero (|rounded| <= 2^30: no overflow). Four
  // vectors of them are clamped as bytes once packed (store_four_clamped): a quarter of the clamps.
  template <int Mode = right_shifts>
  vec unclamped(vec acc) const {
    static_assert(Mode != general_shifts);
#if CTNN_INT8_WIDE
    if constexpr (Mode == single_rounding) return rounded_once(acc);
    return _mm512_add_epi32(rounded<Mode>(acc), zero);
#else
    return _mm256_add_epi32(rounded<Mode>(acc), zero);
#endif
  }

  // gemmlowp's rounding doubling high multiply and rounding right shift of acc, before the clamp.
  template <int Mode>
  vec rounded(vec acc) const {
    if constexpr (Mode == single_rounding) return rounded_once(acc);
    constexpr bool Plain = Mode != general_shifts;
#if CTNN_INT8_WIDE
    // (The zero-masked forms: GCC 12 warns of the unmasked ones' undefined pass-through, PR 105593.)
    constexpr __mmask8 q = 0xFF;
    constexpr __mmask16 d = 0xFFFF;
    if (!Plain && shifts_left) {  // acc << left, or INT32_MAX / INT32_MIN (by acc's sign) where that overflows
      const vec moved = _mm512_maskz_sllv_epi32(d, acc, left);
      const vec saturated = _mm512_xor_si512(_mm512_maskz_srai_epi32(d, acc, 31), _mm512_set1_epi32(INT32_MAX));
      acc = _mm512_mask_blend_epi32(_mm512_cmpneq_epi32_mask(_mm512_maskz_srav_epi32(d, moved, left), acc), moved, saturated);
    }
    const vec round = _mm512_set1_epi64(std::int64_t{1} << 30);
    const vec even = _mm512_maskz_srli_epi64(q, _mm512_add_epi64(_mm512_maskz_mul_epi32(q, acc, multiplier), round), 31);
    const vec odd = _mm512_maskz_slli_epi64(
        q, _mm512_add_epi64(_mm512_maskz_mul_epi32(q, _mm512_maskz_srli_epi64(q, acc, 32), multiplier_odd), round), 1);
    const vec h = _mm512_mask_blend_epi32(0xAAAA, even, odd);
    const vec y_minus = _mm512_add_epi32(h, _mm512_maskz_srai_epi32(d, h, 31));
    const vec r = _mm512_maskz_srai_epi32(
        d, _mm512_add_epi32(_mm512_maskz_srav_epi32(d, y_minus, right_minus_one), _mm512_set1_epi32(1)), 1);
    return Plain || all_right ? r : _mm512_mask_blend_epi32(_mm512_test_epi32_mask(shifted, shifted), h, r);
#else
    if (!Plain && shifts_left) {
      const vec moved = _mm256_sllv_epi32(acc, left);
      const vec saturated = _mm256_xor_si256(_mm256_srai_epi32(acc, 31), _mm256_set1_epi32(INT32_MAX));
      acc = _mm256_blendv_epi8(saturated, moved, _mm256_cmpeq_epi32(_mm256_srav_epi32(moved, left), acc));
    }
    const vec round = _mm256_set1_epi64x(std::int64_t{1} << 30);
    const vec even = _mm256_srli_epi64(_mm256_add_epi64(_mm256_mul_epi32(acc, multiplier), round), 31);
    const vec odd = _mm256_slli_epi64(
        _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(acc, 32), multiplier_odd), round), 1);
    const vec h = _mm256_blend_epi32(even, odd, 0xAA);
    const vec y_minus = _mm256_add_epi32(h, _mm256_srai_epi32(h, 31));
    const vec r = _mm256_srai_epi32(
        _mm256_add_epi32(_mm256_srav_epi32(y_minus, right_minus_one), _mm256_set1_epi32(1)), 1);
    return Plain || all_right ? r : _mm256_blendv_epi8(h, r, shifted);
#endif
  }
  // single_rounding's: floor((acc m + 2^30 + 2^(30+e)) / 2^(31+e)), exact where it is >= 0 (below, it is
  // <= 0 and the clamp takes it to the low end); with AVX-512, + z (rounded<single_rounding> is not
  // called there). AVX2 shifts 64-bit lanes only logically: acc is taken to 0 first where negative (the
  // result is clamped then anyway).
  vec rounded_once(vec acc) const {
#if CTNN_INT8_WIDE
    constexpr __mmask8 q = 0xFF;  // (the zero-masked forms, as in rounded)
    const vec even = _mm512_maskz_srav_epi64(q, _mm512_add_epi64(_mm512_maskz_mul_epi32(q, acc, multiplier), once_add), once_shift);
    const vec odd = _mm512_maskz_srav_epi64(
        q, _mm512_add_epi64(_mm512_maskz_mul_epi32(q, _mm512_maskz_srli_epi64(q, acc, 32), multiplier_odd), once_add_odd),
        once_shift_odd);
    return _mm512_mask_blend_epi32(0xAAAA, even, odd);
#else
    acc = _mm256_max_epi32(acc, _mm256_setzero_si256());
    const vec even = _mm256_srlv_epi64(_mm256_add_epi64(_mm256_mul_epi32(acc, multiplier), once_add), once_shift);
    const vec odd = _mm256_srlv_epi64(
        _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(acc, 32), multiplier_odd), once_add_odd), once_shift_odd);
    return _mm256_blend_epi32(even, odd, 0xAA);
#endif
  }
};

// The requantization a layer's requantizers (one per vector of channels) all allow, as a constant for `run`.
template <class Run>
void with_requantization(const requantizer* rq, index_t vectors, Run&& run) {
  int kind = single_rounding;
  for (index_t v = 0; v < vectors; ++v) kind = rq[v].kind() < kind ? rq[v].kind() : kind;
  if (kind == single_rounding) return run(std::integral_constant<int, single_rounding>{});
  if (kind == right_shifts) return run(std::integral_constant<int, right_shifts>{});
  run(std::integral_constant<int, general_shifts>{});
}

// The first n lanes of v (int32 within int8) stored as int8 at y.
inline void store_narrowed(vec v, std::int8_t* y, int n) {
#if CTNN_INT8_WIDE
  const __m128i bytes = _mm512_maskz_cvtepi32_epi8(0xFFFF, v);
#else
  const __m128i words = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  const __m128i bytes = _mm_packs_epi16(words, words);
#endif
  if (n == lanes) {
    std::memcpy(y, &bytes, lanes);
  } else if (n > 0) {
#if CTNN_INT8_WIDE
    _mm_mask_storeu_epi8(y, static_cast<__mmask16>((1u << n) - 1), bytes);
#else
    // The low 8 bytes byte by byte (a memcpy of n bytes is a library call; an array indexed by n made g++-12
    // -O3 warn of offsets past it, -Warray-bounds).
    auto low = static_cast<std::uint64_t>(_mm_cvtsi128_si64(bytes));
    for (int i = 0; i < n && i < lanes; ++i, low >>= 8) y[i] = static_cast<std::int8_t>(low & 0xFF);
#endif
  }
}

// merge.hpp's add_int8, y = a + b, a vector of lanes at a time: each input's difference from its zero
// point shifted left by merge_left_shift, times its multiplier (every lane the same), summed, then the
// output's multiplier, zero point and int8 range, with the requantizer's arithmetic (gemmlowp's, bit
// for bit). (The scalar loop took 40% of the int8 ResNet-18 on x86: 8.5 ns an element.)
inline void add(const std::int8_t* a, std::int32_t a_zero, const std::int8_t* b, std::int32_t b_zero,
                const fixed_multiplier* m, const output_stage& out, std::int8_t* y, count_t size) {
  const auto every_lane = [](fixed_multiplier f, const output_stage& stage) {
    fixed_multiplier same[lanes];
    for (fixed_multiplier& l : same) l = f;
    return requantizer(same, lanes, stage);
  };
  constexpr output_stage unclamped{0, std::numeric_limits<std::int32_t>::min(), std::numeric_limits<std::int32_t>::max()};
  const requantizer to_sum_a = every_lane(m[0], unclamped), to_sum_b = every_lane(m[1], unclamped),
                    to_output = every_lane(m[2], out);
  const vec za = broadcast_value(a_zero), zb = broadcast_value(b_zero);
  for (count_t i = 0; i < size; i += lanes) {
    const int n = size - i < lanes ? static_cast<int>(size - i) : lanes;
    const vec da = shift_lanes_left<merge_left_shift>(subtract_lanes(widen(a + i, n), za));
    const vec db = shift_lanes_left<merge_left_shift>(subtract_lanes(widen(b + i, n), zb));
    store_narrowed(to_output.value(add_lanes(to_sum_a.value(da), to_sum_b.value(db))), y + i, n);
  }
}

// Four vectors (int32) as 4 * lanes consecutive int8, saturated: two saturating packs and one
// permutation (VPMOVDB to memory, one per vector, is slow on AMD's cores).
inline vec packed_four(const vec* v) {
#if CTNN_INT8_WIDE
  // Each 128-bit lane l of the packed bytes holds v[q][4 l, 4 l + 4) at dword q: gathered back in order.
  const vec bytes = _mm512_packs_epi16(_mm512_packs_epi32(v[0], v[1]), _mm512_packs_epi32(v[2], v[3]));
  const vec order = _mm512_set_epi32(15, 11, 7, 3, 14, 10, 6, 2, 13, 9, 5, 1, 12, 8, 4, 0);
  return _mm512_maskz_permutexvar_epi32(0xFFFF, order, bytes);
#else
  const vec bytes = _mm256_packs_epi16(_mm256_packs_epi32(v[0], v[1]), _mm256_packs_epi32(v[2], v[3]));
  return _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
#endif
}
// Four vectors (int32 within int8) stored at y.
inline void store_four(const vec* v, std::int8_t* y) { store(y, packed_four(v)); }
// The same from requantizer::unclamped's values, saturated by the packs, then clamped as bytes.
inline void store_four_clamped(const vec* v, std::int8_t* y, const requantizer& q) {
#if CTNN_INT8_WIDE
  store(y, _mm512_min_epi8(_mm512_max_epi8(packed_four(v), q.low_bytes), q.high_bytes));
#else
  store(y, _mm256_min_epi8(_mm256_max_epi8(packed_four(v), q.low_bytes), q.high_bytes));
#endif
}
inline void store_two(const vec* v, std::int8_t* y) {
#if CTNN_INT8_WIDE
  const vec bytes = _mm512_packs_epi16(_mm512_packs_epi32(v[0], v[1]), _mm512_setzero_si512());
  const vec order = _mm512_set_epi32(0, 0, 0, 0, 0, 0, 0, 0, 13, 9, 5, 1, 12, 8, 4, 0);
  _mm512_mask_storeu_epi8(y, 0xFFFFFFFFull, _mm512_maskz_permutexvar_epi32(0xFFFF, order, bytes));  // the first 32 bytes
#else
  const vec bytes = _mm256_packs_epi16(_mm256_packs_epi32(v[0], v[1]), _mm256_setzero_si256());
  _mm_storeu_si128(reinterpret_cast<__m128i*>(y),
                   _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 0, 0, 0, 0))));
#endif
}
// count vectors of consecutive channels, the last with last_n of its lanes, stored at y.
inline void store_vectors(const vec* v, int count, int last_n, std::int8_t* y) {
  const int whole = last_n == lanes ? count : count - 1;
  int i = 0;
  for (; i + 4 <= whole; i += 4) store_four(v + i, y + i * lanes);
  if (i + 2 <= whole) {
    store_two(v + i, y + i * lanes);
    i += 2;
  }
  for (; i < count; ++i) store_narrowed(v[i], y + i * lanes, i + 1 == count ? last_n : lanes);
}

// The convolution of conv_int8.hpp's Conv (its shapes, window and row length) as a matrix product.
template <class Conv>
struct gemm {
  static constexpr count_t k = Conv::row;
  static constexpr count_t steps = (k + depth - 1) / depth, padded_k = steps * depth;
  static constexpr index_t channels = Conv::out.c;
  // The channel tile: up to 4 vectors (AVX-512) or 2 (AVX2) beside R positions, in the registers.
  static constexpr index_t vectors = (channels + lanes - 1) / lanes;
  static constexpr index_t tile_vectors = vectors < (lanes == 16 ? 4 : 2) ? vectors : (lanes == 16 ? 4 : 2);
#if defined(__GNUC__) && !defined(__clang__)
  static constexpr int positions_per_tile = 4;  // GCC 12 copies a 6 x 4 tile's accumulators every step
  static constexpr bool sums_in_memory = false;
  static constexpr bool gcc_tile = true;
#else
  static constexpr bool gcc_tile = false;
  static constexpr int positions_per_tile = 6;
  static constexpr bool sums_in_memory = true;
#endif
  static constexpr count_t packed_elements = padded_k * vectors * lanes;
  static constexpr count_t row_slack = 8;  // what a short run's conversion may write past the last row
  // A 1x1 window without padding over whole instruction steps, for VPDPBUSD: the input pixel is the row,
  // converted whole instead of gathered. (Read in place and flipped to unsigned as each step broadcast
  // it, it cost three instructions a step and position, where the conversion is one per 32 bytes.)
  static constexpr bool pixel_rows = Conv::direct && depth == 4 && Conv::in.c % depth == 0 && Conv::int_offsets;
  // With unit strides a tile's positions are consecutive pixels: their rows one run, converted at once.
  static constexpr bool consecutive_pixels =
      pixel_rows && Conv::k.stride[0] == 1 && Conv::k.stride[1] == 1 && Conv::k.stride[2] == 1;
  // Windows whose rows (kw C_in values each) are whole instruction steps: the input copied, converted and
  // with its padding, and each step read from there at a constant distance from the window's first
  // element, where a gathered row would copy every window (DS-CNN's 10x4 stem: its rows of 4 gathered per
  // position took 40% of the layer; W3's 3x3 over 64 channels 8%). A small map is copied whole, a larger
  // 2-D one in bands of output rows as the tiles reach them (the band's input rows within band_bytes, so
  // that they stay in L1 beside the weights).
  static constexpr count_t window_row = count_t{Conv::k.kernel[2]} * Conv::in.c;
  static constexpr bool planar = Conv::out.d == 1;
  static constexpr count_t padded_row = count_t{Conv::padded.w} * Conv::in.c;  // elements of one copied row
  static constexpr count_t band_bytes = 24 * 1024;
  // (The input rows `output_rows` output rows read: conv_int8.hpp's covered.)
  static constexpr count_t input_rows_for(index_t output_rows) { return static_cast<count_t>(Conv::covered(1, output_rows)); }
  // Output rows per band: at least one; more while they fit, preferring a count whose positions are whole
  // tiles (W3's 56-wide rows by threes), so that only the map's last tile is partial.
  static constexpr index_t band = [] {
    index_t most = 1;
    while (most < Conv::out.h && input_rows_for(most + 1) * padded_row * sizeof(row_t) <= band_bytes) ++most;
    for (index_t b = most; b > 1; --b)
      if (count_t{b} * Conv::out.w % positions_per_tile == 0 || b == Conv::out.h) return b;
    return most;
  }();
  // (Not with GCC 12: its 4-position tile spills accumulators on the copy's constant offsets, W3 320 us
  // against 286 gathered.)
  static constexpr bool small_copy = Conv::padded.size() * sizeof(row_t) <= 64 * 1024;
  static constexpr bool banded = planar && !small_copy && !gcc_tile;
  static constexpr bool windowed = !pixel_rows && Conv::k.dilation[2] == 1 && window_row % depth == 0 && Conv::int_offsets &&
                                   Conv::k.pad_begin[0] >= 0 && Conv::k.pad_begin[1] >= 0 && Conv::k.pad_begin[2] >= 0 &&
                                   (banded ? input_rows_for(1) * padded_row * sizeof(row_t) <= band_bytes : small_copy);
  static constexpr std::array<index_t, steps> step_offsets = [] {
    std::array<index_t, steps> at{};
    if constexpr (windowed) {
      constexpr std::array<index_t, Conv::taps> taps = Conv::tap_offsets_in(Conv::padded);
      for (count_t s = 0; s < steps; ++s) {
        const count_t kk = s * depth;
        at[s] = taps[kk / window_row * Conv::k.kernel[2]] + static_cast<index_t>(kk % window_row);
      }
    }
    return at;
  }();
  static constexpr count_t padded_copy = !windowed ? 1 : banded ? input_rows_for(band) * padded_row : Conv::padded.size();
  // The rows and the copy on the stack; the packed weights there too unless prepared.
  static constexpr count_t work_bytes = (positions_per_tile * padded_k + row_slack + padded_copy) * sizeof(row_t);
  static constexpr bool fits = work_bytes <= x86_int8_stack_bytes;

  // The block: the weights in NHWC's window order (k = tap * C_in + input channel, PyTorch's is input
  // channel * taps + tap), block by block of tile_vectors * lanes channels as [step][channel][depth], zero
  // past the layer's channels and past K; then the accumulators' start per channel (zero past them).
  static constexpr count_t start_at = impl::align_up(packed_elements * sizeof(weight_t));
  static constexpr count_t prepared_bytes = start_at + count_t{vectors} * lanes * sizeof(std::int32_t);
  static constexpr bool packs_on_stack = prepared_bytes + work_bytes <= x86_int8_stack_bytes;
  static constexpr count_t own_bytes = packs_on_stack ? prepared_bytes : 64;
  static void pack(const int8_call& c, std::byte* block) {
    weight_t* to = reinterpret_cast<weight_t*>(block);
    std::int32_t* start = reinterpret_cast<std::int32_t*>(block + start_at);
    for (index_t first = 0; first < channels; first += tile_vectors * lanes) {
      const index_t width = (vectors - first / lanes < tile_vectors ? vectors - first / lanes : tile_vectors) * lanes;
      for (count_t s = 0; s < steps; ++s)
        for (index_t j = 0; j < width; ++j)
          for (int d = 0; d < depth; ++d) {
            const count_t kk = s * depth + static_cast<count_t>(d);
            const index_t oc = first + j;
            const count_t from = kk % Conv::in.c * Conv::taps + kk / Conv::in.c;
            *to++ = oc < channels && kk < k ? static_cast<weight_t>(c.weights[oc * k + from]) : weight_t{0};
          }
    }
    for (index_t oc = 0; oc < channels; ++oc) {
      std::int32_t sum = 0;
      for (count_t kk = 0; kk < k; ++kk) sum += c.weights[oc * k + kk];
      start[oc] = c.kernel_biases[oc] - row_offset * sum;
    }
    for (index_t oc = channels; oc < vectors * lanes; ++oc) start[oc] = 0;
  }

  static const std::int8_t* input_end(const int8_call& c) {
    return c.x + count_t{Conv::in.c} * Conv::in.w * Conv::in.h * Conv::in.d;
  }
  // Output position p's window in NHWC's order, as the instruction reads it: runs of kw * C_in bytes
  // copied where a row of the window lies inside the input, the input's zero point where it is padding.
  static void gather(const int8_call& c, count_t p, row_t* to) {
    constexpr window3 w = Conv::k;
    constexpr dims4 in = Conv::in, out = Conv::out;
    const index_t ox = static_cast<index_t>(p % out.w), oy = static_cast<index_t>(p / out.w % out.h),
                  oz = static_cast<index_t>(p / (count_t{out.w} * out.h));
    const index_t z0 = oz * w.stride[0] - w.pad_begin[0], y0 = oy * w.stride[1] - w.pad_begin[1],
                  x0 = ox * w.stride[2] - w.pad_begin[2];
    const row_t zero = to_row(static_cast<std::int8_t>(c.in.zero_point));
    const std::int8_t* end = input_end(c);
    constexpr count_t run = count_t{w.kernel[2]} * in.c;
    const bool whole_run = w.dilation[2] == 1 && x0 >= 0 && x0 + w.kernel[2] <= in.w;
    for (index_t kz = 0; kz < w.kernel[0]; ++kz)
      for (index_t ky = 0; ky < w.kernel[1]; ++ky, to += run) {
        const index_t iz = z0 + kz * w.dilation[0], iy = y0 + ky * w.dilation[1];
        if (iz < 0 || iz >= in.d || iy < 0 || iy >= in.h) {
          for (count_t i = 0; i < run; ++i) to[i] = zero;
        } else if (whole_run) {
          convert(c.x + offset<layout::nhwc>(in, 0, iz, iy, x0), to, run, end);
        } else {
          for (index_t kx = 0; kx < w.kernel[2]; ++kx) {
            const index_t ix = x0 + kx * w.dilation[2];
            row_t* tap = to + count_t{kx} * in.c;
            if (ix >= 0 && ix < in.w) {
              convert(c.x + offset<layout::nhwc>(in, 0, iz, iy, ix), tap, in.c, end);
            } else {
              for (index_t i = 0; i < in.c; ++i) tap[i] = zero;
            }
          }
        }
      }
  }
  // to[i] = to_row(from[i]), i < n, in vector chunks (the last one overlapping the one before it, so that
  // nothing past from + n is read); compilers leave the byte loop scalar. A run shorter than 8 converts 8
  // where they lie inside the input (before end): what it writes past n is the next run's, written after
  // it, or past the row's K, where the weights are zero (rows have row_slack elements past the last).
  static void convert(const std::int8_t* from, row_t* to, count_t n, const std::int8_t* end) {
    if (n < 8) {
      if (end - from >= 8) return convert_chunk(from, to, 8);
      for (count_t i = 0; i < n; ++i) to[i] = to_row(from[i]);
      return;
    }
    const count_t chunk = depth == 4 && n >= 32 ? 32 : n >= 16 ? 16 : 8;
    count_t i = 0;
    for (; i + chunk <= n; i += chunk) convert_chunk(from + i, to + i, chunk);
    if (i < n) convert_chunk(from + n - chunk, to + n - chunk, chunk);
  }
  static void convert_chunk(const std::int8_t* from, row_t* to, count_t chunk) {
    if (chunk == 32) {  // (depth 4)
      const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(from));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(to), _mm256_xor_si256(x, _mm256_set1_epi8(static_cast<char>(0x80))));
    } else if (chunk == 16) {
      const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(from));
      if constexpr (depth == 4) {
        _mm_storeu_si128(reinterpret_cast<__m128i*>(to), _mm_xor_si128(x, _mm_set1_epi8(static_cast<char>(0x80))));
      } else {
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(to), _mm256_cvtepi8_epi16(x));
      }
    } else {
      const __m128i x = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(from));
      if constexpr (depth == 4) {
        _mm_storel_epi64(reinterpret_cast<__m128i*>(to), _mm_xor_si128(x, _mm_set1_epi8(static_cast<char>(0x80))));
      } else {
        _mm_storeu_si128(reinterpret_cast<__m128i*>(to), _mm_cvtepi8_epi16(x));
      }
    }
  }

  // R rows by V vectors of channels from `first`: accumulate over every step, requantize (as Mode: what
  // every requantizer allows), store.
  template <int V, int Mode>
  static void tile(const row_t* const* rows, const weight_t* w, const std::int32_t* start, index_t first,
                   const requantizer* rq, std::int8_t* y, int valid_rows) {
    constexpr int R = positions_per_tile;
    // (Every loop over the tile unrolled by pragma: GCC 12 otherwise keeps acc in memory.)
    vec acc[R][V];
#pragma GCC unroll 16
    for (int v = 0; v < V; ++v) {
      const vec s = load(start + first + v * lanes);
#pragma GCC unroll 16
      for (int r = 0; r < R; ++r) acc[r][v] = s;
    }
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC unroll 2  // GCC 12 moves accumulators between registers once per step of the loop: half as often
#endif
    for (count_t s = 0; s < steps; ++s, w += V * lanes * depth) {
      vec wv[V];
#pragma GCC unroll 16
      for (int v = 0; v < V; ++v) wv[v] = load(w + v * lanes * depth);
#pragma GCC unroll 16
      for (int r = 0; r < R; ++r) {
        const vec x = broadcast(rows[r] + (windowed ? step_offsets[s] : s * depth));
#pragma GCC unroll 16
        for (int v = 0; v < V; ++v) acc[r][v] = mac(acc[r][v], x, wv[v]);
      }
    }
    const int last_n = channels - first - (V - 1) * lanes < lanes ? static_cast<int>(channels - first - (V - 1) * lanes) : lanes;
    // With clang the sums leave the registers before the requantization, whose constants would otherwise
    // compete with the accumulators for registers across the loop above (W4's pointwise layer 5-10%
    // faster); GCC's smaller tile is slower so.
    if constexpr (sums_in_memory) {
      alignas(64) std::int32_t sums[R][V][lanes];
#pragma GCC unroll 16
      for (int r = 0; r < R; ++r)
#pragma GCC unroll 16
        for (int v = 0; v < V; ++v) store(sums[r][v], acc[r][v]);
      for (int r = 0; r < R && r < valid_rows; ++r) {
        vec values[V];
        if constexpr (Mode != general_shifts && V == 4) {
          if (last_n == lanes) {
#pragma GCC unroll 16
            for (int v = 0; v < V; ++v) values[v] = rq[first / lanes + v].template unclamped<Mode>(load(sums[r][v]));
            store_four_clamped(values, y + r * channels + first, rq[first / lanes]);
            continue;
          }
        }
#pragma GCC unroll 16
        for (int v = 0; v < V; ++v) values[v] = rq[first / lanes + v].template value<Mode>(load(sums[r][v]));
        store_vectors(values, V, last_n, y + r * channels + first);
      }
    } else {
#pragma GCC unroll 16
      for (int r = 0; r < R; ++r) {
        if (r >= valid_rows) break;
        vec values[V];
        if constexpr (Mode != general_shifts && V == 4) {
          if (last_n == lanes) {
#pragma GCC unroll 16
            for (int v = 0; v < V; ++v) values[v] = rq[first / lanes + v].template unclamped<Mode>(acc[r][v]);
            store_four_clamped(values, y + r * channels + first, rq[first / lanes]);
            continue;
          }
        }
#pragma GCC unroll 16
        for (int v = 0; v < V; ++v) values[v] = rq[first / lanes + v].template value<Mode>(acc[r][v]);
        store_vectors(values, V, last_n, y + r * channels + first);
      }
    }
  }

  static void run(const int8_call& c, const output_stage& stage) {
    alignas(64) std::byte own[own_bytes];  // (left alone when prepared)
    alignas(64) row_t rows[windowed ? 1 : positions_per_tile * padded_k + row_slack];
    alignas(64) row_t copy[padded_copy];
    const std::byte* block = packed_block<gemm>(c, own);
    const weight_t* packed = reinterpret_cast<const weight_t*>(block);
    const std::int32_t* start = reinterpret_cast<const std::int32_t*>(block + start_at);
    requantizer rqs[vectors];
    for (index_t v = 0; v < vectors; ++v) {
      const index_t oc = v * lanes;
      rqs[v] = requantizer(c.multipliers + oc, channels - oc < lanes ? static_cast<int>(channels - oc) : lanes, stage);
    }
    with_requantization(rqs, vectors, [&](auto mode) { run_tiles<decltype(mode)::value>(c, packed, start, rqs, rows, copy); });
  }

  template <int Mode>
  static void run_tiles(const int8_call& c, const weight_t* packed, const std::int32_t* start, const requantizer* rqs,
                        row_t* rows, row_t* copy) {
    constexpr dims4 out = Conv::out;
    constexpr count_t positions = count_t{out.d} * out.h * out.w;
    const auto to_unsigned = [](std::int8_t v) { return to_row(v); };
    if constexpr (windowed && banded) {
      for (index_t oy0 = 0; oy0 < out.h; oy0 += band) {
        const index_t band_rows = out.h - oy0 < band ? out.h - oy0 : band;
        Conv::copy_padded_rows(c, copy, count_t{oy0} * Conv::k.stride[1], input_rows_for(band_rows), to_unsigned);
        tiles<Mode>(c, count_t{oy0} * out.w, count_t{oy0 + band_rows} * out.w, packed, start, rqs, rows, copy,
                     Conv::padded_first(0, oy0, 0));
      }
    } else {
      if constexpr (windowed) Conv::copy_padded(c, copy, to_unsigned);
      if constexpr (!pixel_rows && !windowed)
        for (count_t s = Conv::row; s < padded_k; ++s)
          for (int r = 0; r < positions_per_tile; ++r) rows[r * padded_k + s] = row_t{0};
      tiles<Mode>(c, 0, positions, packed, start, rqs, rows, copy, 0);
    }
  }

  // The tiles of positions [first, end); a windowed one's copy holds the padded input from element
  // copy_origin on.
  template <int Mode>
  [[gnu::always_inline]] static void tiles(const int8_call& c, count_t first, count_t end, const weight_t* packed, const std::int32_t* start,
                    const requantizer* rqs, row_t* rows, const row_t* copy, index_t copy_origin) {
    constexpr dims4 out = Conv::out;
    const row_t* row[positions_per_tile];
    for (count_t p = first; p < end; p += positions_per_tile) {
      const int valid = end - p < positions_per_tile ? static_cast<int>(end - p) : positions_per_tile;
      if constexpr (consecutive_pixels) convert(c.x + p * Conv::in.c, rows, static_cast<count_t>(valid) * padded_k, input_end(c));
      for (int r = 0; r < positions_per_tile; ++r) {
        const count_t at = p + static_cast<count_t>(r < valid ? r : valid - 1);
        if constexpr (consecutive_pixels) {
          row[r] = rows + (at - p) * padded_k;
        } else if constexpr (pixel_rows) {
          row[r] = rows + r * padded_k;
          convert(Conv::row_of(c, static_cast<index_t>(at), nullptr), rows + r * padded_k, padded_k, input_end(c));
        } else if constexpr (windowed) {
          const index_t ox = static_cast<index_t>(at % out.w), oy = static_cast<index_t>(at / out.w % out.h),
                        oz = static_cast<index_t>(at / (count_t{out.w} * out.h));
          row[r] = copy + (Conv::padded_first(oz, oy, ox) - copy_origin);
        } else {
          row[r] = rows + r * padded_k;
          gather(c, at, rows + r * padded_k);
        }
      }
      std::int8_t* y = c.y + p * channels;
      const weight_t* w = packed;
      for (index_t first = 0; first < channels; first += tile_vectors * lanes) {
        const index_t left = vectors - first / lanes;
        if (left >= tile_vectors) {
          tile<tile_vectors, Mode>(row, w, start, first, rqs, y, valid);
          w += steps * tile_vectors * lanes * depth;
        } else {
          run_tail<tile_vectors - 1, Mode>(left, row, w, start, first, rqs, y, valid);
        }
      }
    }
  }

  // The last block's V (< tile_vectors), dispatched to its instantiation.
  template <int V, int Mode>
  static void run_tail(index_t left, const row_t* const* rows, const weight_t* w, const std::int32_t* start, index_t first,
                       const requantizer* rq, std::int8_t* y, int valid) {
    if constexpr (V >= 1) {
      if (left == V) return tile<V, Mode>(rows, w, start, first, rq, y, valid);
      run_tail<V - 1, Mode>(left, rows, w, start, first, rq, y, valid);
    }
  }
};


// The depthwise convolution (one input channel per output channel): for each output position and each
// vector of channels, every tap's input widened to int32 lanes and multiplied with VPMADDWD (the weight in
// the low half of its lane, zero above, so the lane's product is x w: one fast instruction where VPMULLD
// is two slow ones on Intel), then the requantizer. A window inside the input starts from the kernel
// biases (b - z sum w) and reads each tap at a fixed distance; one at the border starts from the biases
// and adds (x - z) w over the taps inside. Outputs along a row whose windows lie inside share their
// columns (along_row), multiplying and adding in one VPDPWSSD where VNNI has it (their accumulators are
// independent, so its latency is hidden).
template <class Conv>
struct depthwise {
  static constexpr index_t channels = Conv::in.c;
  static constexpr index_t vectors = (channels + lanes - 1) / lanes;
  static constexpr count_t taps = Conv::taps;
  static constexpr bool fits = taps * vectors * lanes * sizeof(std::int32_t) <= x86_int8_stack_bytes && Conv::int_offsets;
  static constexpr bool packs_on_stack = true;  // (fits counts the block)

#if CTNN_INT8_WIDE
  static vec multiply_add(vec acc, vec x, vec w) { return _mm512_add_epi32(acc, _mm512_madd_epi16(x, w)); }
#if CTNN_INT8_DOT == 4
  static vec multiply_add_fused(vec acc, vec x, vec w) {
#if defined(__GNUC__) && !defined(__clang__)
    asm("vpdpwssd %2, %1, %0" : "+v"(acc) : "v"(x), "vm"(w));  // (in place: as mac above)
    return acc;
#else
    return _mm512_dpwssd_epi32(acc, x, w);
#endif
  }
#else
  static vec multiply_add_fused(vec acc, vec x, vec w) { return multiply_add(acc, x, w); }
#endif
  static vec minus(vec a, vec b) { return _mm512_sub_epi32(a, b); }
  static vec splat(std::int32_t v) { return _mm512_set1_epi32(v); }
#else
  static vec multiply_add(vec acc, vec x, vec w) { return _mm256_add_epi32(acc, _mm256_madd_epi16(x, w)); }
#if CTNN_INT8_DOT == 4 && defined(__AVX512VNNI__) && defined(__AVX512VL__)
  static vec multiply_add_fused(vec acc, vec x, vec w) { return _mm256_dpwssd_epi32(acc, x, w); }
#elif CTNN_INT8_DOT == 4
  static vec multiply_add_fused(vec acc, vec x, vec w) { return _mm256_dpwssd_avx_epi32(acc, x, w); }
#else
  static vec multiply_add_fused(vec acc, vec x, vec w) { return multiply_add(acc, x, w); }
#endif
  static vec minus(vec a, vec b) { return _mm256_sub_epi32(a, b); }
  static vec splat(std::int32_t v) { return _mm256_set1_epi32(v); }
#endif
  // The taps [lo, hi) of a window starting at `first` along dim that fall inside [0, extent).
  static void taps_inside(index_t first, int dim, index_t extent, index_t& lo, index_t& hi) {
    lo = 0;
    hi = Conv::k.kernel[dim];
    while (lo < hi && first + lo * Conv::k.dilation[dim] < 0) ++lo;
    while (hi > lo && first + (hi - 1) * Conv::k.dilation[dim] >= extent) --hi;
  }
  static constexpr int count_of(index_t v) { return channels - v * lanes < lanes ? static_cast<int>(channels - v * lanes) : lanes; }

  // Along a row, `along_row` outputs side by side share their windows' columns: each input pixel of a
  // kernel row is widened once and serves every output whose window holds it (3 outputs of a 3-wide
  // stride-1 window), where one output at a time widens every tap. As many outputs as leave the columns
  // and the accumulators in registers (32 on AVX-512, 16 on AVX2; the weights are read from memory).
  static constexpr index_t stride_x = Conv::k.stride[2], dilation_x = Conv::k.dilation[2], kernel_x = Conv::k.kernel[2];
  static constexpr index_t columns_for(int outputs) { return (outputs - 1) * stride_x + (kernel_x - 1) * dilation_x + 1; }
  static constexpr int along_row = [] {
    const index_t registers = lanes == 16 ? 26 : 13;
    for (int t = lanes == 16 ? 8 : 4; t > 1; t /= 2)
      if (t + columns_for(t) <= registers) return t;
    return 1;
  }();
  // The outputs of a row whose window lies inside the input along x: [inner_first, inner_end).
  static constexpr index_t inner_first = (Conv::k.pad_begin[2] + stride_x - 1) / stride_x;
  static constexpr index_t inner_end = [] {
    const index_t last_start = Conv::in.w - 1 - (kernel_x - 1) * dilation_x + Conv::k.pad_begin[2];
    const index_t end = last_start < 0 ? 0 : last_start / stride_x + 1;
    return end < Conv::out.w ? end : Conv::out.w;
  }();

  // The most outputs of a row of `width` a tile takes: a power of two, at most along_row.
  static constexpr int tile_for(index_t width) {
    int t = along_row;
    while (t > 1 && t > width) t /= 2;
    return t;
  }

  // T outputs side by side of a row, every window inside the input (Offsets: each tap's distance from the
  // window's first element); the first one's window starts at `first_pixel`. Channel vector v; the last
  // (Partial) one has count_of(vectors - 1) lanes.
  template <int T, bool Partial, const std::array<index_t, taps>& Offsets, int Mode>
  static void along_row_vector(index_t v, const std::int8_t* first_pixel, const std::int32_t* weights,
                               const std::int32_t* kernel_biases, const requantizer& rq, std::int8_t* y) {
    constexpr index_t span = columns_for(T);
    constexpr count_t kernel_rows = taps / kernel_x;
    const int n = Partial ? count_of(vectors - 1) : lanes;
    vec acc[T];
    const vec start = load(kernel_biases + v * lanes);
#pragma GCC unroll 16
    for (int t = 0; t < T; ++t) acc[t] = start;
    for (count_t r = 0; r < kernel_rows; ++r) {
      const std::int8_t* row = first_pixel + Offsets[r * kernel_x] + v * lanes;
      vec column[span];
#pragma GCC unroll 32
      for (index_t i = 0; i < span; ++i) column[i] = widen(row + i * channels, n);
#pragma GCC unroll 16
      for (index_t kx = 0; kx < kernel_x; ++kx) {
        const vec w = load(weights + ((r * kernel_x + kx) * vectors + v) * lanes);
#pragma GCC unroll 16
        for (int t = 0; t < T; ++t) acc[t] = multiply_add_fused(acc[t], column[t * stride_x + kx * dilation_x], w);
      }
    }
#pragma GCC unroll 16
    for (int t = 0; t < T; ++t) store_narrowed(rq.template value<Mode>(acc[t]), y + t * channels + v * lanes, n);
  }
  template <int T, const std::array<index_t, taps>& Offsets, int Mode>
  static void along_row_outputs(const std::int8_t* first_pixel, const std::int32_t* weights, const std::int32_t* kernel_biases,
                                const requantizer* rq, std::int8_t* y) {
    constexpr index_t whole_vectors = count_of(vectors - 1) == lanes ? vectors : vectors - 1;
    for (index_t v = 0; v < whole_vectors; ++v)
      along_row_vector<T, false, Offsets, Mode>(v, first_pixel, weights, kernel_biases, rq[v], y);
    if constexpr (whole_vectors < vectors)
      along_row_vector<T, true, Offsets, Mode>(vectors - 1, first_pixel, weights, kernel_biases, rq[vectors - 1], y);
  }

  // One output whose window lies inside the input, from its first element.
  template <const std::array<index_t, taps>& Offsets, int Mode>
  static void one_output(const std::int8_t* first_pixel, const std::int32_t* weights, const std::int32_t* kernel_biases,
                         const requantizer* rq, std::int8_t* y) {
    vec values[vectors];
    for (index_t v = 0; v < vectors; ++v) {
      const int n = count_of(v);
      vec acc = load(kernel_biases + v * lanes);
      for (count_t t = 0; t < taps; ++t)
        acc = multiply_add(acc, widen(first_pixel + Offsets[t] + v * lanes, n), load(weights + (t * vectors + v) * lanes));
      values[v] = rq[v].template value<Mode>(acc);
    }
    store_vectors(values, vectors, count_of(vectors - 1), y);
  }

  // Small maps with padding, where the border holds a large share of the outputs (DS-CNN's 25 x 5, the
  // 7 x 7 at MobileNet's end): the input copied once into a buffer on the stack with its padding, the
  // zero point, so that every window lies inside it (a padding tap adds z w, which the kernel biases'
  // b - z sum w takes out again), each row in tiles.
  struct padded {
    static constexpr dims4 dims = Conv::padded;
    static constexpr std::array<index_t, taps> tap_offsets = Conv::tap_offsets_in(dims);
    static constexpr bool usable = Conv::pads && Conv::k.pad_begin[0] >= 0 && Conv::k.pad_begin[1] >= 0 && Conv::k.pad_begin[2] >= 0;
    static constexpr bool worth = usable && dims.size() <= 96 * 1024;
    // A larger 2-D map (MobileNet's 112 x 112) is copied in bands of output rows, their input rows within
    // 24 KiB, as the rows reach them: no window at a border then (the border's outputs, 4% of W4's, took
    // a fifth of the layer one tap at a time).
    static constexpr count_t row_elements = count_t{dims.w} * dims.c;
    // (The input rows `output_rows` output rows read: conv_int8.hpp's covered.)
    static constexpr count_t input_rows_for(index_t output_rows) { return static_cast<count_t>(Conv::covered(1, output_rows)); }
    static constexpr count_t band_bytes = 24 * 1024;
    static constexpr index_t band = [] {
      index_t b = 1;
      while (b < Conv::out.h && input_rows_for(b + 1) * row_elements <= band_bytes) ++b;
      return b;
    }();
    static constexpr bool banded = !worth && usable && Conv::out.d == 1 && input_rows_for(1) * row_elements <= band_bytes;
    static constexpr count_t copy_elements = worth ? dims.size() : banded ? input_rows_for(band) * row_elements : 1;
  };

  template <int Mode>
  static void run_padded(const int8_call& c, const std::int32_t* weights, const std::int32_t* kernel_biases, const requantizer* rq) {
    constexpr dims4 out = Conv::out;
    alignas(64) std::int8_t x[padded::copy_elements];
    constexpr auto same = [](std::int8_t v) { return v; };
    if constexpr (padded::worth) {
      Conv::copy_padded(c, x, same);
      for (index_t oz = 0; oz < out.d; ++oz)
        for (index_t oy = 0; oy < out.h; ++oy)
          padded_row<tile_for(out.w), 0, Mode>(x + Conv::padded_first(oz, oy, 0), weights, kernel_biases, rq,
                                                c.y + offset<layout::nhwc>(out, 0, oz, oy, 0));
    } else {
      for (index_t oy0 = 0; oy0 < out.h; oy0 += padded::band) {
        const index_t rows = out.h - oy0 < padded::band ? out.h - oy0 : padded::band;
        Conv::copy_padded_rows(c, x, count_t{oy0} * Conv::k.stride[1], padded::input_rows_for(rows), same);
        for (index_t oy = oy0; oy < oy0 + rows; ++oy)
          padded_row<tile_for(out.w), 0, Mode>(x + Conv::padded_first(0, oy - oy0, 0), weights, kernel_biases, rq,
                                                c.y + offset<layout::nhwc>(out, 0, 0, oy, 0));
      }
    }
  }
  // The outputs [From, out.w) of a row whose windows start from `first` in a padded copy: tiles of T side
  // by side, the rest in tiles of T / 2, T / 4, ..., one. (Constant bounds: GCC 12 at -O3 otherwise sees
  // the rest's loop start anywhere and warns of overflow.)
  template <int T, index_t From, int Mode>
  static void padded_row(const std::int8_t* first, const std::int32_t* weights, const std::int32_t* kernel_biases,
                         const requantizer* rq, std::int8_t* y) {
    constexpr index_t width = Conv::out.w, tiled = From + (width - From) / T * T;
    if constexpr (T > 1) {
      for (index_t ox = From; ox < tiled; ox += T)
        along_row_outputs<T, padded::tap_offsets, Mode>(first + Conv::padded_first(0, 0, ox), weights, kernel_biases, rq,
                                                         y + count_t{ox} * channels);
      if constexpr (tiled < width) padded_row<T / 2, tiled, Mode>(first, weights, kernel_biases, rq, y);
    } else {
      for (index_t ox = From; ox < width; ++ox)
        one_output<padded::tap_offsets, Mode>(first + Conv::padded_first(0, 0, ox), weights, kernel_biases, rq, y + count_t{ox} * channels);
    }
  }

  // The weights [tap][channel] (each in the low 16 bits of its lane), then the biases and the kernel biases,
  // each padded to whole vectors with zeros: the block prepare_into keeps for this layer, or the stack's.
  static constexpr count_t padded_channels = count_t{vectors} * lanes;
  static constexpr count_t prepared_bytes = (taps + 2) * padded_channels * sizeof(std::int32_t);
  static void pack(const int8_call& c, std::byte* to) {
    std::int32_t* block = reinterpret_cast<std::int32_t*>(to);
    for (count_t i = 0; i < (taps + 2) * padded_channels; ++i) block[i] = 0;
    for (index_t ch = 0; ch < channels; ++ch) {
      for (count_t t = 0; t < taps; ++t) block[t * padded_channels + ch] = static_cast<std::uint16_t>(c.weights[ch * taps + t]);
      block[taps * padded_channels + ch] = c.biases[ch];
      block[(taps + 1) * padded_channels + ch] = c.kernel_biases[ch];
    }
  }

  static void run(const int8_call& c, const output_stage& stage) {
    alignas(64) std::byte own[prepared_bytes];  // (left alone when prepared)
    const std::int32_t* weights = reinterpret_cast<const std::int32_t*>(packed_block<depthwise>(c, own));
    const std::int32_t* const bias_lanes[2] = {weights + taps * padded_channels, weights + (taps + 1) * padded_channels};
    requantizer rq[vectors];
    for (index_t v = 0; v < vectors; ++v) rq[v] = requantizer(c.multipliers + v * lanes, count_of(v), stage);
    with_requantization(rq, vectors, [&](auto mode) { run_requantized<decltype(mode)::value>(c, weights, bias_lanes, rq); });
  }

  template <int Mode>
  static void run_requantized(const int8_call& c, const std::int32_t* weights, const std::int32_t* const* bias_lanes,
                              const requantizer* rq) {
    if constexpr (padded::worth || padded::banded) {
      run_padded<Mode>(c, weights, bias_lanes[1], rq);
      return;
    }
    constexpr dims4 in = Conv::in, out = Conv::out;
    constexpr window3 k = Conv::k;
    constexpr const auto& distance = Conv::tap_offsets;  // of each tap from the window's first
    constexpr int T = tile_for(inner_end - inner_first);
    const vec zero = splat(c.in.zero_point);
    for (index_t oz = 0; oz < out.d; ++oz)
      for (index_t oy = 0; oy < out.h; ++oy)
        for (index_t ox = 0; ox < out.w; ++ox) {
          const auto [z0, y0, x0, all_inside, origin] = Conv::window_at(oz, oy, ox);
          std::int8_t* y = c.y + offset<layout::nhwc>(out, 0, oz, oy, ox);
          if constexpr (T > 1) {
            if (all_inside && ox + T <= inner_end) {
              along_row_outputs<T, Conv::tap_offsets, Mode>(c.x + origin, weights, bias_lanes[1], rq, y);
              ox += T - 1;
              continue;
            }
          }
          if (all_inside) {
            one_output<Conv::tap_offsets, Mode>(c.x + origin, weights, bias_lanes[1], rq, y);
            continue;
          }
          // At the border: the taps inside, a range along each dim, each from the window's first element
          // (counted, not pointed at: it may lie outside the input).
          index_t lo[3], hi[3];
          taps_inside(z0, 0, in.d, lo[0], hi[0]);
          taps_inside(y0, 1, in.h, lo[1], hi[1]);
          taps_inside(x0, 2, in.w, lo[2], hi[2]);
          const count_t first = origin;
          vec values[vectors];
          for (index_t v = 0; v < vectors; ++v) {
            const int n = count_of(v);
            vec acc = load(bias_lanes[0] + v * lanes);
            for (index_t kz = lo[0]; kz < hi[0]; ++kz)
              for (index_t ky = lo[1]; ky < hi[1]; ++ky)
                for (index_t kx = lo[2]; kx < hi[2]; ++kx) {
                  const count_t t = (count_t{kz} * k.kernel[1] + ky) * k.kernel[2] + kx;
                  acc = multiply_add(acc, minus(widen(c.x + (first + distance[t] + v * lanes), n), zero),
                                     load(weights + (t * vectors + v) * lanes));
                }
            values[v] = rq[v].template value<Mode>(acc);
          }
          store_vectors(values, vectors, count_of(vectors - 1), y);
        }
  }
};

// ---- Winograd F(2x2, 3x3) in integers -------------------------------------------------------------
// A 3x3 convolution of stride 1 as ctnn/kernels/conv.hpp's float Winograd (its transforms, winograd_*),
// and exact: the transformed weights U = (2G) g (2G)^T are integers within int16 (|U| <= 9 x 128), so is the
// transformed input V = B^T (x - z) B (|V| <= 4 x 255), their products summed over the input channels
// in int32 by pairs (VPMADDWD, VPDPWSSD), and the output transform A^T M A is 4 times the direct sum,
// divided back exactly: the reference's integers. 8 pair instructions per input channel and 4 outputs
// where the direct matrix product takes 18 with VPMADDWD, so only where that is the instruction (AVX2,
// AVX-512 without VNNI; VPDPBUSD's 9 gain nothing). At most 192 input channels: every int32 sum stays
// below 2^31 (9 x 1152 x 1020 x C).
template <class Conv>
struct winograd {
  static constexpr window3 k = Conv::k;
  static constexpr index_t C = Conv::in.c, CO = Conv::out.c, pairs = (C + 1) / 2;
  static constexpr index_t vectors = (CO + lanes - 1) / lanes, padded_out = vectors * lanes;
  static constexpr index_t tile_vectors = vectors < (lanes == 16 ? 4 : 2) ? vectors : (lanes == 16 ? 4 : 2);
  static constexpr index_t tiles_h = (Conv::out.h + 1) / 2, tiles_w = (Conv::out.w + 1) / 2;
  static constexpr index_t R = lanes == 16 ? 6 : 4;  // tiles per register tile
  // U's planes (one per element e) 64 bytes further apart than they need: at a multiple of 4 KiB, the
  // packing's 16 streams of stores fell into one L1 set (W3's packing took 18% of the layer).
  static constexpr count_t u_plane = count_t{pairs} * padded_out * 2 + 32;
  static constexpr count_t u_elements = 16 * u_plane, v_elements = 16 * count_t{tiles_w} * pairs * 2,
                           m_elements = 16 * count_t{tiles_w} * padded_out;
  static constexpr bool fits = depth == 2 && Conv::ungrouped && Conv::int_offsets && Conv::in.d == 1 &&
                               k.kernel[0] == 1 && k.kernel[1] == 3 && k.kernel[2] == 3 && k.stride[1] == 1 &&
                               k.stride[2] == 1 && k.dilation[1] == 1 && k.dilation[2] == 1 && C >= 16 && C <= 192 &&
                               CO >= 16 && tiles_w >= R &&
                               (u_elements + v_elements) * 2 + m_elements * 4 <= 448 * 1024;
  static constexpr bool packs_on_stack = true;  // (fits counts the block, U)

  // The pair products (VPDPWSSD where VNNI has it) and the lanes' arithmetic.
  using pair_products = depthwise<Conv>;
#if CTNN_INT8_WIDE
  static vec add(vec a, vec b) { return _mm512_add_epi32(a, b); }
  static vec sub(vec a, vec b) { return _mm512_sub_epi32(a, b); }
  static vec quarter(vec a) { return _mm512_maskz_srai_epi32(0xFFFF, a, 2); }  // (zero-masked: GCC 12 PR 105593)
#else
  static vec add(vec a, vec b) { return _mm256_add_epi32(a, b); }
  static vec sub(vec a, vec b) { return _mm256_sub_epi32(a, b); }
  static vec quarter(vec a) { return _mm256_srai_epi32(a, 2); }
#endif

  // The block: U[e][pair][channel][2], input channels 2p and 2p + 1 side by side as VPMADDWD pairs them
  // (input channel by input channel, so that each element's plane is written in order); then the biases,
  // zero past the layer's channels.
  static constexpr count_t bias_at = impl::align_up(u_elements * sizeof(std::int16_t));
  static constexpr count_t prepared_bytes = bias_at + count_t{padded_out} * sizeof(std::int32_t);
  static void pack(const int8_call& c, std::byte* block) {
    std::int16_t* u = reinterpret_cast<std::int16_t*>(block);
    std::int32_t* bias = reinterpret_cast<std::int32_t*>(block + bias_at);
    for (index_t oc = 0; oc < padded_out; ++oc) bias[oc] = oc < CO ? c.biases[oc] : 0;
    if (C % 2 != 0 || CO != padded_out) std::memset(u, 0, u_elements * sizeof(std::int16_t));  // the pairs' and lanes' padding
    for (index_t ic = 0; ic < C; ++ic)
      for (index_t oc = 0; oc < CO; ++oc) {
        const std::int8_t* from = c.weights + (count_t{oc} * C + ic) * 9;
        std::int32_t g[9], transformed[16];
        for (int i = 0; i < 9; ++i) g[i] = from[i];
        winograd_weights(g, transformed);
        std::int16_t* to = u + (count_t{ic / 2} * padded_out + oc) * 2 + ic % 2;
        for (int e = 0; e < 16; ++e) to[e * u_plane] = static_cast<std::int16_t>(transformed[e]);
      }
  }

  // Row ty of tiles: V[e][t][pair][2] = (B^T (x - z) B)[e]; outside the input the patch reads a row of the
  // zero point (so x - z = 0, as the reference's padding). A loop over the channels without branches:
  // vectorized by the compiler.
  static void transform_inputs(const int8_call& c, const std::int8_t* zero_points, index_t ty, std::int16_t* v) {
    constexpr count_t plane = count_t{tiles_w} * pairs * 2;  // between elements e and e + 1
    const std::int16_t z = static_cast<std::int16_t>(c.in.zero_point);
    for (index_t t = 0; t < tiles_w; ++t) {
      const std::int8_t* d[4][4];
      for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j) {
          const index_t iy = 2 * ty - k.pad_begin[1] + i, ix = 2 * t - k.pad_begin[2] + j;
          d[i][j] = iy >= 0 && iy < Conv::in.h && ix >= 0 && ix < Conv::in.w ? c.x + (count_t{iy} * Conv::in.w + ix) * C : zero_points;
        }
      std::int16_t* to = v + count_t{t} * pairs * 2;
      for (index_t ch = 0; ch < C; ++ch) {
        std::int16_t patch[16], transformed[16];
        for (int i = 0; i < 4; ++i)
          for (int j = 0; j < 4; ++j) patch[i * 4 + j] = static_cast<std::int16_t>(d[i][j][ch] - z);
        winograd_inputs(patch, transformed);
        for (int e = 0; e < 16; ++e) to[e * plane + ch] = transformed[e];
      }
      if constexpr (C % 2 != 0)
        for (int e = 0; e < 16; ++e) to[e * plane + C] = 0;  // the last pair's other half
    }
  }

  // M[e][t][channels first, first + NV lanes) for R tiles from t0.
  template <int NV>
  static void multiply_block(const std::int16_t* v, const std::int16_t* u, std::int32_t* m, int e, index_t t0, index_t first) {
    vec acc[R][NV];
    for (int r = 0; r < R; ++r)
      for (int j = 0; j < NV; ++j) acc[r][j] = zeros();
    const std::int16_t* rows = v + (count_t{e} * tiles_w + t0) * pairs * 2;
    const std::int16_t* weights = u + count_t{e} * u_plane + count_t{first} * 2;
    for (index_t p = 0; p < pairs; ++p) {
      vec w[NV];
      for (int j = 0; j < NV; ++j) w[j] = load(weights + (count_t{p} * padded_out + j * lanes) * 2);
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) {
        const vec x = broadcast(rows + (count_t{r} * pairs + p) * 2);
        for (int j = 0; j < NV; ++j) acc[r][j] = pair_products::multiply_add_fused(acc[r][j], x, w[j]);
      }
    }
    for (int r = 0; r < R; ++r)
      for (int j = 0; j < NV; ++j) store(m + (count_t{e} * tiles_w + t0 + r) * padded_out + first + j * lanes, acc[r][j]);
  }

  static void run(const int8_call& c, const output_stage& stage) {
    alignas(64) std::byte own[prepared_bytes];  // (left alone when prepared)
    alignas(64) std::int16_t v[v_elements];
    alignas(64) std::int32_t m[m_elements];
    std::int8_t zero_points[C];
    for (index_t ch = 0; ch < C; ++ch) zero_points[ch] = static_cast<std::int8_t>(c.in.zero_point);
    const std::byte* block = packed_block<winograd>(c, own);
    const std::int16_t* u = reinterpret_cast<const std::int16_t*>(block);
    const std::int32_t* bias = reinterpret_cast<const std::int32_t*>(block + bias_at);
    requantizer rqs[vectors];
    for (index_t vv = 0; vv < vectors; ++vv)
      rqs[vv] = requantizer(c.multipliers + vv * lanes, CO - vv * lanes < lanes ? static_cast<int>(CO - vv * lanes) : lanes, stage);
    for (index_t ty = 0; ty < tiles_h; ++ty) {
      transform_inputs(c, zero_points, ty, v);
      for (int e = 0; e < 16; ++e)
        for (index_t t = 0; t < tiles_w; t += R) {
          const index_t t0 = t + R > tiles_w ? tiles_w - R : t;  // the last tile ends at the row's end
          for (index_t first = 0; first < padded_out; first += tile_vectors * lanes) {
            switch ((padded_out - first) / lanes < tile_vectors ? (padded_out - first) / lanes : tile_vectors) {
              case 1: multiply_block<1>(v, u, m, e, t0, first); break;
              case 2: multiply_block<2>(v, u, m, e, t0, first); break;
              case 3: multiply_block<3>(v, u, m, e, t0, first); break;
              default: multiply_block<4>(v, u, m, e, t0, first); break;
            }
          }
        }
      // Y = A^T M A / 4 + bias, requantized, into the tiles' pixels inside the output.
      for (index_t t = 0; t < tiles_w; ++t)
        for (index_t vv = 0; vv < vectors; ++vv) {
          vec me[16], sums[4];
          for (int e = 0; e < 16; ++e) me[e] = load(m + (count_t{e} * tiles_w + t) * padded_out + vv * lanes);
          winograd_outputs(me, sums, &add, &sub);
          const vec b = load(bias + vv * lanes);
          const int n = CO - vv * lanes < lanes ? static_cast<int>(CO - vv * lanes) : lanes;
          for (int a = 0; a < 2; ++a)
            for (int col = 0; col < 2; ++col) {
              const index_t oy = 2 * ty + a, ox = 2 * t + col;
              if (oy >= Conv::out.h || ox >= Conv::out.w) continue;
              store_narrowed(rqs[vv].value(add(quarter(sums[a * 2 + col]), b)), c.y + (count_t{oy} * Conv::out.w + ox) * CO + vv * lanes, n);
            }
        }
    }
  }
};

}  // namespace x86_int8
CTNN_END_CONFIG
#endif
