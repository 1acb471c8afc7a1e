// Pooling, upsampling and padding kernels against the naive reference, in NCHW and NHWC, and the
// worked examples of the reference with their exact values.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "kernel_harness.hpp"

using namespace ctnn;
using harness::close;
using harness::exactly;
using naive::dims3;
using harness::sp;

namespace {
// Window layers have no parameters: the reference sees the input only.
template <class Net, class Reference>
void expect_like(Reference reference, unsigned seed, bool exact) {
  harness::expect_matches<Net>([&](const naive::tensor& x, const std::vector<float>&) { return reference(x); }, seed,
                               exact ? harness::data::integers : harness::data::floats);
}
}  // namespace

TEST(PoolKernel, MaxPooling) {
  expect_like<sequential<input<2, 8, 7>, max_pool2d<2>>>(
      [](const naive::tensor& x) { return naive::max_pool(x, sp({2, 2}), sp({2, 2}), sp({1, 1}), sp({0, 0}, 0), false); }, 1, true);
  expect_like<sequential<input<2, 9, 9>, max_pool2d<3, stride<2>, pad<1>>>>(
      [](const naive::tensor& x) { return naive::max_pool(x, sp({3, 3}), sp({2, 2}), sp({1, 1}), sp({1, 1}, 0), false); }, 2, false);
  expect_like<sequential<input<2, 8, 8>, max_pool2d<3, stride<2>, dilation<2>, pad<1>, ceil_mode>>>(
      [](const naive::tensor& x) { return naive::max_pool(x, sp({3, 3}), sp({2, 2}), sp({2, 2}), sp({1, 1}, 0), true); }, 3, false);
  expect_like<sequential<input<2, 10>, max_pool1d<3, stride<2>, ceil_mode>>>(
      [](const naive::tensor& x) { return naive::max_pool(x, sp({3}), sp({2}), sp({1}), sp({0}, 0), true); }, 4, true);
  expect_like<sequential<input<1, 4, 5, 6>, max_pool3d<2, stride<1, 2, 2>>>>(
      [](const naive::tensor& x) { return naive::max_pool(x, sp({2, 2, 2}), sp({1, 2, 2}), sp({1, 1, 1}), sp({0, 0, 0}, 0), false); }, 5, false);
}

TEST(PoolKernel, AveragePooling) {
  expect_like<sequential<input<2, 8, 8>, avg_pool2d<2>>>(
      [](const naive::tensor& x) { return naive::avg_pool(x, sp({2, 2}), sp({2, 2}), sp({0, 0}, 0), false, true); }, 6, true);
  expect_like<sequential<input<2, 7, 7>, avg_pool2d<3, stride<2>, pad<1>>>>(
      [](const naive::tensor& x) { return naive::avg_pool(x, sp({3, 3}), sp({2, 2}), sp({1, 1}, 0), false, true); }, 7, false);
  expect_like<sequential<input<2, 7, 7>, avg_pool2d<3, stride<2>, pad<1>, exclude_pad>>>(
      [](const naive::tensor& x) { return naive::avg_pool(x, sp({3, 3}), sp({2, 2}), sp({1, 1}, 0), false, false); }, 8, false);
  expect_like<sequential<input<2, 6, 6>, avg_pool2d<3, stride<2>, pad<1>, ceil_mode>>>(
      [](const naive::tensor& x) { return naive::avg_pool(x, sp({3, 3}), sp({2, 2}), sp({1, 1}, 0), true, true); }, 9, false);
  expect_like<sequential<input<2, 5, 6, 7>, avg_pool3d<3, stride<2>, pad<1>, exclude_pad>>>(
      [](const naive::tensor& x) { return naive::avg_pool(x, sp({3, 3, 3}), sp({2, 2, 2}), sp({1, 1, 1}, 0), false, false); }, 10, false);
}

TEST(PoolKernel, AdaptiveAndGlobal) {
  expect_like<sequential<input<2, 7, 5>, adaptive_avg_pool2d<3, 2>>>(
      [](const naive::tensor& x) { return naive::adaptive_pool(x, sp({3, 2}), false); }, 11, false);
  expect_like<sequential<input<2, 4, 5>, adaptive_max_pool2d<6, 3>>>(  // more outputs than inputs along H
      [](const naive::tensor& x) { return naive::adaptive_pool(x, sp({6, 3}), true); }, 12, true);
  expect_like<sequential<input<3, 5, 4>, global_avg_pool>>(
      [](const naive::tensor& x) { return naive::adaptive_pool(x, sp({1, 1}), false); }, 13, false);
  expect_like<sequential<input<3, 2, 5, 4>, global_max_pool>>(
      [](const naive::tensor& x) { return naive::adaptive_pool(x, sp({1, 1, 1}), true); }, 14, true);
}

