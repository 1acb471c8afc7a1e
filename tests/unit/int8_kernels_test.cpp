// The fast int8 kernels (ctnn/kernels/int8_dot.hpp, conv_int8.hpp, linear.hpp) against the reference ones
// (conv_forward_int8, linear_forward_int8, requantize), bit for bit: requantize_fast on edge cases and
// random accumulators and multipliers; convolutions of every shape the fast kernels take (1x1, gathered
// windows with padding, stride and dilation, odd channel counts, depthwise, 1d), transposed convolutions
// (by stride phases) and the linear layer, each
// run as a one-layer int8 network in NHWC (the fast path) on random data, against the reference kernel
// called on the same data. On Cortex-M the same kernels run SMLAD or Helium code: the boards' int8
// examples compare with PyTorch (embedded/).
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <iterator>
#include <cstdint>
#include <limits>
#include <memory>
#include <random>
#include <span>

#include "ctnn/ctnn.hpp"

using namespace ctnn;

namespace {

// ---- requantize_fast -----------------------------------------------------------------------------------

constexpr output_stage full{3, -128, 127};
static_assert(requantize_fast(1000, quantize_multiplier(0.3), {5}) == requantize(1000, quantize_multiplier(0.3), {5}));
static_assert(requantize_fast(-7, quantize_multiplier(0.25), full) == requantize(-7, quantize_multiplier(0.25), full));
static_assert(requantize_fast(INT32_MIN, quantize_multiplier(0.9), full) == requantize(INT32_MIN, quantize_multiplier(0.9), full));
static_assert(requantize_fast(INT32_MAX, quantize_multiplier(3.5), full) == requantize(INT32_MAX, quantize_multiplier(3.5), full));

TEST(Int8Kernels, RequantizeFastIsRequantize) {
  std::mt19937 gen(2026);
  const std::int32_t edges[] = {0, 1, -1, 2, -2, 3, -3, 127, -128, 1 << 20, -(1 << 20), INT32_MAX, INT32_MIN, INT32_MAX - 1,
                                INT32_MIN + 1, (1 << 30) + 1, -(1 << 30) - 1};
  int checked = 0;
  for (int shift = -31; shift <= 30; ++shift) {
    for (std::int32_t m : {1 << 30, (1 << 30) + 1, INT32_MAX, 1518500250, 1200000000}) {
      const fixed_multiplier fm{m, shift};
      for (std::int32_t acc : edges) {
        ASSERT_EQ(requantize_fast(acc, fm, full), requantize(acc, fm, full)) << acc << " " << m << " " << shift;
        ++checked;
      }
      // Ties of the rounding shift: acc * m / 2^31 near odd multiples of 2^(e-1).
      for (int i = 0; i < 2000; ++i) {
        const std::int32_t acc = static_cast<std::int32_t>(gen()) >> (gen() % 31);
        ASSERT_EQ(requantize_fast(acc, fm, full), requantize(acc, fm, full)) << acc << " " << m << " " << shift;
        ++checked;
      }
    }
  }
  for (int i = 0; i < 1000000; ++i) {
    const fixed_multiplier fm{static_cast<std::int32_t>((1u << 30) + gen() % (1u << 30)), static_cast<int>(gen() % 39) - 31};
    const std::int32_t acc = static_cast<std::int32_t>(gen()) >> (1 + gen() % 31);
    const output_stage stage{static_cast<std::int32_t>(gen() % 256) - 128, -128 + static_cast<std::int32_t>(gen() % 10), 127};
    ASSERT_EQ(requantize_fast(acc, fm, stage), requantize(acc, fm, stage)) << acc << " " << fm.multiplier << " " << fm.shift;
    ++checked;
  }
  EXPECT_GT(checked, 1000000);
}

// requantize_short (the Cortex-M4/M7's requantization, here in portable C++; embedded/int8_kernels.cpp runs
// the SMMLAR / SSAT one on the boards) wherever requantizes_short allows it, with each choice of
// the bounds it compares, up to the accumulators' bound.
TEST(Int8Kernels, RequantizeShortIsRequantize) {
  std::mt19937 gen(2028);
  // (|acc| < 2^30: what requantizes_short allows a layer's accumulators)
  const std::int32_t edges[] = {0, 1, -1, 127, -128, (1 << 30) - 1, -(1 << 30) + 1, 1 << 29, -(1 << 29), 1 << 20, -(1 << 20)};
  int checked = 0;
  for (int i = 0; i < 2000000; ++i) {
    const std::int32_t multiplier = i % 89 == 0 ? INT32_MAX : (i % 83 == 0 ? 1 << 30 : static_cast<std::int32_t>((1u << 30) + gen() % (1u << 30)));
    const fixed_multiplier m{multiplier, -1 - static_cast<int>(gen() % 20)};
    ASSERT_TRUE(requantizes_short(m));
    const std::int32_t acc = i % 8 == 0 ? edges[gen() % std::size(edges)] : static_cast<std::int32_t>(gen()) >> (1 + gen() % 31);
    const std::int32_t zero = static_cast<std::int32_t>(gen() % 256) - 128;
    const output_stage both{zero, -128 + static_cast<std::int32_t>(gen() % 200), 127 - static_cast<std::int32_t>(gen() % 50)};
    const output_stage low{zero, both.low, 127}, none{zero, -128, 127};
    // ReLU's and ReLU6's stages: the lower bound at the zero point.
    const output_stage relu{zero, zero, 127}, relu6{zero, zero, zero + static_cast<std::int32_t>(gen() % (128 - zero))};
    ASSERT_EQ((requantize_short<true, true>(acc, m, both)), requantize(acc, m, both)) << acc << " " << m.multiplier << " " << m.shift;
    ASSERT_EQ((requantize_short<true, false>(acc, m, low)), requantize(acc, m, low)) << acc << " " << m.multiplier << " " << m.shift;
    ASSERT_EQ((requantize_short<false, false>(acc, m, none)), requantize(acc, m, none)) << acc << " " << m.multiplier << " " << m.shift;
    ASSERT_EQ((requantize_short<true, false, true>(acc, m, relu)), requantize(acc, m, relu)) << acc << " " << m.multiplier << " " << m.shift;
    ASSERT_EQ((requantize_short<true, true, true>(acc, m, relu6)), requantize(acc, m, relu6)) << acc << " " << m.multiplier << " " << m.shift;
    checked += 5;
  }
  EXPECT_GT(checked, 9000000);
  EXPECT_FALSE(requantizes_short(fixed_multiplier{1 << 30, 0}));    // no right shift
  EXPECT_FALSE(requantizes_short(fixed_multiplier{1 << 30, -21}));  // a shift past 20
  EXPECT_FALSE(requantizes_short(fixed_multiplier{1 << 29, -3}));   // not normalized
  EXPECT_FALSE(requantizes_short(fixed_multiplier{0, -3}));         // 2 m - 2^32 is not an int32
  // A layer: its accumulators within 2^30, kernel biases and 40 products of at most 2^14.
  const fixed_multiplier ms[2] = {{1 << 30, -3}, {INT32_MAX, -20}};
  const std::int32_t room = (1 << 30) - 40 * 128 * 128;
  const std::int32_t fits[2] = {room - 1, -(room - 1)}, too_large[2] = {0, room}, too_small[2] = {-room, 0};
  EXPECT_TRUE(requantizes_short(ms, fits, 2, 40));
  EXPECT_FALSE(requantizes_short(ms, too_large, 2, 40));
  EXPECT_FALSE(requantizes_short(ms, too_small, 2, 40));
  EXPECT_FALSE(requantizes_short(ms, fits, 2, 41));
}

#if CTNN_INT8_X86
// The x86 requantizer (ctnn/kernels/int8_x86.hpp), a vector of channels at a time, each lane with its own
// multiplier and shift (left shifts saturating, right shifts rounding ties away from zero), a partial store.
// Lanes shifting left, not at all or right (ties away from zero), or every lane shifting right by 1 to 23
// or by up to 31 (the usual case), with multipliers at 2^30 exactly among them; bounds inside the int8
// range, at its ends, or ReLU's (the zero point).
TEST(Int8Kernels, X86RequantizerIsRequantize) {
  using x86_int8::lanes;
  std::mt19937 gen(2027);
  const std::int32_t edges[] = {0, 1, -1, 3, -3, 127, -128, 1 << 20, -(1 << 20), INT32_MAX, INT32_MIN, (1 << 30) + 1, -(1 << 30) - 1};
  int checked = 0, once_rounds = 0;
  for (int round = 0; round < 300000; ++round) {
    fixed_multiplier m[lanes];
    alignas(64) std::int32_t acc[lanes];
    const int shifts = round % 3;  // 0: -31 to 8; 1: -23 to -1; 2: -31 to -1
    for (int i = 0; i < lanes; ++i) {
      const int shift = shifts == 0 ? static_cast<int>(gen() % 40) - 31
                        : shifts == 1 ? -1 - static_cast<int>(gen() % 23)
                                      : -1 - static_cast<int>(gen() % 31);
      const std::int32_t multiplier = gen() % 16 == 0 ? 1 << 30 : static_cast<std::int32_t>((1u << 30) + gen() % (1u << 30));
      m[i] = {multiplier, shift};
      acc[i] = gen() % 8 == 0 ? edges[gen() % std::size(edges)] : static_cast<std::int32_t>(gen()) >> (1 + gen() % 31);
    }
    const std::int32_t zero = static_cast<std::int32_t>(gen() % 256) - 128;
    const bool ends = round % 5 < 2;  // the int8 range's ends, or (ReLU's) the zero point and the top
    const output_stage stage{zero, ends ? (round % 5 == 0 ? -128 : zero) : -128 + static_cast<std::int32_t>(gen() % 10),
                             ends ? 127 : 127 - static_cast<std::int32_t>(gen() % 10)};
    const int n = round % 4 == 0 ? 1 + static_cast<int>(gen() % lanes) : lanes;
    std::int8_t y[lanes + 1];
    std::fill(std::begin(y), std::end(y), std::int8_t{77});
    x86_int8::store_narrowed(x86_int8::requantizer(m, n, stage).value(x86_int8::load(acc)), y, n);
    for (int i = 0; i < n; ++i, ++checked)
      ASSERT_EQ(y[i], requantize(acc[i], m[i], stage)) << acc[i] << " " << m[i].multiplier << " " << m[i].shift;
    for (int i = n; i <= lanes; ++i) ASSERT_EQ(y[i], 77) << "written past n = " << n;
    // The single rounding where every lane shifts right by 1 to 22 and the clamp's low end is at or
    // above the zero point: value's and, four vectors at once, the packed bytes clamped.
    const x86_int8::requantizer rq(m, n, stage);
    bool once = stage.low >= stage.zero_point;
    for (int i = 0; i < n; ++i) once = once && m[i].shift < 0 && m[i].shift >= -22;
    ASSERT_EQ(rq.kind() == x86_int8::single_rounding, once);
    if (!once) continue;
    ++once_rounds;
    x86_int8::store_narrowed(rq.value<x86_int8::single_rounding>(x86_int8::load(acc)), y, n);
    for (int i = 0; i < n; ++i) ASSERT_EQ(y[i], requantize(acc[i], m[i], stage)) << acc[i] << " " << m[i].multiplier << " " << m[i].shift;
    const x86_int8::vec four[4] = {rq.unclamped<x86_int8::single_rounding>(x86_int8::load(acc)),
                                   rq.unclamped<x86_int8::single_rounding>(x86_int8::load(acc)),
                                   rq.unclamped<x86_int8::single_rounding>(x86_int8::load(acc)),
                                   rq.unclamped<x86_int8::single_rounding>(x86_int8::load(acc))};
    std::int8_t bytes[4 * lanes];
    x86_int8::store_four_clamped(four, bytes, rq);
    for (int v = 0; v < 4; ++v)
      for (int i = 0; i < n; ++i) ASSERT_EQ(bytes[v * lanes + i], requantize(acc[i], m[i], stage)) << acc[i] << " " << m[i].shift;
  }
  EXPECT_GT(checked, 1000000);
  EXPECT_GT(once_rounds, 10000);
}

// Ties of the rounding shift (h = k 2^e + 2^(e-1), from m = 2^30: h = floor((acc + 1) / 2)) and their
// neighbours, every e the single rounding takes, under ReLU's clamp and the full range's with the zero
// point at -128: the single rounding's integers are requantize's.
TEST(Int8Kernels, X86SingleRoundingTies) {
  using x86_int8::lanes;
  int checked = 0;
  for (int e = 1; e <= 22; ++e) {
    for (const output_stage stage : {output_stage{-5, -5, 127}, output_stage{-128, -128, 127}, output_stage{20, 20, 90}}) {
      for (std::int64_t k = 0; k < 64; k += lanes / 8) {
        fixed_multiplier m[lanes];
        alignas(64) std::int32_t acc[lanes];
        for (int i = 0; i < lanes; ++i) {
          // (Each offset from the tie in an even lane and in an odd one.)
          const int offsets[] = {-2, 0, 1, 2};
          const std::int64_t h = (k + i / 8) * (std::int64_t{1} << e) + (std::int64_t{1} << (e - 1));
          const std::int64_t a = 2 * h - 1 + offsets[i / 2 % 4];
          acc[i] = static_cast<std::int32_t>(a < INT32_MAX ? a : INT32_MAX);
          m[i] = {1 << 30, -e};
        }
        const x86_int8::requantizer rq(m, lanes, stage);
        ASSERT_EQ(rq.kind(), x86_int8::single_rounding);
        std::int8_t y[lanes];
        x86_int8::store_narrowed(rq.value<x86_int8::single_rounding>(x86_int8::load(acc)), y, lanes);
        for (int i = 0; i < lanes; ++i, ++checked) ASSERT_EQ(y[i], requantize(acc[i], m[i], stage)) << acc[i] << " e " << e;
      }
    }
  }
  EXPECT_GT(checked, 1000);
}
#endif

#if CTNN_INT8_X86
// A residual add in int8 (x86: a vector of lanes at a time) against add_int8's scalar loop, the multipliers
// as finish_quantization gives them from random scales (an output scale small enough that the last one
// shifts left, or not), random zero points, lengths with a partial last vector; every other trial with a
// ReLU or ReLU6 fused (ResNet's ReLU after the add), whose bytes are the unclamped add's clamped.
TEST(Int8Kernels, AddAVectorAtATime) {
  std::mt19937 gen(17);
  const auto scale = [&] { return 0.001 + 0.3 * static_cast<double>(gen() % 1000) / 1000.0; };
  constexpr count_t size = 16 * 37 + 11;
  int left_shifts = 0, clamped = 0;
  for (int trial = 0; trial < 300; ++trial) {
    const double sa = scale(), sb = scale(), largest = sa > sb ? sa : sb;
    // (An output scale below 2^-20 times the inputs' for a third: its multiplier shifts left.)
    const double sy = trial % 3 == 0 ? 2 * largest / (1048576.0 * (1 + gen() % 8)) : scale();
    const quantization qa{static_cast<float>(sa), static_cast<std::int32_t>(gen() % 256) - 128},
        qb{static_cast<float>(sb), static_cast<std::int32_t>(gen() % 256) - 128},
        qy{static_cast<float>(sy), static_cast<std::int32_t>(gen() % 256) - 128};
    const fixed_multiplier m[3] = {quantize_multiplier(sa / (2 * largest)), quantize_multiplier(sb / (2 * largest)),
                                   merge_multiplier(2 * largest / sy)};
    left_shifts += m[2].shift > 0 ? 1 : 0;
    std::array<std::int8_t, size> a{}, b{}, fast{}, reference{};
    for (auto& v : a) v = static_cast<std::int8_t>(gen() % 256 - 128);
    for (auto& v : b) v = static_cast<std::int8_t>(gen() % 256 - 128);
    const count_t n = size - static_cast<count_t>(trial % 17);  // (the partial vectors' lanes past n unwritten)
    const activation_params clamp = trial % 2 == 0 ? relu::params : trial % 4 == 1 ? relu6::params : activation_params{activation_kind::identity};
    const output_stage stage = output_stage_of(clamp, qy);
    x86_int8::add(a.data(), qa.zero_point, b.data(), qb.zero_point, m, stage, fast.data(), n);
    add_int8<size>(a.data(), qa, b.data(), qb, m, stage, reference.data());
    std::array<std::int8_t, size> unclamped{};
    add_int8<size>(a.data(), qa, b.data(), qb, m, output_stage{qy.zero_point}, unclamped.data());
    for (count_t i = 0; i < size; ++i)
      ASSERT_EQ(reference[i], std::clamp<std::int32_t>(unclamped[i], stage.low, stage.high)) << "trial " << trial;
    clamped += stage.low > -128 && std::count(reference.begin(), reference.end(), static_cast<std::int8_t>(stage.low)) > 10 ? 1 : 0;
    for (count_t i = n; i < size; ++i) reference[i] = 0;
    ASSERT_EQ(fast, reference) << "trial " << trial;
  }
  EXPECT_GT(left_shifts, 10);
  EXPECT_GT(clamped, 100);
}
#endif

// ---- convolutions and linear layers ---------------------------------------------------------------------

// Random int8 data for a one-layer network, its multipliers from random scales: all below 0.5 (every
// one shifting right, x86's plain requantization), or with a small output scale (large_multipliers)
// some above 1 (shifting left).
template <class Net>
std::unique_ptr<typename Net::quantized> random_quantized(std::mt19937& gen, bool large_multipliers = false) {
  auto q = std::make_unique<typename Net::quantized>();
  for (auto& v : q->weights) v = static_cast<std::int8_t>(gen() % 256 - 128);
  for (auto& v : q->weight_scales) v = 0.001f + 0.02f * static_cast<float>(gen() % 1000) / 1000.0f;
  for (auto& v : q->biases) v = static_cast<std::int32_t>(gen() % 20001) - 10000;
  for (auto& a : q->activations) a = {0.01f + 0.2f * static_cast<float>(gen() % 1000) / 1000.0f, static_cast<std::int32_t>(gen() % 256) - 128};
  if (large_multipliers) q->activations.back().scale = 0.00005f;
  *q = finish_quantization(*q);
  return q;
}

template <class Layer, class Input, activation_params A = no_activation, class Net = sequential<Input, Layer>>
void check_layer(unsigned seed, bool large_multipliers = false) {
  static_assert(Net::memory_layout == layout::nhwc);
  std::mt19937 gen(seed);
  const auto q = random_quantized<Net>(gen, large_multipliers);
  bool any_left = false, all_right = true;
  for (const fixed_multiplier& m : q->multipliers) {
    any_left = any_left || m.shift > 0;
    all_right = all_right && m.shift < 0;
  }
  EXPECT_TRUE(large_multipliers ? any_left : all_right);
  std::array<std::int8_t, Net::input_size> x{};
  for (auto& v : x) v = static_cast<std::int8_t>(gen() % 256 - 128);
  std::array<std::int8_t, Net::output_size> fast{}, reference{};
  static static_arena<typename Net::quantized> arena;
  Net::forward(*q, std::span<const std::int8_t, Net::input_size>(x), std::span<std::int8_t, Net::output_size>(fast), arena);
  const output_stage stage = output_stage_for<A>(q->activations[1]);
  if constexpr (std::is_same_v<std::remove_cvref_t<decltype(Layer::params)>, conv_params>) {
    conv_forward_int8<Layer::params, Net::input_shape, layout::nhwc>(x.data(), q->activations[0].zero_point, q->weights.data(),
                                                                     q->biases.data(), q->multipliers.data(), stage,
                                                                     reference.data());
  } else if constexpr (std::is_same_v<std::remove_cvref_t<decltype(Layer::params)>, conv_transpose_params>) {
    conv_transpose_forward_int8<Layer::params, Net::input_shape, layout::nhwc>(
        x.data(), q->activations[0].zero_point, q->weights.data(), q->biases.data(), q->multipliers.data(), stage,
        reference.data());
  } else {
    linear_forward_int8<Layer::params, Net::input_shape, layout::nhwc>(x.data(), q->activations[0].zero_point,
                                                                       q->weights.data(), q->biases.data(),
                                                                       q->multipliers.data(), stage, reference.data());
  }
  int differ = 0;
  for (std::size_t i = 0; i < fast.size(); ++i) differ += fast[i] != reference[i] ? 1 : 0;
  EXPECT_EQ(differ, 0) << "of " << fast.size();
  // The same with the weights packed once (prepare_into): the x86 kernels read the prepared block.
  const auto prepared = std::make_unique<typename Net::prepared_quantized>();
  prepare_into(*q, *prepared);
  std::array<std::int8_t, Net::output_size> from_prepared{};
  Net::forward(*prepared, std::span<const std::int8_t, Net::input_size>(x),
               std::span<std::int8_t, Net::output_size>(from_prepared), arena);
  differ = 0;
  for (std::size_t i = 0; i < fast.size(); ++i) differ += from_prepared[i] != reference[i] ? 1 : 0;
  EXPECT_EQ(differ, 0) << "of " << fast.size() << ", prepared";
}

template <index_t C, index_t H, index_t W>
using nhwc_input = input<C, H, W>::template with<nhwc>;

// Blocks only where an x86 kernel packs: none on the portable path (Cortex-M, x86 without AVX2).
using packs_on_x86 = sequential<nhwc_input<16, 6, 6>, conv2d<32, 1>, relu, depthwise_conv2d<3, pad<1>>, global_avg_pool>;
static_assert((packs_on_x86::prepared_quantized::layout_type::offsets.back() > 0) == (CTNN_INT8_X86 == 1));
// A transposed convolution's stride phases too (each its own kernel's block, one after the other).
using transposed_packs = sequential<nhwc_input<8, 5, 5>, conv_transpose2d<16, 4, stride<2>, pad<1>>>;
static_assert((transposed_packs::prepared_quantized::layout_type::offsets.back() > 0) == (CTNN_INT8_X86 == 1));

TEST(Int8Kernels, PointwiseConvolutions) {
  check_layer<conv2d<64, 1>, nhwc_input<64, 5, 5>>(1);
  check_layer<conv2d<7, 1>, nhwc_input<13, 4, 3>>(2);   // neither count a multiple of 4 or 16
  check_layer<conv2d<18, 1>, nhwc_input<35, 3, 3>>(3);
  check_layer<conv2d<8, 1, stride<2>>, nhwc_input<16, 7, 7>>(4);
  check_layer<conv2d<5, 1, no_bias>, nhwc_input<3, 2, 2>>(5);
  // Pixel rows of 4 and of 20 bytes (VNNI converts each whole: 8 at a time past a short one's end, inside
  // the input) and the last positions' rows at the input's end.
  check_layer<conv2d<16, 1>, nhwc_input<4, 5, 3>>(6);
  check_layer<conv2d<33, 1>, nhwc_input<20, 3, 7>>(7);
  // 64 and 128 channels (x86: four vectors a position, clamped as bytes), under ReLU6 and ReLU; and
  // multipliers above 1 (the general requantization).
  using relu6_after = conv2d<64, 1>;
  check_layer<relu6_after, nhwc_input<32, 5, 7>, relu6::params, sequential<nhwc_input<32, 5, 7>, relu6_after, relu6>>(8);
  using relu_after = conv2d<128, 3, pad<1>>;
  check_layer<relu_after, nhwc_input<16, 6, 5>, relu::params, sequential<nhwc_input<16, 6, 5>, relu_after, relu>>(9);
  check_layer<conv2d<64, 1>, nhwc_input<32, 5, 7>>(10, true);
  check_layer<conv2d<48, 3, pad<1>>, nhwc_input<8, 6, 6>>(18, true);
  check_layer<depthwise_conv2d<3, pad<1>>, nhwc_input<40, 6, 9>>(19, true);
}

TEST(Int8Kernels, GatheredConvolutions) {
  check_layer<conv2d<6, 5>, nhwc_input<1, 12, 12>>(11);
  check_layer<conv2d<16, 3, pad<1>>, nhwc_input<6, 7, 7>>(12);
  check_layer<conv2d<9, 3, stride<2>, pad<1>>, nhwc_input<5, 9, 8>>(13);
  check_layer<conv2d<4, 3, dilation<2>, pad<2>>, nhwc_input<3, 8, 8>>(14);
  check_layer<conv2d<16, kernel<10, 4>, stride<2>, pad_tf_same>, nhwc_input<1, 15, 10>>(15);
  check_layer<conv2d<3, kernel<1, 3>, pad<0, 1>>, nhwc_input<17, 3, 6>>(16);
  check_layer<conv2d<1, 1, pad<1>>, nhwc_input<2, 3, 3>>(17);  // 1x1 with padding: gathered
}

// Padded inputs whose window rows (kw C_in values) are whole instruction steps (4 bytes with VNNI, 2
// int16 without): read from a padded copy at constant distances, not gathered per window.
#if CTNN_INT8_X86
template <class Layer, class Input>
using x86_kernel = x86_int8_conv<Layer::params, sequential<Input, Layer>::input_shape, layout::nhwc>;
#endif
#if CTNN_INT8_X86 && CTNN_INT8_DOT == 4 && defined(__clang__)
// Which of the cases below VNNI's kernel copies in bands (built by clang), and how many output rows a
// band holds.
template <class Layer, class Input>
using vnni_kernel = x86_int8::gemm<int8_nhwc_conv<Layer::params, sequential<Input, Layer>::input_shape>>;
static_assert(vnni_kernel<conv2d<16, 3, pad<1>>, nhwc_input<64, 22, 60>>::banded);
static_assert(vnni_kernel<conv2d<16, 3, pad<1>>, nhwc_input<64, 22, 60>>::band == 4);
static_assert(vnni_kernel<conv2d<8, 3, stride<2>, pad<1>>, nhwc_input<96, 13, 70>>::band == 1);
static_assert(vnni_kernel<conv2d<12, kernel<2, 3>>, nhwc_input<32, 30, 100>>::band == 6);
static_assert(!vnni_kernel<conv2d<4, 3, pad<1>>, nhwc_input<256, 8, 40>>::windowed);
#endif

TEST(Int8Kernels, WindowsFromAPaddedCopy) {
  check_layer<conv2d<32, 3, pad<1>>, nhwc_input<4, 9, 11>>(81);
  check_layer<conv2d<20, kernel<5, 4>, stride<2>, pad_tf_same>, nhwc_input<2, 13, 11>>(82);
  check_layer<conv2d<7, kernel<2, 2>, stride<3>, pad<1>>, nhwc_input<8, 10, 10>>(83);
  check_layer<conv1d<8, 4, pad<2>>, input<2, 30>::with<nhwc>>(84);
  // Maps copied in bands of output rows (x86: past 64 KiB, what fits 24 KiB): bands of 4 rows and a last
  // one of 2; one output row a band at stride 2; no padding, bands of 6 and a last of 5; rows too long for
  // any band (gathered instead).
  check_layer<conv2d<16, 3, pad<1>>, nhwc_input<64, 22, 60>>(85);
  check_layer<conv2d<8, 3, stride<2>, pad<1>>, nhwc_input<96, 13, 70>>(86);
  check_layer<conv2d<12, kernel<2, 3>>, nhwc_input<32, 30, 100>>(87);
  check_layer<conv2d<4, 3, pad<1>>, nhwc_input<256, 8, 40>>(88);
}

// The matrix product on AMX tiles (ctnn/kernels/int8_amx.hpp, where the build and the CPU have AMX-INT8;
// elsewhere the same layers run int8_x86.hpp's or the portable kernels): rows read from the padded copy
// along output rows (tiles of 15 and of 13 positions, stride 2, maps copied in bands), gathered rows whose
// K (27) is padded to a chunk of 64 (short runs at the border spill past it), a pointwise layer's pixels
// read in place, signed (64, 20 and 4 channels: one chunk of C_in; 128: two of 64), a strided 1x1's and
// 96 channels' converted row by row, fewer positions than a tile, an odd count of tiles (the last pair
// one tile), a second block of channels of three vectors, the last partial; under ReLU (the single
// rounding), without a clamp, and with multipliers above 1.
#if CTNN_INT8_AMX
template <class Layer, class Input>
using amx_kernel = x86_int8::amx<int8_nhwc_conv<Layer::params, sequential<Input, Layer>::input_shape>>;
static_assert(std::is_same_v<x86_kernel<conv2d<64, 3, pad<1>>, nhwc_input<64, 7, 30>>, amx_kernel<conv2d<64, 3, pad<1>>, nhwc_input<64, 7, 30>>>);
static_assert(amx_kernel<conv2d<64, 3, pad<1>>, nhwc_input<64, 7, 30>>::windowed);
static_assert(amx_kernel<conv2d<64, 3, pad<1>>, nhwc_input<64, 7, 30>>::tile_rows == 15);
static_assert(amx_kernel<conv2d<100, 3, pad<1>>, nhwc_input<64, 5, 13>>::tile_rows == 13);
static_assert(amx_kernel<conv2d<48, 3, stride<2>, pad<1>>, nhwc_input<64, 20, 30>>::row_stride == 128);
static_assert(amx_kernel<conv2d<16, 3, pad<1>>, nhwc_input<64, 40, 100>>::band == 5);
static_assert(!amx_kernel<conv2d<20, 3, pad<1>>, nhwc_input<3, 9, 9>>::windowed);
static_assert(amx_kernel<conv2d<20, 3, pad<1>>, nhwc_input<3, 9, 9>>::row_bytes == 64);
static_assert(amx_kernel<conv2d<16, 1>, nhwc_input<4, 3, 3>>::tile_rows == 9);
static_assert(amx_kernel<conv2d<64, 1>, nhwc_input<64, 9, 9>>::in_place && amx_kernel<conv2d<64, 1>, nhwc_input<64, 9, 9>>::chunks == 1);
static_assert(amx_kernel<conv2d<33, 1>, nhwc_input<20, 5, 7>>::in_place && amx_kernel<conv2d<33, 1>, nhwc_input<20, 5, 7>>::chunk == 20);
static_assert(amx_kernel<conv2d<40, 1>, nhwc_input<128, 7, 7>>::in_place && amx_kernel<conv2d<40, 1>, nhwc_input<128, 7, 7>>::chunks == 2);
static_assert(!amx_kernel<conv2d<24, 1>, nhwc_input<96, 5, 7>>::in_place);
static_assert(!amx_kernel<conv2d<64, 1, stride<2>>, nhwc_input<128, 9, 9>>::in_place);
#endif

TEST(Int8Kernels, MatrixProductOnTiles) {
  using relu_after = conv2d<64, 3, pad<1>>;
  check_layer<relu_after, nhwc_input<64, 7, 30>, relu::params, sequential<nhwc_input<64, 7, 30>, relu_after, relu>>(91);
  check_layer<conv2d<64, 3, pad<1>>, nhwc_input<64, 7, 30>>(92);
  check_layer<conv2d<100, 3, pad<1>>, nhwc_input<64, 5, 13>>(93);
  check_layer<conv2d<48, 3, stride<2>, pad<1>>, nhwc_input<64, 20, 30>>(94, true);
  check_layer<conv2d<16, 3, pad<1>>, nhwc_input<64, 40, 100>>(95);
  using gathered = conv2d<20, 3, pad<1>>;
  check_layer<gathered, nhwc_input<3, 9, 9>, relu::params, sequential<nhwc_input<3, 9, 9>, gathered, relu>>(96);
  check_layer<conv2d<64, 1>, nhwc_input<64, 9, 9>>(97);
  check_layer<conv2d<33, 1>, nhwc_input<20, 5, 7>>(98);
  check_layer<conv2d<16, 1>, nhwc_input<4, 3, 3>>(99);
  check_layer<conv2d<64, 1, stride<2>>, nhwc_input<128, 9, 9>>(100, true);
  using pointwise = conv2d<40, 1>;
  check_layer<pointwise, nhwc_input<128, 7, 7>, relu::params, sequential<nhwc_input<128, 7, 7>, pointwise, relu>>(103);
  check_layer<conv2d<24, 1>, nhwc_input<96, 5, 7>>(104);
}

// A layer whose packed weights (590 KB) do not fit the stack beside its rows: the portable kernel on its
// weights as they are, the x86 one on prepared weights (ResNet's widest layers).
#if CTNN_INT8_X86
static_assert(!std::is_void_v<x86_kernel<conv2d<256, 3, pad<1>>, nhwc_input<256, 5, 5>>>);
static_assert(!x86_kernel<conv2d<256, 3, pad<1>>, nhwc_input<256, 5, 5>>::packs_on_stack);
static_assert(x86_kernel<conv2d<256, 3, pad<1>>, nhwc_input<256, 5, 5>>::prepared_bytes > x86_int8_stack_bytes);
#endif
TEST(Int8Kernels, PreparedPastTheStack) {
  using wide = conv2d<256, 3, pad<1>>;
  check_layer<wide, nhwc_input<256, 5, 5>, relu::params, sequential<nhwc_input<256, 5, 5>, wide, relu>>(111);
  check_layer<conv2d<300, 1>, nhwc_input<640, 4, 5>>(112);
}

TEST(Int8Kernels, DepthwiseConvolutions) {
  check_layer<depthwise_conv2d<3, pad<1>>, nhwc_input<64, 6, 5>>(21);
  check_layer<depthwise_conv2d<3, stride<2>, pad<1>>, nhwc_input<10, 9, 9>>(22);
  check_layer<depthwise_conv2d<5, pad_same>, nhwc_input<7, 6, 6>>(23);
  check_layer<depthwise_conv2d<kernel<3, 1>>, nhwc_input<5, 6, 4>>(24);
}

// Rows wide enough for several outputs side by side (x86's depthwise tile along a row: 8 on AVX-512, 4 on
// AVX2, fewer where the window's columns would not fit the registers), with the outputs at either border
// and a remainder between: strides, dilation, wide kernels, channel counts that end in a partial vector.
TEST(Int8Kernels, DepthwiseAlongRows) {
  check_layer<depthwise_conv2d<3, pad<1>>, nhwc_input<32, 4, 29>>(61);
  check_layer<depthwise_conv2d<3, pad<1>>, nhwc_input<24, 3, 23>>(62);
  check_layer<depthwise_conv2d<3, stride<2>, pad<1>>, nhwc_input<40, 5, 37>>(63);
  check_layer<depthwise_conv2d<3, dilation<2>, pad<2>>, nhwc_input<16, 6, 26>>(64);
  check_layer<depthwise_conv2d<5, pad<2>>, nhwc_input<3, 6, 21>>(65);
  check_layer<depthwise_conv2d<7, pad<3>>, nhwc_input<20, 8, 30>>(66);
  check_layer<depthwise_conv2d<kernel<1, 5>, stride<1, 3>>, nhwc_input<9, 2, 40>>(67);
  check_layer<depthwise_conv2d<3>, nhwc_input<64, 3, 12>>(68);
  check_layer<conv1d<12, 3, groups<12>, pad<1>>, input<12, 50>::with<nhwc>>(69);
}

// Small maps with padding are copied with their padding (the zero point) and run as if unpadded; larger
// 2-D maps (a padded copy past 96 KiB) the same in bands of output rows; the rest (rows too long for a
// band, 3-D maps) keep the border code. Each, with symmetric and TF's asymmetric padding, strides and
// dilation, bands that end short and rows that end in smaller tiles.
#if CTNN_INT8_X86
static_assert(x86_kernel<depthwise_conv2d<3, pad<1>>, nhwc_input<32, 64, 60>>::padded::banded);
static_assert(x86_kernel<depthwise_conv2d<3, pad<1>>, nhwc_input<32, 64, 60>>::padded::band == 10);
static_assert(!x86_kernel<depthwise_conv2d<3, pad<1>>, nhwc_input<256, 8, 40>>::padded::banded);
static_assert(!x86_kernel<depthwise_conv2d<3, pad<1>>, nhwc_input<256, 8, 40>>::padded::worth);
#endif
TEST(Int8Kernels, DepthwisePaddedOrNot) {
  check_layer<depthwise_conv2d<4, pad_tf_same>, nhwc_input<16, 7, 9>>(71);
  check_layer<depthwise_conv2d<4, stride<2>, pad_tf_same>, nhwc_input<16, 11, 10>>(72);
  check_layer<depthwise_conv2d<3, pad<1>>, nhwc_input<32, 64, 60>>(73);
  check_layer<depthwise_conv2d<3, stride<2>, pad<1>>, nhwc_input<24, 71, 70>>(74);
  check_layer<depthwise_conv2d<4, pad_tf_same>, nhwc_input<40, 52, 50>>(75);
  check_layer<depthwise_conv2d<3, dilation<2>, pad<2>>, nhwc_input<32, 30, 90>>(76);
  check_layer<depthwise_conv2d<3, pad<1>>, nhwc_input<256, 8, 40>>(77);
  using depthwise3d = conv3d<16, 3, groups<16>, pad<1>>;
  check_layer<depthwise3d, input<16, 12, 20, 20>::with<nhwc>>(78);
#if CTNN_INT8_X86
  static_assert(!x86_kernel<depthwise3d, input<16, 12, 20, 20>::with<nhwc>>::padded::worth &&
                !x86_kernel<depthwise3d, input<16, 12, 20, 20>::with<nhwc>>::padded::banded);
#endif
}

// Channel counts that take each way of storing a tile's outputs (four vectors at once, two, one, a part of
// one) and a last channel block narrower than the tile, at every vector width: 16, 32, 48, 80, 96 channels.
TEST(Int8Kernels, ChannelBlocksOfEveryWidth) {
  check_layer<conv2d<32, 1>, nhwc_input<16, 3, 3>>(41);
  check_layer<conv2d<48, 3, pad<1>>, nhwc_input<8, 4, 4>>(42);
  check_layer<conv2d<80, 3, stride<2>>, nhwc_input<3, 9, 9>>(43);
  check_layer<conv2d<96, 1>, nhwc_input<12, 2, 3>>(44);
  check_layer<depthwise_conv2d<3, pad<1>>, nhwc_input<32, 5, 5>>(45);
  check_layer<depthwise_conv2d<3, pad<1>>, nhwc_input<48, 4, 4>>(46);
  check_layer<depthwise_conv2d<3, pad<1>>, nhwc_input<16, 3, 3>>(47);
  // Past the microcontroller kernels' 4 KiB of stack (which leave it to the reference), not x86's.
  check_layer<depthwise_conv2d<3, pad<1>>, nhwc_input<200, 3, 4>>(48);
}

TEST(Int8Kernels, OneDimensionalAndGrouped) {
  check_layer<conv1d<8, 3, pad<1>>, input<6, 20>::with<nhwc>>(31);
  check_layer<conv2d<8, 3, groups<2>, pad<1>>, nhwc_input<4, 5, 5>>(32);  // grouped: the reference kernel
}

// Transposed convolutions by stride phases, each a convolution (x86's matrix product here): strides
// 1-3, kernels that divide by the stride or not, padding and output padding, channel counts off the
// vector width, 1d and 3d, a fused ReLU6. Dilated and grouped ones take the reference.
template <class Layer, class Input>
inline constexpr bool by_phases = int8_transposed_phases<Layer::params, Input::params.dims>::usable;
TEST(Int8Kernels, TransposedByStridePhases) {
  using w5 = conv_transpose2d<32, 4, stride<2>, pad<1>>;  // its phases' data past a microcontroller's stack
  static_assert(by_phases<w5, nhwc_input<64, 7, 6>> == CTNN_INT8_X86);
  check_layer<w5, nhwc_input<64, 7, 6>>(91);
  using small = conv_transpose2d<8, 3, stride<2>, pad<1>, output_padding<1>>;
  static_assert(by_phases<small, nhwc_input<4, 6, 5>>);
  check_layer<small, nhwc_input<4, 6, 5>>(92);
  check_layer<conv_transpose2d<17, 2, stride<2>, no_bias>, nhwc_input<3, 4, 4>>(93);
  check_layer<conv_transpose2d<5, 3, pad<1>>, nhwc_input<6, 5, 7>>(94);  // stride 1: one phase
  check_layer<conv_transpose2d<6, kernel<5, 3>, stride<3, 2>, pad<2, 1>>, nhwc_input<5, 4, 6>>(95);
  check_layer<conv_transpose2d<9, 4, stride<2>, pad_begin<2, 1>, pad_end<1, 2>>, nhwc_input<7, 5, 5>>(96);
  check_layer<conv_transpose1d<12, 4, stride<2>, pad<1>>, input<8, 15>::with<nhwc>>(97);
  check_layer<conv_transpose3d<4, 2, stride<2>>, input<3, 3, 4, 2>::with<nhwc>>(98);
  using relu6_after = conv_transpose2d<16, 4, stride<2>, pad<1>>;
  check_layer<relu6_after, nhwc_input<8, 5, 5>, relu6::params, sequential<nhwc_input<8, 5, 5>, relu6_after, relu6>>(99);
  using dilated = conv_transpose2d<4, 3, stride<2>, dilation<2>>;
  using grouped = conv_transpose2d<6, 4, stride<2>, groups<2>, pad<1>>;
  static_assert(!by_phases<dilated, nhwc_input<3, 4, 4>> && !by_phases<grouped, nhwc_input<4, 4, 4>>);
  check_layer<dilated, nhwc_input<3, 4, 4>>(100);
  check_layer<grouped, nhwc_input<4, 4, 4>>(101);
}

// 3x3 convolutions of stride 1 by integer Winograd F(2x2, 3x3) where the instruction is VPMADDWD (AVX2,
// AVX-512BW): odd output sizes, no padding, asymmetric padding, an odd channel count (a pair half zero),
// output channels off the vector width, a fused ReLU6; each bit for bit the reference.
TEST(Int8Kernels, WinogradWhereThePairInstructionRuns) {
  using w3 = conv2d<64, 3, pad<1>>;
#if CTNN_INT8_X86
  static_assert(x86_int8::winograd<int8_nhwc_conv<w3::params, shape{64, 12, 14}>>::fits == (x86_int8::depth == 2));
  static_assert(!x86_int8::winograd<int8_nhwc_conv<conv2d<64, 3, stride<2>, pad<1>>::params, shape{64, 12, 14}>>::fits);
  static_assert(!x86_int8::winograd<int8_nhwc_conv<w3::params, shape{200, 12, 14}>>::fits);  // past 192 channels
#endif
  check_layer<w3, nhwc_input<64, 12, 14>>(111);
  check_layer<conv2d<20, 3>, nhwc_input<17, 9, 19>>(112);
  check_layer<conv2d<32, 3, pad_begin<0, 1>, pad_end<2, 1>, no_bias>, nhwc_input<16, 7, 16>>(113);
  using relu6_after = conv2d<48, 3, pad<1>>;
  check_layer<relu6_after, nhwc_input<24, 5, 15>, relu6::params, sequential<nhwc_input<24, 5, 15>, relu6_after, relu6>>(114);
  check_layer<conv2d<16, 3, pad<1>>, nhwc_input<192, 4, 13>>(115);
}

TEST(Int8Kernels, LinearLayers) {
  check_layer<linear<10>, input<64>::with<nhwc>>(41);
  check_layer<linear<7>, input<33>::with<nhwc>>(42);
  check_layer<linear<1>, input<5>::with<nhwc>>(43);
  check_layer<linear<17, no_bias>, input<120>::with<nhwc>>(44);
}

}  // namespace

