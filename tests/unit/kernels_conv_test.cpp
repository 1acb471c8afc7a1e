// Convolution kernels against the naive reference (tests/unit/naive_reference.hpp), in NCHW and NHWC,
// on integer data (compared exactly) and random floats; and the transposed convolution as the adjoint.
#include <gtest/gtest.h>
#include <pthread.h>

#include <memory>

#include "kernel_harness.hpp"

using namespace ctnn;
using harness::close;
using harness::exactly;
using naive::dims3;
using harness::sp;

namespace {

struct conv_case {
  int out_channels;
  dims3 k, s, d, pb, pe;
  int groups;
  bool bias;
};

template <class Net>
void expect_conv(const conv_case& c, unsigned seed, harness::data kinds = harness::data::both) {
  harness::expect_matches<Net>(
      [&](const naive::tensor& x, const std::vector<float>& p) {
        const auto [w, b] = harness::split(p, c.bias ? static_cast<std::size_t>(c.out_channels) : 0);
        return naive::conv(x, w, b, c.out_channels, c.k, c.s, c.d, c.pb, c.pe, c.groups);
      },
      seed, kinds);
}

}  // namespace

TEST(ConvKernel, TwoDimensional) {
  expect_conv<sequential<input<3, 7, 6>, conv2d<4, 3>>>({4, sp({3, 3}), sp({1, 1}), sp({1, 1}), sp({0, 0}, 0), sp({0, 0}, 0), 1, true}, 1);
  expect_conv<sequential<input<4, 9, 8>, conv2d<6, 3, stride<2>, pad<1>, groups<2>>>>(
      {6, sp({3, 3}), sp({2, 2}), sp({1, 1}), sp({1, 1}, 0), sp({1, 1}, 0), 2, true}, 2);
  expect_conv<sequential<input<2, 9, 9>, conv2d<3, kernel<3, 2>, dilation<2, 3>, pad<2, 1>, no_bias>>>(
      {3, sp({3, 2}), sp({1, 1}), sp({2, 3}), sp({2, 1}, 0), sp({2, 1}, 0), 1, false}, 3);
  expect_conv<sequential<input<3, 8, 8>, depthwise_conv2d<3, pad<1>, channel_multiplier<2>>>>(
      {6, sp({3, 3}), sp({1, 1}), sp({1, 1}), sp({1, 1}, 0), sp({1, 1}, 0), 3, true}, 4);
  expect_conv<sequential<input<5, 6, 7>, conv2d<3, 1>>>({3, sp({1, 1}), sp({1, 1}), sp({1, 1}), sp({0, 0}, 0), sp({0, 0}, 0), 1, true}, 5);
}

// Grouped convolutions that are not depthwise run their fast kernel (per group, ctnn/kernels/conv.hpp):
// RegNet's groups of 8 channels (half an AVX-512 vector), groups of 3 and of 20 channels (a partial
// vector tile), strided, dilated and padded windows, a depthwise layer with a channel multiplier (groups
// of one input channel), one and three dimensions.
TEST(ConvKernel, GroupedConvolutions) {
  static_assert(lowering_of(conv2d<48, 3, groups<6>>::params, shape{48, 5, 5}, layout::nhwc).fast);
  expect_conv<sequential<input<48, 7, 9>, conv2d<48, 3, pad<1>, groups<6>>>>(
      {48, sp({3, 3}), sp({1, 1}), sp({1, 1}), sp({1, 1}, 0), sp({1, 1}, 0), 6, true}, 30);
  expect_conv<sequential<input<48, 9, 9>, conv2d<48, 3, stride<2>, pad<1>, groups<6>, no_bias>>>(
      {48, sp({3, 3}), sp({2, 2}), sp({1, 1}), sp({1, 1}, 0), sp({1, 1}, 0), 6, false}, 31);
  expect_conv<sequential<input<9, 6, 11>, conv2d<12, kernel<3, 2>, dilation<2, 1>, pad<2, 1>, groups<3>>>>(
      {12, sp({3, 2}), sp({1, 1}), sp({2, 1}), sp({2, 1}, 0), sp({2, 1}, 0), 3, true}, 32);
  expect_conv<sequential<input<40, 5, 17>, conv2d<40, 3, groups<2>>>>(
      {40, sp({3, 3}), sp({1, 1}), sp({1, 1}), sp({0, 0}, 0), sp({0, 0}, 0), 2, true}, 33);
  expect_conv<sequential<input<5, 6, 6>, depthwise_conv2d<3, pad<1>, channel_multiplier<3>>>>(
      {15, sp({3, 3}), sp({1, 1}), sp({1, 1}), sp({1, 1}, 0), sp({1, 1}, 0), 5, true}, 34);
  expect_conv<sequential<input<8, 13>, conv1d<16, 3, stride<2>, groups<4>>>>(
      {16, sp({3}), sp({2}), sp({1}), sp({0}, 0), sp({0}, 0), 4, true}, 35);
}