TEST(UpsampleKernel, NearestAndLinear) {
  // PyTorch's float ratios: 1/scale with a scale factor, in/out with a size.
  const float half[3] = {1.0f, 0.5f, 0.5f}, two_thirds[3] = {1.0f, 1.0f, float(1.0 / 1.5)};
  expect_like<sequential<input<2, 3, 4>, upsample_nearest2d<scale_factor<2>>>>(
      [&](const naive::tensor& x) { return naive::upsample(x, sp({6, 8}), half, false, false); }, 20, true);
  expect_like<sequential<input<2, 5>, upsample_nearest1d<scale_ratio<3, 2>>>>(
      [&](const naive::tensor& x) { return naive::upsample(x, sp({7}), two_thirds, false, false); }, 21, true);
  const float five_sevenths[3] = {1.0f, 1.0f, 5.0f / 7.0f};
  expect_like<sequential<input<2, 5>, upsample_linear1d<output_size<7>>>>(
      [&](const naive::tensor& x) { return naive::upsample(x, sp({7}), five_sevenths, true, false); }, 22, false);
  expect_like<sequential<input<2, 3, 4>, upsample_bilinear2d<scale_factor<2>>>>(
      [&](const naive::tensor& x) { return naive::upsample(x, sp({6, 8}), half, true, false); }, 23, false);
  expect_like<sequential<input<2, 3, 4>, upsample_bilinear2d<output_size<5, 9>, align_corners>>>(
      [&](const naive::tensor& x) { return naive::upsample(x, sp({5, 9}), half, true, true); }, 24, false);
  const float third[3] = {0.5f, 0.5f, 0.5f};
  expect_like<sequential<input<1, 2, 3, 2>, upsample_trilinear3d<scale_factor<2>>>>(
      [&](const naive::tensor& x) { return naive::upsample(x, sp({4, 6, 4}), third, true, false); }, 25, false);
}

TEST(PadKernel, EveryMode) {
  expect_like<sequential<input<2, 4, 5>, zero_pad2d<pad_begin<1, 0>, pad_end<2, 3>>>>(
      [](const naive::tensor& x) { return naive::pad(x, sp({1, 0}, 0), sp({2, 3}, 0), naive::pad_kind::zero); }, 30, true);
  expect_like<sequential<input<2, 4, 5>, reflection_pad2d<pad_begin<3, 1>, pad_end<2, 4>>>>(
      [](const naive::tensor& x) { return naive::pad(x, sp({3, 1}, 0), sp({2, 4}, 0), naive::pad_kind::reflect); }, 31, true);
  expect_like<sequential<input<2, 3, 2, 4>, replication_pad3d<pad<2>>>>(
      [](const naive::tensor& x) { return naive::pad(x, sp({2, 2, 2}, 0), sp({2, 2, 2}, 0), naive::pad_kind::replicate); }, 32, true);
  expect_like<sequential<input<2, 6>, reflection_pad1d<pad<5>>>>(
      [](const naive::tensor& x) { return naive::pad(x, sp({5}, 0), sp({5}, 0), naive::pad_kind::reflect); }, 33, true);
}

TEST(PadKernel, ConstantFillAndCrop) {
  std::vector<float> x{1, 2, 3, 4};
  EXPECT_TRUE(exactly(harness::run<sequential<input<1, 4>, constant_pad1d<pad_begin<1>, pad_end<2>, fill_value<-1, 2>>>, layout::nchw>(x, {}),
                      {-0.5f, 1, 2, 3, 4, -0.5f, -0.5f}));
  std::vector<float> grid(20);
  for (int i = 0; i < 20; ++i) grid[i] = float(i);
  // 4x5 -> drop row 0, column 0 and the last two columns -> rows 1..3, columns 1..2.
  EXPECT_TRUE(exactly(harness::run<sequential<input<1, 4, 5>, crop2d<crop_begin<1, 1>, crop_end<0, 2>>>, layout::nhwc>(grid, {}),
                      {6, 7, 11, 12, 16, 17}));
}