namespace {
// The int8 forward is a constant expression too (the reference kernels; requantize, the tables): a small
// network with a depthwise and a pointwise convolution, average pooling and a linear layer, evaluated by
// the compiler, gives the integers the fast kernels give at run time.
using tiny = sequential<input<8, 6, 6>::with<nhwc>, depthwise_conv2d<3, pad<1>>, relu6, conv2d<8, 1>, hardswish,
                        avg_pool2d<2>, flatten, linear<5>>;
constexpr tiny::quantized tiny_quantized() {
  tiny::quantized q{};
  for (std::size_t i = 0; i < q.weights.size(); ++i) q.weights[i] = static_cast<std::int8_t>(static_cast<int>(i * 37 % 251) - 125);
  for (std::size_t i = 0; i < q.weight_scales.size(); ++i) q.weight_scales[i] = 0.002f + 0.0005f * static_cast<float>(i % 7);
  for (std::size_t i = 0; i < q.biases.size(); ++i) q.biases[i] = static_cast<std::int32_t>(i * 311 % 2001) - 1000;
  for (std::size_t t = 0; t < q.activations.size(); ++t)
    q.activations[t] = {0.02f + 0.01f * static_cast<float>(t % 5), static_cast<std::int32_t>(t * 13 % 41) - 20};
  return finish_quantization(q);
}
constexpr tiny::quantized tiny_q = tiny_quantized();
constexpr std::array<std::int8_t, tiny::input_size> tiny_x = [] {
  std::array<std::int8_t, tiny::input_size> x{};
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<std::int8_t>(static_cast<int>(i * 53 % 256) - 128);
  return x;
}();
constexpr std::array<std::int8_t, tiny::output_size> tiny_y = [] {
  std::array<std::int8_t, tiny::output_size> y{};
  std::array<std::int8_t, tiny::quantized_arena_bytes> arena{};
  run_int8_schedule<tiny>(tiny_q, tiny_x.data(), y.data(), arena.data());
  return y;
}();

TEST(Int8Kernels, ConstantEvaluationIsTheRunTimeForward) {
  static static_arena<tiny::quantized> arena;
  std::array<std::int8_t, tiny::output_size> y{};
  tiny::forward(tiny_q, std::span<const std::int8_t, tiny::input_size>(tiny_x), std::span<std::int8_t, tiny::output_size>(y), arena);
  EXPECT_EQ(y, tiny_y);
  int distinct = 0;  // the check has something to compare: not every output the same clamp
  for (std::int8_t v : tiny_y) distinct += v != tiny_y[0] ? 1 : 0;
  EXPECT_GT(distinct, 0);
}
}  // namespace