// Depthwise channels that are not a whole number of vectors (24 and 40 with AVX-512's 16 lanes, 1000
// with any): the fast kernel runs the whole vectors and then a tail of single channels. It used to fall
// back to a scalar tile as wide as all C channels, on the stack.
TEST(ConvKernel, DepthwiseAtAwkwardChannelCounts) {
  expect_conv<sequential<input<24, 5, 7>, depthwise_conv2d<3, pad<1>>>>(
      {24, sp({3, 3}), sp({1, 1}), sp({1, 1}), sp({1, 1}, 0), sp({1, 1}, 0), 24, true}, 20);
  expect_conv<sequential<input<40, 6, 5>, depthwise_conv2d<3, stride<2>, pad<1>>>>(
      {40, sp({3, 3}), sp({2, 2}), sp({1, 1}), sp({1, 1}, 0), sp({1, 1}, 0), 40, true}, 21);
  expect_conv<sequential<input<1000, 3, 4>, depthwise_conv2d<3, pad<1>, no_bias>>>(
      {1000, sp({3, 3}), sp({1, 1}), sp({1, 1}), sp({1, 1}, 0), sp({1, 1}, 0), 1000, false}, 22);
  expect_conv<sequential<input<7, 4, 9>, depthwise_conv2d<kernel<1, 3>, dilation<1, 2>>>>(
      {7, sp({1, 3}), sp({1, 1}), sp({1, 2}), sp({0, 0}, 0), sp({0, 0}, 0), 7, true}, 23);
}

// The depthwise kernel takes its channels in blocks of at most half a register tile's vectors (four
// blocks of 32 channels here with AVX-512, 16 of 8 with AVX2) and splits a row into equal tiles: 7
// pixels as 4 + 3 (stride 1) and 13 as 5 + 5 + 3 where the tile holds 6, 9 as 5 + 4 (stride 2).
TEST(ConvKernel, DepthwiseChannelBlocksAndEqualRowTiles) {
  expect_conv<sequential<input<128, 5, 7>, depthwise_conv2d<3, pad<1>>>>(
      {128, sp({3, 3}), sp({1, 1}), sp({1, 1}), sp({1, 1}, 0), sp({1, 1}, 0), 128, true}, 26);
  expect_conv<sequential<input<96, 4, 13>, depthwise_conv2d<3, pad<1>, no_bias>>>(
      {96, sp({3, 3}), sp({1, 1}), sp({1, 1}), sp({1, 1}, 0), sp({1, 1}, 0), 96, false}, 27);
  expect_conv<sequential<input<64, 6, 18>, depthwise_conv2d<3, stride<2>, pad<1>>>>(
      {64, sp({3, 3}), sp({2, 2}), sp({1, 1}), sp({1, 1}, 0), sp({1, 1}, 0), 64, true}, 28);
}

// Strided depthwise windows inside the input along W read each input vector straight into its FMA (x86):
// rows wide enough for tiles of 12 pixels inside the input between the border tiles, with 48 channels
// (3 vectors of AVX-512, 6 of AVX2) and with 40 (a tail of single channels), stride 2, and stride 3
// dilated along W (dropping the dilation from the direct path's offsets fails this test).
TEST(ConvKernel, StridedDepthwiseRows) {
  expect_conv<sequential<input<48, 5, 61>, depthwise_conv2d<3, stride<2>, pad<1>>>>(
      {48, sp({3, 3}), sp({2, 2}), sp({1, 1}), sp({1, 1}, 0), sp({1, 1}, 0), 48, true}, 24);
  expect_conv<sequential<input<40, 4, 130>, depthwise_conv2d<5, stride<3>, pad<2>, dilation<1, 2>, no_bias>>>(
      {40, sp({5, 5}), sp({3, 3}), sp({1, 2}), sp({2, 2}, 0), sp({2, 2}, 0), 40, false}, 25);
}

// The depthwise kernel's stack does not grow with the channels: 1001 channels (no whole number of
// vectors on any target) run on a thread with a 48 KiB stack. The scalar fallback kept pixels x 1001
// accumulators and inputs there: 56 KB with SSE's tile, and it crashed here.
TEST(ConvKernel, DepthwiseStackStaysSmall) {
  using net = sequential<input<1001, 3, 40>::with<nhwc>, depthwise_conv2d<3, pad<1>>>;
  struct job {
    std::unique_ptr<net::prepared> w = std::make_unique<net::prepared>();
    std::unique_ptr<static_arena<net::prepared>> arena = std::make_unique<static_arena<net::prepared>>();
    std::vector<float> x = std::vector<float>(net::input_size, 1.0f), y = std::vector<float>(net::output_size);
  } j;
  // Every weight 1 and every bias 0.5 on an input of ones: an output is 0.5 plus the taps inside the
  // input, 9 inside, 6 on an edge, 4 in a corner (by hand), in every channel, the tail ones included.
  {
    auto plain = std::make_unique<net::weights>();
    plain->values.fill(1.0f);
    for (int c = 0; c < 1001; ++c) plain->values[static_cast<std::size_t>(1001 * 9 + c)] = 0.5f;
    prepare_into(*plain, *j.w);
  }
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  ASSERT_EQ(pthread_attr_setstacksize(&attr, 48 * 1024), 0);
  pthread_t thread;
  const auto run = [](void* p) -> void* {
    job& j = *static_cast<job*>(p);
    net::forward(*j.w, std::span<const float, net::input_size>(j.x.data(), net::input_size),
                 std::span<float, net::output_size>(j.y.data(), net::output_size), *j.arena);
    return nullptr;
  };
  ASSERT_EQ(pthread_create(&thread, &attr, run, &j), 0);
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attr);
  const auto at = [&j](int h, int w, int c) { return j.y[static_cast<std::size_t>((h * 40 + w) * 1001 + c)]; };
  for (int c = 0; c < 1001; ++c) {
    ASSERT_EQ(at(1, 20, c), 9.5f) << c;
    ASSERT_EQ(at(0, 20, c), 6.5f) << c;
    ASSERT_EQ(at(0, 0, c), 4.5f) << c;
    ASSERT_EQ(at(2, 39, c), 4.5f) << c;
  }
}