// The worked examples of the reference.
TEST(WindowKernels, WorkedExamplesAreExact) {
  std::vector<float> x(9);
  for (int i = 0; i < 9; ++i) x[i] = float(i);
  const auto reflected = harness::run<sequential<input<1, 3, 3>, reflection_pad2d<pad<2>>>, layout::nchw>(x, {});
  ASSERT_EQ(reflected.size(), 49u);
  EXPECT_TRUE(exactly({reflected.begin(), reflected.begin() + 7}, {8, 7, 6, 7, 8, 7, 6}));
  EXPECT_TRUE(exactly(harness::run<sequential<input<1, 2, 2>, upsample_nearest2d<scale_factor<2>>>, layout::nchw>({1, 2, 3, 4}, {}),
                      {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}));
}

// The point-wise families against their textbook formulas, computed here in double.
TEST(PointwiseKernels, LinearSoftmaxBatchNormActivations) {
  const auto x = harness::random_values(12, 40);
  // linear<3> on [2, 6]: every row of 6 maps to 3.
  const auto p = harness::random_values(3 * 6 + 3, 41);
  std::vector<double> want;
  for (int row = 0; row < 2; ++row)
    for (int j = 0; j < 3; ++j) {
      double s = p[18 + j];
      for (int k = 0; k < 6; ++k) s += double(p[j * 6 + k]) * x[row * 6 + k];
      want.push_back(s);
    }
  const auto [lin, lin_nhwc] = harness::run_both<sequential<input<2, 6>, linear<3, per_position>>>(x, p);
  EXPECT_TRUE(close(lin, want));
  EXPECT_TRUE(close(lin_nhwc, want));

  // softmax over the channels of [3, 4]: each of the 4 columns sums to one.
  const auto [sm, sm_nhwc] = harness::run_both<sequential<input<3, 4>, softmax>>(x, {});
  std::vector<double> soft(12);
  for (int col = 0; col < 4; ++col) {
    double m = -1e9, s = 0;
    for (int c = 0; c < 3; ++c) m = std::max(m, double(x[c * 4 + col]));
    for (int c = 0; c < 3; ++c) s += std::exp(x[c * 4 + col] - m);
    for (int c = 0; c < 3; ++c) soft[c * 4 + col] = std::exp(x[c * 4 + col] - m) / s;
  }
  EXPECT_TRUE(close(sm, soft));
  EXPECT_TRUE(close(sm_nhwc, soft));

  // batch norm on [2, 6]: (x - mean) / sqrt(var + 1e-5) * weight + bias per channel.
  const std::vector<float> bn{1.5f, -0.5f, 0.25f, 2.0f, 0.1f, -0.2f, 0.5f, 4.0f};  // weight, bias, mean, var
  std::vector<double> norm(12);
  for (int c = 0; c < 2; ++c)
    for (int i = 0; i < 6; ++i)
      norm[c * 6 + i] = (x[c * 6 + i] - bn[4 + c]) / std::sqrt(double(bn[6 + c]) + 1e-5) * bn[c] + bn[2 + c];
  const auto [b1, b2] = harness::run_both<sequential<input<2, 6>, batch_norm1d<>>>(x, bn);
  EXPECT_TRUE(close(b1, norm));
  EXPECT_TRUE(close(b2, norm));

  // activations.
  const auto check = [&](auto net_tag, auto f) {
    using net = typename decltype(net_tag)::type;
    std::vector<double> expect;
    for (float v : x) expect.push_back(f(double(v) * 4));
    std::vector<float> scaled;
    for (float v : x) scaled.push_back(v * 4);
    EXPECT_TRUE(close(harness::run<net, layout::nchw>(scaled, {}), expect, 1e-6, 1e-5));
  };
  check(std::type_identity<sequential<input<12>, relu6>>{}, [](double v) { return std::clamp(v, 0.0, 6.0); });
  check(std::type_identity<sequential<input<12>, leaky_relu<1, 4>>>{}, [](double v) { return v > 0 ? v : v / 4; });
  check(std::type_identity<sequential<input<12>, sigmoid>>{}, [](double v) { return 1 / (1 + std::exp(-v)); });
  check(std::type_identity<sequential<input<12>, ctnn::tanh_activation>>{}, [](double v) { return std::tanh(v); });
  check(std::type_identity<sequential<input<12>, hardswish>>{}, [](double v) { return v * std::clamp(v + 3, 0.0, 6.0) / 6; });
  check(std::type_identity<sequential<input<12>, silu>>{}, [](double v) { return v / (1 + std::exp(-v)); });
  check(std::type_identity<sequential<input<12>, gelu>>{}, [](double v) { return 0.5 * v * (1 + std::erf(v / std::sqrt(2.0))); });
}