TEST(ConvKernel, PaddingModes) {
  // Asymmetric: top 0, left 1, bottom 2, right 0.
  expect_conv<sequential<input<2, 6, 6>, conv2d<2, 3, pad_begin<0, 1>, pad_end<2, 0>>>>(
      {2, sp({3, 3}), sp({1, 1}), sp({1, 1}), sp({0, 1}, 0), sp({2, 0}, 0), 1, true}, 6);
  // PyTorch same with an even kernel: total 3, one before, two after.
  expect_conv<sequential<input<2, 6, 5>, conv2d<2, 4, pad_same>>>(
      {2, sp({4, 4}), sp({1, 1}), sp({1, 1}), sp({1, 1}, 0), sp({2, 2}, 0), 1, true}, 7);
  // TensorFlow SAME, stride 2 on 7: o = 4, need (4-1)2 + 3 - 7 = 2 -> 1 and 1; on 6: need 1 -> 0 and 1.
  expect_conv<sequential<input<2, 7, 6>, conv2d<3, 3, stride<2>, pad_tf_same>>>(
      {3, sp({3, 3}), sp({2, 2}), sp({1, 1}), sp({1, 0}, 0), sp({1, 1}, 0), 1, true}, 8);
  // full: K - 1 on each side.
  expect_conv<sequential<input<1, 4, 4>, conv2d<2, 3, pad_full>>>(
      {2, sp({3, 3}), sp({1, 1}), sp({1, 1}), sp({2, 2}, 0), sp({2, 2}, 0), 1, true}, 9);
}

TEST(ConvKernel, OneAndThreeDimensional) {
  expect_conv<sequential<input<3, 20>, conv1d<4, 5, stride<3>, pad<2>, dilation<2>>>>(
      {4, sp({5}), sp({3}), sp({2}), sp({2}, 0), sp({2}, 0), 1, true}, 10);
  expect_conv<sequential<input<2, 5, 6, 4>, conv3d<4, kernel<3, 2, 3>, stride<1, 2, 1>, pad<1, 0, 1>, groups<2>>>>(
      {4, sp({3, 2, 3}), sp({1, 2, 1}), sp({1, 1, 1}), sp({1, 0, 1}, 0), sp({1, 0, 1}, 0), 2, true}, 11);
}

namespace {
struct transpose_case {
  int out_channels;
  dims3 k, s, d, p, a;
  int groups;
};

template <class Net>
void expect_conv_transpose(const transpose_case& c, unsigned seed) {
  harness::expect_matches<Net>(
      [&](const naive::tensor& x, const std::vector<float>& p) {
        const auto [w, b] = harness::split(p, static_cast<std::size_t>(c.out_channels));
        return naive::conv_transpose(x, w, b, c.out_channels, c.k, c.s, c.d, c.p, c.a, c.groups);
      },
      seed);
}
}  // namespace

TEST(ConvTransposeKernel, AgainstScatter) {
  expect_conv_transpose<sequential<input<3, 4, 5>, conv_transpose2d<2, 3, stride<2>>>>(
      {2, sp({3, 3}), sp({2, 2}), sp({1, 1}), sp({0, 0}, 0), sp({0, 0}, 0), 1}, 20);
  expect_conv_transpose<sequential<input<4, 4, 4>, conv_transpose2d<4, 4, stride<2>, pad<1>, groups<2>>>>(
      {4, sp({4, 4}), sp({2, 2}), sp({1, 1}), sp({1, 1}, 0), sp({0, 0}, 0), 2}, 21);
  expect_conv_transpose<sequential<input<2, 3, 3>, conv_transpose2d<3, 3, stride<3>, pad<1>, output_padding<2>>>>(
      {3, sp({3, 3}), sp({3, 3}), sp({1, 1}), sp({1, 1}, 0), sp({2, 2}, 0), 1}, 22);
  // Output padding below the dilation, above the stride.
  expect_conv_transpose<sequential<input<2, 4, 3>, conv_transpose2d<2, 2, dilation<3>, output_padding<2, 1>>>>(
      {2, sp({2, 2}), sp({1, 1}), sp({3, 3}), sp({0, 0}, 0), sp({2, 1}, 0), 1}, 23);
  expect_conv_transpose<sequential<input<2, 5>, conv_transpose1d<3, 3, stride<2>, pad<1>, output_padding<1>>>>(
      {3, sp({3}), sp({2}), sp({1}), sp({1}, 0), sp({1}, 0), 1}, 24);
  expect_conv_transpose<sequential<input<2, 2, 3, 2>, conv_transpose3d<2, 2, stride<2>>>>(
      {2, sp({2, 2, 2}), sp({2, 2, 2}), sp({1, 1, 1}), sp({0, 0, 0}, 0), sp({0, 0, 0}, 0), 1}, 25);
}

// Kernel 4, stride 2: every stride phase a 2x2 convolution, run as Winograd F(2x2, 2x2) on targets with
// 256-bit vectors or wider (an AVX2 or AVX-512 build here): padding 1 (U-Net's), none, 2, output padding
// (phases of different lengths, a last tile half outside), output channels off the vector width, a row
// of several register tiles. Integer data exact (the transforms only add), random floats within 1e-5.
template <class Layer, index_t C, index_t H, index_t W>
inline constexpr bool by_transposed_winograd = winograd_transposed_f22<Layer::params, shape{C, H, W}, float>::applies;
TEST(ConvTransposeKernel, WinogradForKernelFourStrideTwo) {
  using unet = conv_transpose2d<24, 4, stride<2>, pad<1>>;
  static_assert(by_transposed_winograd<unet, 16, 5, 7> == (CTNN_VECTOR_BYTES >= 32));
  static_assert(!by_transposed_winograd<conv_transpose2d<24, 3, stride<2>, pad<1>>, 16, 5, 7> &&
                !by_transposed_winograd<conv_transpose2d<24, 4, stride<2>, pad<1>, groups<2>>, 16, 5, 7> &&
                !by_transposed_winograd<conv_transpose2d<24, 4, stride<2>, dilation<2>>, 16, 5, 7> &&
                !by_transposed_winograd<conv_transpose2d<24, 2, stride<2>>, 16, 5, 7> &&
                !by_transposed_winograd<unet, 8, 5, 7> && !by_transposed_winograd<conv_transpose2d<8, 4, stride<2>>, 16, 5, 7>);
  expect_conv_transpose<sequential<input<16, 5, 7>, unet>>(
      {24, sp({4, 4}), sp({2, 2}), sp({1, 1}), sp({1, 1}, 0), sp({0, 0}, 0), 1}, 40);
  expect_conv_transpose<sequential<input<16, 4, 6>, conv_transpose2d<16, 4, stride<2>>>>(
      {16, sp({4, 4}), sp({2, 2}), sp({1, 1}), sp({0, 0}, 0), sp({0, 0}, 0), 1}, 41);
  expect_conv_transpose<sequential<input<20, 3, 5>, conv_transpose2d<32, 4, stride<2>, pad<1>, output_padding<1>>>>(
      {32, sp({4, 4}), sp({2, 2}), sp({1, 1}), sp({1, 1}, 0), sp({1, 1}, 0), 1}, 42);
  expect_conv_transpose<sequential<input<16, 6, 5>, conv_transpose2d<17, 4, stride<2>, pad<2, 1>>>>(
      {17, sp({4, 4}), sp({2, 2}), sp({1, 1}), sp({2, 1}, 0), sp({0, 0}, 0), 1}, 43);
  expect_conv_transpose<sequential<input<16, 2, 40>, conv_transpose2d<32, 4, stride<2>, pad<1>>>>(
      {32, sp({4, 4}), sp({2, 2}), sp({1, 1}), sp({1, 1}, 0), sp({0, 0}, 0), 1}, 44);
}

// Dumoulin & Visin: a convolution is y = C x and the transposed convolution with the same weights is
// C^T; so <C x, y> = <x, C^T y>. Integer weights make the matrices exact.
TEST(ConvTransposeKernel, IsTheAdjointOfTheConvolution) {
  // 7x7 -> k3 s2 p1 -> 4x4; back to 7x7 with output padding (7 + 2 - 3) mod 2 = 0.
  using conv = sequential<input<2, 7, 7>, conv2d<3, 3, stride<2>, pad<1>, no_bias>>;
  using transposed = sequential<input<3, 4, 4>, conv_transpose2d<2, 3, stride<2>, pad<1>, no_bias,
                                                                 output_padding<inverse_output_padding(7, 3, 2, 1)>>>;
  static_assert(transposed::output_shape == conv::input_shape);
  const auto w = harness::random_values(harness::parameter_count<conv>(), 30, true, 2);
  auto cw = std::make_unique<conv::weights>();
  auto tw = std::make_unique<transposed::weights>();
  ASSERT_TRUE(load_weights(*cw, std::span<const float>(w)).ok);
  ASSERT_TRUE(load_weights(*tw, std::span<const float>(w)).ok);  // same tensor: [C_out, C_in, k, k] both ways

  std::vector<float> c(conv::output_size * conv::input_size), t(transposed::output_size * transposed::input_size);
  auto ca = std::make_unique<static_arena<conv>>();
  auto ta = std::make_unique<static_arena<transposed>>();
  linear_map_matrix<conv>(*cw, std::span<float>(c), *ca);
  linear_map_matrix<transposed>(*tw, std::span<float>(t), *ta);
  for (count_t r = 0; r < conv::output_size; ++r)
    for (count_t col = 0; col < conv::input_size; ++col)
      ASSERT_EQ(c[r * conv::input_size + col], t[col * conv::output_size + r]) << r << ", " << col;

  const auto x = harness::random_values(conv::input_size, 31), y = harness::random_values(conv::output_size, 32);
  std::vector<float> cx(conv::output_size), cty(conv::input_size);
  conv::forward(*cw, std::span<const float, conv::input_size>(x), std::span<float, conv::output_size>(cx), *ca);
  double lhs = 0;
  for (count_t i = 0; i < conv::output_size; ++i) lhs += double(cx[i]) * y[i];
  transposed::forward(*tw, std::span<const float, transposed::input_size>(y), std::span<float, transposed::output_size>(cty),
                      *ta);
  double rhs = 0;
  for (count_t i = 0; i < conv::input_size; ++i) rhs += double(x[i]) * cty[i];
  EXPECT_NEAR(lhs, rhs, 1e-4 * std::abs(lhs) + 1e-5);
}