// Running with double: the element type is the weights' and the arena's.
TEST(PointwiseKernels, DoublePrecision) {
  using net = sequential<input<2, 3>, conv1d<2, 2>, relu, flatten, linear<1>>;
  net::weights_of<double> w{};
  const std::array<double, 14> flat{1, 2, 3, 4, -1, -2, -3, -4,  // conv [2, 2, 2]
                                    0.5, 0.25,                   // its bias
                                    1, 10, 100, 1000};           // linear [1, 4] (its bias stays 0)
  ASSERT_FALSE(load_weights(w, std::span<const double>(flat)).ok);  // 15 numbers, with the linear bias
  for (std::size_t i = 0; i < flat.size(); ++i) w.values[i] = flat[i];
  static_arena<net::weights_of<double>> arena;
  const std::array<double, 6> x{1, 2, 3, 4, 5, 6};  // channel 0: 1 2 3, channel 1: 4 5 6
  std::array<double, 1> y{};
  net::forward(w, x, y, arena);
  // channel 0: 1*1+2*2+3*4+4*5 + .5 = 37.5, 2*1+3*2+5*3+6*4 + .5 = 47.5; channel 1: negative -> 0.
  EXPECT_EQ(y[0], 37.5 * 1 + 47.5 * 10);
}

// Integer element types (ONNX's Add, Mul and Clip of int8 / uint8 tensors): the values are computed in
// int and stored back, wrapping as numpy's and PyTorch's integer tensors do; the same with prepared
// weights. Expected values by modular arithmetic, by hand.
template <class T, class Net>
std::array<T, Net::output_size> run_integers(const std::array<T, Net::template weights_of<T>::size>& values,
                                             const std::array<T, Net::input_size>& x, bool prepared) {
  static typename Net::template weights_of<T> w{};
  for (std::size_t i = 0; i < values.size(); ++i) w.values[i] = values[i];
  std::array<T, Net::output_size> y{};
  if (prepared) {
    static typename Net::template prepared_weights_of<T> p{};
    prepare_into(w, p);
    static static_arena<typename Net::template prepared_weights_of<T>> arena;
    Net::forward(p, x, y, arena);
  } else {
    static static_arena<typename Net::template weights_of<T>> arena;
    Net::forward(w, x, y, arena);
  }
  return y;
}
TEST(PointwiseKernels, IntegerElementTypes) {
  using bytes = sequential<input<4>, add_tensor<4>, multiply_tensor<4>, clamp<-2, 100>>;
  using signed_bytes = sequential<input<4>, add_tensor<4>, relu, clamp_max<50>>;
  for (const bool prepared : {false, true}) {
    // uint8: (x + a) m mod 256, then at most 100.
    const std::array<std::uint8_t, 4> x{200, 3, 255, 17}, a{100, 4, 1, 0}, m{3, 5, 2, 1};
    const auto y = run_integers<std::uint8_t, bytes>({a[0], a[1], a[2], a[3], m[0], m[1], m[2], m[3]}, x, prepared);
    EXPECT_EQ(y, (std::array<std::uint8_t, 4>{(300 % 256) * 3 % 256 > 100 ? 100 : (300 % 256) * 3 % 256, 35, 0, 17}));
    // int8: 100 + 100 = 200 wraps to -56, which the ReLU takes to 0; 60 is held at 50; 20 - 9 = 11.
    const std::array<std::int8_t, 4> sx{100, -7, 60, 20}, sa{100, 3, 0, -9};
    const auto sy = run_integers<std::int8_t, signed_bytes>(sa, sx, prepared);
    EXPECT_EQ(sy, (std::array<std::int8_t, 4>{0, 0, 50, 11}));
  }
}

// Review findings, each with its reference.
TEST(UpsampleKernel, LargeNonDyadicRatiosFollowPyTorchsDoublePositions) {
  // 256 -> 384 (ratio 2/3 in float): positions computed in float drift by 1e-4 here.
  const float ratio[3] = {1.0f, 1.0f, float(256.0 / 384.0)};
  expect_like<sequential<input<1, 256>, upsample_linear1d<output_size<384>>>>(
      [&](const naive::tensor& x) { return naive::upsample(x, sp({384}), ratio, true, false); }, 50, false);
}