// The worked examples of the reference: arange(25) as 1x1x5x5 with a 2x2 kernel of ones.
TEST(ConvKernel, WorkedExamplesAreExact) {
  std::vector<float> x(25);
  for (int i = 0; i < 25; ++i) x[i] = float(i);
  const std::vector<float> ones{1, 1, 1, 1};
  EXPECT_TRUE(exactly(harness::run<sequential<input<1, 5, 5>, conv2d<1, 2, no_bias>>, layout::nchw>(x, ones),
                      {12, 16, 20, 24, 32, 36, 40, 44, 52, 56, 60, 64, 72, 76, 80, 84}));
  EXPECT_TRUE(exactly(harness::run<sequential<input<1, 5, 5>, conv2d<1, 2, stride<2>, no_bias>>, layout::nchw>(x, ones),
                      {12, 20, 52, 60}));
  const auto padded = harness::run<sequential<input<1, 5, 5>, conv2d<1, 2, pad<1>, no_bias>>, layout::nchw>(x, ones);
  ASSERT_EQ(padded.size(), 36u);
  EXPECT_TRUE(exactly({padded.begin(), padded.begin() + 6}, {0, 1, 3, 5, 7, 4}));
  EXPECT_TRUE(exactly({padded.end() - 6, padded.end()}, {20, 41, 43, 45, 47, 24}));
  EXPECT_TRUE(exactly(harness::run<sequential<input<1, 5, 5>, conv2d<1, 2, dilation<2>, no_bias>>, layout::nchw>(x, ones),
                      {24, 28, 32, 44, 48, 52, 64, 68, 72}));
}

// Partial convolution inside a network: the padding is the only hole, so the ratio is k_area / taps
// inside. On an all-ones input with a ones kernel every output is k_area (= 9) plus the bias.
TEST(PartialConvKernel, PaddingAsHolesRestoresTheFullWindowSum) {
  using net = sequential<input<1, 4, 4>, partial_conv2d<1, 3, pad<1>>>;
  std::vector<float> params(10, 1.0f);  // 9 weights, bias 1
  const auto y = harness::run<net, layout::nchw>(std::vector<float>(16, 1.0f), params);
  for (float v : y) EXPECT_EQ(v, 10.0f);
  // A plain convolution would see 4 of 9 taps in a corner: 4 + 1.
  const auto plain = harness::run<sequential<input<1, 4, 4>, conv2d<1, 3, pad<1>>>, layout::nchw>(std::vector<float>(16, 1.0f), params);
  EXPECT_EQ(plain[0], 5.0f);
}

// NHWC networks run the fast kernels on prepared weights; the schedule's lowering says which.
using fast_net = sequential<input<8, 6, 6>::with<nhwc>, conv2d<16, 3>, depthwise_conv2d<3, pad<1>>,
                            conv_transpose2d<8, 2, stride<2>>, flatten, linear<4>>;
constexpr auto& fast_nodes = schedule_of<fast_net>::value.nodes;
static_assert(fast_nodes[0].lower.fast && !fast_nodes[0].lower.depthwise);
static_assert(fast_nodes[1].lower.fast && fast_nodes[1].lower.depthwise);
static_assert(fast_nodes[2].lower.fast && !fast_nodes[3].lower.fast && fast_nodes[4].lower.fast);
// In NCHW the convolutions keep PyTorch's order (the plain loops read it); only the linear layer packs.
using slow_net = harness::relayout<fast_net, layout::nchw>::type;
static_assert(!schedule_of<slow_net>::value.nodes[0].lower.fast && schedule_of<slow_net>::value.nodes[4].lower.fast);
static_assert(slow_net::prepared::layout_type::offsets[1] == impl::align_up(16 * 8 * 9 + 16));

TEST(PreparedWeights, PackingIsConstexprAndTransposesLinear) {
  using net = sequential<input<3>, linear<2>>;
  static constexpr auto packed = [] {
    net::weights w{};
    for (int i = 0; i < 6; ++i) w.at<0>().weight[i] = float(i + 1);  // [out 2][in 3]
    w.at<0>().bias[0] = 7;
    w.at<0>().bias[1] = 8;
    return prepare<net>(w);
  }();
  // [in][out padded to a whole register tile], zeros in the padding, then the bias, padded.
  constexpr index_t P = packed_linear<float, 3, 2>::padded;
  static_assert(P >= 2 && P % 2 == 0);
  constexpr auto& weight = packed.values;
  static_assert(weight.size() >= 4 * P);
  static_assert(weight[0] == 1 && weight[1] == 4 && weight[P] == 2 && weight[P + 1] == 5 && weight[2 * P] == 3 &&
                weight[2 * P + 1] == 6);
  static_assert(P == 2 || (weight[2] == 0 && weight[3 * P - 1] == 0));
  static_assert(weight[3 * P] == 7 && weight[3 * P + 1] == 8);
  SUCCEED();
}

// Wide rows, so that whole register tiles lie inside the input: the fast kernel then reads a row's taps
// and channels as one contiguous run (NHWC); the edges still take the per-tap path.
TEST(ConvKernel, WideRowsTakeTheContiguousPath) {
  expect_conv<sequential<input<3, 5, 40>, conv2d<8, 3, pad<1>>>>(
      {8, sp({3, 3}), sp({1, 1}), sp({1, 1}), sp({1, 1}, 0), sp({1, 1}, 0), 1, true}, 40);
  expect_conv<sequential<input<2, 9, 45>, conv2d<6, 5, stride<2>>>>(
      {6, sp({5, 5}), sp({2, 2}), sp({1, 1}), sp({0, 0}, 0), sp({0, 0}, 0), 1, true}, 41);
  expect_conv<sequential<input<3, 15, 95>, conv2d<16, 11, stride<4>>>>(
      {16, sp({11, 11}), sp({4, 4}), sp({1, 1}), sp({0, 0}, 0), sp({0, 0}, 0), 1, true}, 42);
  expect_conv<sequential<input<4, 60>, conv1d<5, 3, pad_begin<2>, pad_end<0>>>>(
      {5, sp({3}), sp({1}), sp({1}), sp({2}, 0), sp({0}, 0), 1, true}, 43);
}

// Channel tiles of 2 or 3 vectors where the base tile has one (tile_for_width): 24 outputs padded to 32
// (2 vectors of AVX-512's 16 lanes), 48 and 144 (3 vectors: one tile, three tiles), pointwise and a
// strided 3x3, on rows of 20-30 pixels (tiles of 14 and 9 pixels, a last tile moved left); 96 outputs
// keep 2 vectors (the halves come before 3).
TEST(ConvKernel, ChannelTilesOfTwoAndThreeVectors) {
#if CTNN_VECTOR_BYTES == 64 && CTNN_VECTOR_REGISTERS >= 32
  static_assert(tile_for_width(24, 4, 56).channels == 32 && tile_for_width(24, 4, 56).pixels == 14);
  static_assert(tile_for_width(48, 4, 56).channels == 48 && tile_for_width(48, 4, 56).pixels == 8);
  static_assert(tile_for_width(144, 4, 28).channels == 48 && tile_for_width(144, 4, 28).pixels == 7);
  static_assert(tile_for_width(96, 4, 55).channels == 32 && tile_for_width(96, 4, 55).pixels == 14);
#endif
  expect_conv<sequential<input<20, 3, 30>, conv2d<24, 1>>>({24, sp({1, 1}), sp({1, 1}), sp({1, 1}), sp({0, 0}, 0), sp({0, 0}, 0), 1, true}, 60);
  expect_conv<sequential<input<8, 2, 29>, conv2d<48, 1>>>({48, sp({1, 1}), sp({1, 1}), sp({1, 1}), sp({0, 0}, 0), sp({0, 0}, 0), 1, true}, 61);
  expect_conv<sequential<input<6, 2, 23>, conv2d<144, 1>>>({144, sp({1, 1}), sp({1, 1}), sp({1, 1}), sp({0, 0}, 0), sp({0, 0}, 0), 1, true}, 62);
  expect_conv<sequential<input<5, 7, 41>, conv2d<48, 3, stride<2>, pad<1>>>>(
      {48, sp({3, 3}), sp({2, 2}), sp({1, 1}), sp({1, 1}, 0), sp({1, 1}, 0), 1, true}, 63);
  expect_conv<sequential<input<3, 2, 20>, conv2d<96, 1>>>({96, sp({1, 1}), sp({1, 1}), sp({1, 1}), sp({0, 0}, 0), sp({0, 0}, 0), 1, true}, 64);
}

// Small maps with many input channels take the small-map kernel: tiles of pixels across rows, the
// reduction in blocks of input channels whose partial sums wait in the output. 400 input channels x 9
// or 25 taps exceed a block on every target (at most 48 KiB of a channel tile's weights: 85 channels
// with the 16-channel tiles of AVX-512 and AVX2 for 20 outputs, 341 with SSE's 4), so the first two
// cases sum over several blocks; 5x5 and 3x7 maps end in a short tile; 20 outputs end in a partial
// channel tile. (3x3 kernels of stride 1 run as Winograd on these maps: ConvKernel.WinogradOverSmallMaps.)
// Integer data: 3,600 products summed in another order than the reference's are exact only on integers
// (random floats move the 5th digit).
template <class Layer, index_t C, index_t H, index_t W>
inline constexpr bool by_small_map = small_map<Layer::params, shape{C, H, W}, float>::used &&
                                     !winograd_f23<Layer::params, shape{C, H, W}, float>::applies;
TEST(ConvKernel, SmallMapsSumOverBlocksOfInputChannels) {
  constexpr auto integers = harness::data::integers;
  static_assert(CTNN_VECTOR_REGISTERS < 16 || (by_small_map<conv2d<20, 5, pad<2>>, 400, 5, 5> &&
                                               by_small_map<conv2d<40, 3, pad<1>, dilation<1, 2>>, 64, 3, 7>));
  expect_conv<sequential<input<400, 5, 5>, conv2d<20, 5, pad<2>>>>(
      {20, sp({5, 5}), sp({1, 1}), sp({1, 1}), sp({2, 2}, 0), sp({2, 2}, 0), 1, true}, 50, integers);
  expect_conv<sequential<input<400, 7, 9>, conv2d<16, 3, stride<2>, no_bias>>>(
      {16, sp({3, 3}), sp({2, 2}), sp({1, 1}), sp({0, 0}, 0), sp({0, 0}, 0), 1, false}, 51, integers);
  expect_conv<sequential<input<64, 3, 7>, conv2d<40, 3, pad<1>, dilation<1, 2>>>>(
      {40, sp({3, 3}), sp({1, 1}), sp({1, 2}), sp({1, 1}, 0), sp({1, 1}, 0), 1, true}, 52);
}