// Channel counts that take NHWC's vectors of channels, a tail after them, or only the tail, at every
// vector width (the layer's pooling loops differ between them).
TEST(PoolKernel, MaxPoolingOverEveryChannelBlock) {
  expect_like<sequential<input<16, 6, 6>, max_pool2d<2>>>(
      [](const naive::tensor& x) { return naive::max_pool(x, sp({2, 2}), sp({2, 2}), sp({1, 1}), sp({0, 0}, 0), false); }, 6, true);
  expect_like<sequential<input<35, 7, 7>, max_pool2d<3, stride<2>, pad<1>>>>(
      [](const naive::tensor& x) { return naive::max_pool(x, sp({3, 3}), sp({2, 2}), sp({1, 1}), sp({1, 1}, 0), false); }, 7, true);
  expect_like<sequential<input<6, 8, 8>, max_pool2d<2>>>(
      [](const naive::tensor& x) { return naive::max_pool(x, sp({2, 2}), sp({2, 2}), sp({1, 1}), sp({0, 0}, 0), false); }, 8, true);
}

// PyTorch's max pooling takes a NaN over anything in its window, +inf too ((val > max) || isnan(val)).
TEST(PoolKernel, MaxPoolingPropagatesNaN) {
  constexpr int channels = 35;  // vectors of channels and a tail
  using net = sequential<input<channels, 2, 4>, max_pool2d<2>>;
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  std::vector<float> x(channels * 8);  // NCHW: two 2x2 windows per channel
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 11) - 5.0f;
  for (int c : {3, 20, 34}) {
    x[c * 8 + 1] = nan;  // in the first window (row 0, column 1)
    x[c * 8 + 2] = inf;  // and +inf in the second (row 0, column 2)
  }
  x[7 * 8 + 4] = nan;  // channel 7's first window, row 1 column 0, beside +inf
  x[7 * 8 + 0] = inf;
  for (const layout l : {layout::nchw, layout::nhwc}) {
    const auto y = l == layout::nchw ? harness::run<net, layout::nchw>(x, {}) : harness::run<net, layout::nhwc>(x, {});
    for (int c = 0; c < channels; ++c) {
      const bool nan_first = c == 3 || c == 20 || c == 34 || c == 7;
      EXPECT_EQ(std::isnan(y[c * 2]), nan_first) << "channel " << c;
      if (c == 3 || c == 20 || c == 34) {
        EXPECT_EQ(y[c * 2 + 1], inf) << "channel " << c;
      }
    }
  }
}

TEST(UpsampleKernel, LinearPropagatesNaN) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  // PyTorch: upsample(scale 2, linear) of [1, NaN, 4, 5] is NaN from the first element on (0 * NaN).
  const auto y = harness::run<sequential<input<1, 4>, upsample_linear1d<scale_factor<2>>>, layout::nchw>({1, nan, 4, 5}, {});
  EXPECT_TRUE(std::isnan(y[0]));
  EXPECT_TRUE(std::isnan(y[3]));
  EXPECT_EQ(y[7], 5.0f);
}

TEST(PoolKernel, TensorFlowSameAveragePoolingCountsRealElements) {
  // 3x3 of ones with 8 in the last corner, 2x2 windows, stride 2, TF SAME: the windows at the right and
  // bottom edges hold 2, 2 and 1 real elements: 1, 1, 1, 8.
  const auto y = harness::run<sequential<input<1, 3, 3>, avg_pool2d<2, stride<2>, pad_tf_same>>, layout::nchw>(
      {1, 1, 1, 1, 1, 1, 1, 1, 8}, {});
  EXPECT_TRUE(exactly(y, {1, 1, 1, 8}));
}

TEST(PoolKernel, MaxPoolingOfIntegersStartsAtTheLowestValue) {
  using net = sequential<input<1, 2, 2>, max_pool2d<2>>;
  net::weights_of<std::int8_t> w{};
  static_arena<net::weights_of<std::int8_t>> arena;
  const std::array<std::int8_t, 4> x{-5, -3, -7, -2};
  std::array<std::int8_t, 1> y{};
  EXPECT_EQ(net::forward(w, x, y, arena)[0], -2);
}