// Pointwise convolutions on small maps read each tile's inputs from one address (pixel p's at p * C), the
// map's pixels in equal tiles; the last tile moves left to end at the map's end and stores only its
// own pixels (AVX-512: 35 as 12 + 12 + 11, 49 as five tiles of 10): the sums over two and three blocks of input
// channels, 20 outputs (a partial channel tile), MobileNetV2's 960 -> 160 at 7x7.
TEST(ConvKernel, PointwiseSmallMaps) {
  constexpr auto integers = harness::data::integers;
  static_assert(CTNN_VECTOR_REGISTERS < 16 || (by_small_map<conv2d<20, 1>, 1000, 5, 7> && by_small_map<conv2d<160, 1>, 960, 7, 7>));
  static_assert(small_map<conv2d<20, 1>::params, shape{1000, 5, 7}, float>::pointwise &&
                !small_map<conv2d<20, 1, stride<2>>::params, shape{1000, 5, 7}, float>::pointwise &&
                !small_map<conv2d<20, 1, pad<1>>::params, shape{1000, 5, 7}, float>::pointwise);
  expect_conv<sequential<input<1000, 5, 7>, conv2d<20, 1>>>(
      {20, sp({1, 1}), sp({1, 1}), sp({1, 1}), sp({0, 0}, 0), sp({0, 0}, 0), 1, true}, 57, integers);
  expect_conv<sequential<input<960, 7, 7>, conv2d<160, 1, no_bias>>>(
      {160, sp({1, 1}), sp({1, 1}), sp({1, 1}), sp({0, 0}, 0), sp({0, 0}, 0), 1, false}, 58, integers);
  expect_conv<sequential<input<64, 3, 9>, conv2d<24, 1>>>({24, sp({1, 1}), sp({1, 1}), sp({1, 1}), sp({0, 0}, 0), sp({0, 0}, 0), 1, true}, 59);
}

// Weights larger than an L2 cache (2.4 MB here) are packed in the order the kernel reads them, channel
// tile by channel tile and block by block (packed_streamed), and prefetched a block ahead: the sums over
// blocks the same as with packed_taps' layout (the prefetches are hints; their addresses stay in the
// weights). 530 input channels end in a short block; 100 outputs in a partial channel tile. A 1x1
// layer keeps packed_taps' layout (the depthwise + pointwise pass reads it).
template <class Layer, shape In>
inline constexpr bool streamed_in = impl::conv_packing<placed_layer<Layer, In>, float>::streamed;
TEST(ConvKernel, SmallMapsWithStreamedWeights) {
  using layer = conv2d<128, 3, stride<2>, pad<1>>;
  using map = small_map<layer::params, shape{512, 8, 10}, float>;
  static_assert(CTNN_VECTOR_BYTES < 32 || (map::used && map::streams_weights && by_small_map<layer, 512, 8, 10>));
  static_assert(!small_map<layer::params, shape{256, 8, 10}, float>::streams_weights);  // 1.2 MB
  using wide = conv2d<100, 3, pad<1>>;
  static_assert(streamed_in<layer, shape{512, 8, 10}> == (CTNN_VECTOR_BYTES >= 32) &&
                streamed_in<wide, shape{530, 7, 7}> == (CTNN_VECTOR_BYTES >= 32));
  static_assert(!streamed_in<layer, shape{256, 8, 10}> && !streamed_in<conv2d<512, 1>, shape{2048, 7, 7}>);
  expect_conv<sequential<input<512, 8, 10>, layer>>({128, sp({3, 3}), sp({2, 2}), sp({1, 1}), sp({1, 1}, 0), sp({1, 1}, 0), 1, true}, 53,
                   harness::data::integers);
  expect_conv<sequential<input<530, 7, 7>, wide>>({100, sp({3, 3}), sp({1, 1}), sp({1, 1}), sp({1, 1}, 0), sp({1, 1}, 0), 1, true}, 54,
                  harness::data::integers);
}

// Constant evaluation runs the small-map kernel's scalar tile on streamed weights (no other kernel reads
// that layout): here at run time, with the vector tile, against the naive reference, bit for bit on
// integers.
TEST(ConvKernel, StreamedWeightsInTheScalarTile) {
  using node = placed_layer<conv2d<100, 3, pad<1>>, shape{530, 7, 7}>;
  using K = impl::conv_packing<node, float>;
  if constexpr (K::streamed) {
    constexpr conv_params p = node::type::params;
    constexpr shape in = node::input_shape, out{100, 7, 7};
    const auto plain = harness::random_values(530 * 100 * 9 + 100, 55, true, 2);
    const auto x = harness::random_values(530 * 49, 56, true);  // channel first
    const auto [weight, bias] = harness::split(plain, 100);
    const naive::tensor reference = naive::conv(harness::to_naive(x, in), weight, bias, 100, sp({3, 3}), sp({1, 1}),
                                                sp({1, 1}), sp({1, 1}, 0), sp({1, 1}, 0), 1);
    const auto expected = harness::to_layout(std::vector<float>(reference.v.begin(), reference.v.end()), out, layout::nhwc);
    std::vector<float> block(static_cast<std::size_t>(K::packed::elements));
    pack<node, layout::nhwc>(p, plain.data(), block.data());
    const typename K::packed w(block.data());
    const auto x_nhwc = harness::to_layout(x, in, layout::nhwc);
    std::vector<float> vector_tile(100 * 49), scalar_tile(100 * 49);
    conv_nhwc_small_map<true, p, in, no_activation>(x_nhwc.data(), w, vector_tile.data());
    conv_nhwc_small_map<false, p, in, no_activation>(x_nhwc.data(), w, scalar_tile.data());
    EXPECT_TRUE(harness::exactly(scalar_tile, expected));
    EXPECT_TRUE(harness::exactly(vector_tile, expected));
  }
}

// 3x3 convolutions of stride 1 on the small-map kernel's maps (ResNet's 14x14 and 7x7 stages) run as
// Winograd F(2x2, 3x3) over the whole map, one transform element at a time, each element's products
// added into the output pixels (targets with 256-bit vectors or wider): an odd map (its last tiles half
// outside) with 20 outputs (a partial channel tile), no padding, asymmetric padding, 512 input channels
// (weights prefetched an element's channel tile ahead), and a map with fewer tiles than a register
// tile's pixels, which keeps the direct small-map kernel. Integer data but for 17 input channels: where
// vectors are narrower than 256 bits the direct small-map kernel runs these, and 360-576 float products
// summed in its order move the 5th digit (as in SmallMapsSumOverBlocksOfInputChannels).
template <class Layer, index_t C, index_t H, index_t W>
inline constexpr bool by_whole_map_winograd = winograd_f23<Layer::params, shape{C, H, W}, float>::applies &&
                                              winograd_f23<Layer::params, shape{C, H, W}, float>::whole_map;
TEST(ConvKernel, WinogradOverSmallMaps) {
  using padded = conv2d<20, 3, pad<1>>;
  static_assert(by_whole_map_winograd<padded, 64, 7, 7> == (CTNN_VECTOR_BYTES >= 32));
  static_assert(by_whole_map_winograd<conv2d<32, 3, pad<1>>, 512, 6, 8> == (CTNN_VECTOR_BYTES >= 32));
  static_assert(!by_whole_map_winograd<padded, 64, 3, 3> && !by_whole_map_winograd<padded, 8, 7, 7>);
  constexpr auto integers = harness::data::integers;
  expect_conv<sequential<input<64, 7, 7>, padded>>({20, sp({3, 3}), sp({1, 1}), sp({1, 1}), sp({1, 1}, 0), sp({1, 1}, 0), 1, true}, 65,
                                                   integers);
  expect_conv<sequential<input<40, 9, 12>, conv2d<24, 3>>>({24, sp({3, 3}), sp({1, 1}), sp({1, 1}), sp({0, 0}, 0), sp({0, 0}, 0), 1, true}, 66,
                                                          integers);
  expect_conv<sequential<input<17, 10, 12>, conv2d<16, 3, pad_begin<0, 1>, pad_end<2, 1>, no_bias>>>(
      {16, sp({3, 3}), sp({1, 1}), sp({1, 1}), sp({0, 1}, 0), sp({2, 1}, 0), 1, false}, 67);
  expect_conv<sequential<input<512, 6, 8>, conv2d<32, 3, pad<1>>>>({32, sp({3, 3}), sp({1, 1}), sp({1, 1}), sp({1, 1}, 0), sp({1, 1}, 0), 1, true}, 68,
                                                                   integers);
  expect_conv<sequential<input<64, 3, 3>, padded>>({20, sp({3, 3}), sp({1, 1}), sp({1, 1}), sp({1, 1}, 0), sp({1, 1}, 0), 1, true}, 69,
                                                   integers);
}

// 3x3 convolutions of stride 1 with 16 or more channels each way, on maps wider than the small-map
// kernel's, run as Winograd F(2x2, 3x3) on targets with 256-bit vectors or wider (an AVX2 or AVX-512
// build here): odd output sizes (a last tile half outside), no padding, asymmetric padding, output
// channels off the vector width, rows of several register tiles, three rows. Integer data stays exact
// (the transforms' halves and quarters are exact in float on small integers); random floats within the
// harness's 1e-5.
template <class Layer, index_t C, index_t H, index_t W>
inline constexpr bool by_winograd = winograd_f23<Layer::params, shape{C, H, W}, float>::applies;
TEST(ConvKernel, WinogradForThreeByThreeStrideOne) {
  using padded = conv2d<32, 3, pad<1>>;
  static_assert(by_winograd<padded, 16, 9, 16> == (CTNN_VECTOR_BYTES >= 32));
  static_assert(!by_winograd<conv2d<32, 3, stride<2>, pad<1>>, 16, 9, 16> && !by_winograd<padded, 8, 9, 16> &&
                !by_winograd<conv2d<32, 3, dilation<2>, pad<2>>, 16, 9, 16> && !by_winograd<conv2d<32, 5, pad<2>>, 16, 9, 16> &&
                (by_winograd<padded, 16, 9, 8> && winograd_f23<padded::params, shape{16, 9, 8}, float>::whole_map) ==
                    (CTNN_VECTOR_BYTES >= 32));  // 8 wide: over the whole map (ConvKernel.WinogradOverSmallMaps)
  expect_conv<sequential<input<16, 9, 16>, padded>>({32, sp({3, 3}), sp({1, 1}), sp({1, 1}), sp({1, 1}, 0), sp({1, 1}, 0), 1, true}, 60);
  expect_conv<sequential<input<24, 11, 19>, conv2d<20, 3>>>({20, sp({3, 3}), sp({1, 1}), sp({1, 1}), sp({0, 0}, 0), sp({0, 0}, 0), 1, true}, 61);
  expect_conv<sequential<input<17, 6, 18>, conv2d<16, 3, pad_begin<0, 1>, pad_end<2, 1>, no_bias>>>(
      {16, sp({3, 3}), sp({1, 1}), sp({1, 1}), sp({0, 1}, 0), sp({2, 1}, 0), 1, false}, 62);
  expect_conv<sequential<input<32, 5, 40>, conv2d<48, 3, pad<1>>>>({48, sp({3, 3}), sp({1, 1}), sp({1, 1}), sp({1, 1}, 0), sp({1, 1}, 0), 1, true}, 63);
  expect_conv<sequential<input<16, 3, 16>, conv2d<24, 3, pad<1>>>>({24, sp({3, 3}), sp({1, 1}), sp({1, 1}), sp({1, 1}, 0), sp({1, 1}, 0), 1, true}, 64);
}
