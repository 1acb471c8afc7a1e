// The int8 scheme (ctnn/kernels/quantize.hpp) and the reference int8 convolution, transposed convolution
// and linear kernels: the fixed-point arithmetic against values worked by hand; the kernels, in NCHW and
// NHWC, bit for bit against a naive convolution (and a scattering transposed one) written here from
// PyTorch's definition (int64 sums, the rounding steps spelled out differently from gemmlowp's), and
// within one LSB of PyTorch's quantized kernels (qnnpack) on tests/data/int8/reference.inc
// (tools/make_int8_reference.py), which requantize in float.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "ctnn/ctnn.hpp"
#include "reference_cases.hpp"

using namespace ctnn;

namespace {

constexpr std::int32_t two_30 = std::int32_t{1} << 30;

// ---- the arithmetic, by hand -------------------------------------------------------------------------

static_assert(round_half_even(2.5) == 2.0 && round_half_even(3.5) == 4.0 && round_half_even(-2.5) == -2.0 &&
              round_half_even(-2.6) == -3.0 && round_half_even(0.49) == 0.0);
// 0.5 = 2^30 2^(0 - 31); 0.25 = 2^30 2^(-1 - 31); 1 = 2^30 2^(1 - 31); 0.75 = (3 2^29) 2^-31.
static_assert(quantize_multiplier(0.5) == fixed_multiplier{two_30, 0});
static_assert(quantize_multiplier(0.25) == fixed_multiplier{two_30, -1});
static_assert(quantize_multiplier(1.0) == fixed_multiplier{two_30, 1});
static_assert(quantize_multiplier(0.75) == fixed_multiplier{3 * (two_30 / 2), 0});
static_assert(quantize_multiplier(3.0) == fixed_multiplier{3 * (two_30 / 2), 2});
static_assert(quantize_multiplier(0.0) == fixed_multiplier{} && quantize_multiplier(1e-12) == fixed_multiplier{});
// m just under 2^31 rounds up to 2^31: halved, exponent up.
static_assert(quantize_multiplier(1.0 - 1e-12) == fixed_multiplier{two_30, 1});
// a b / 2^31: 2^30 2^30 / 2^31 = 2^29 exactly; 3 2^30 / 2^31 = 1.5 -> 2; -1.5 -> -1 (ties up).
static_assert(saturating_rounding_doubling_high_mul(two_30, two_30) == two_30 / 2);
static_assert(saturating_rounding_doubling_high_mul(3, two_30) == 2);
static_assert(saturating_rounding_doubling_high_mul(-3, two_30) == -1);
static_assert(saturating_rounding_doubling_high_mul(INT32_MIN, INT32_MIN) == INT32_MAX);
// x / 2^e, ties away from zero: 2.5 -> 3, -2.5 -> -3, 1.75 -> 2, -1.5 -> -2, -1.25 -> -1.
static_assert(rounding_divide_by_power_of_two(5, 1) == 3 && rounding_divide_by_power_of_two(-5, 1) == -3);
static_assert(rounding_divide_by_power_of_two(7, 2) == 2 && rounding_divide_by_power_of_two(-6, 2) == -2);
static_assert(rounding_divide_by_power_of_two(-5, 2) == -1 && rounding_divide_by_power_of_two(9, 0) == 9);
// 1000 0.3 = 300; 1000 0.25 = 250; -1000 3 = -3000; 7 0.25: 3.5 -> 4, then 2; -7 0.5 = -3.5 -> -3 (ties up).
static_assert(multiply_by_fixed(1000, quantize_multiplier(0.3)) == 300);
static_assert(multiply_by_fixed(1000, quantize_multiplier(0.25)) == 250);
static_assert(multiply_by_fixed(-1000, quantize_multiplier(3.0)) == -3000);
static_assert(multiply_by_fixed(7, quantize_multiplier(0.25)) == 2 && multiply_by_fixed(-7, quantize_multiplier(0.5)) == -3);
// Requantized and clamped: 5 + 1000 0.3 = 305 -> 127; -20 + 1000 0.01 = -10, inside; ReLU's low bound.
static_assert(requantize(1000, quantize_multiplier(0.3), {5}) == 127);
static_assert(requantize(1000, quantize_multiplier(0.01), {-20}) == -10);
static_assert(requantize(-1000, quantize_multiplier(0.01), {-20, -20, 127}) == -20);
static_assert(quantize_value(0.26f, {0.1f, 3}) == 6 && quantize_value(100.0f, {0.1f, 3}) == 127 &&
              quantize_value(-0.25f, {0.1f, 0}) == -2);  // -2.5, half to even
static_assert(quantize_bias(1.0f, 0.5f, 0.25f) == 8 && quantize_bias(-0.3f, 0.1f, 1.0f) == -3);
// ReLU6 at scale 0.05, zero point -100: low -100, high -100 + 120 = 20.
static_assert(output_stage_for<relu6::params>({0.05f, -100}) == output_stage{-100, -100, 20});
static_assert(output_stage_for<relu::params>({0.05f, -100}) == output_stage{-100, -100, 127});
static_assert(output_stage_for<no_activation>({0.05f, 7}) == output_stage{7, -128, 127});

TEST(Int8Arithmetic, RoundTripOfQuantizedValues) {
  const quantization q{0.037f, -11};
  for (int v = -128; v <= 127; ++v) {
    const auto i = static_cast<std::int8_t>(v);
    EXPECT_EQ(quantize_value(dequantize_value(i, q), q), i) << v;
  }
}

// ---- an independent naive convolution ----------------------------------------------------------------

struct geometry {
  int kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w, groups, out_c, out_h, out_w;
};

// round(t / 2^31), ties up, then / 2^right, ties away from zero: the fixed-point multiply, in int64.
std::int32_t naive_multiply(std::int64_t acc, fixed_multiplier m) {
  const int left = m.shift > 0 ? m.shift : 0, right = m.shift > 0 ? 0 : -m.shift;
  const std::int64_t t = (acc << left) * m.multiplier;
  const std::int64_t high = (t + (std::int64_t{1} << 30)) >> 31;  // arithmetic shift: floor
  if (right == 0) return static_cast<std::int32_t>(high);
  const std::int64_t magnitude = ((high < 0 ? -high : high) + (std::int64_t{1} << (right - 1))) >> right;
  return static_cast<std::int32_t>(high < 0 ? -magnitude : magnitude);
}

// NCHW in and out; w [out_c, in_c / groups, kh, kw].
std::vector<std::int8_t> naive_conv(const std::vector<std::int8_t>& x, int c, int h, int w, int x_zero,
                                    const std::vector<std::int8_t>& weight, const std::vector<std::int32_t>& bias,
                                    const std::vector<fixed_multiplier>& m, const output_stage& out, const geometry& g) {
  const int in_per_group = c / g.groups, out_per_group = g.out_c / g.groups;
  const int kh = g.kernel_h, kw = g.kernel_w;
  std::vector<std::int8_t> y(static_cast<std::size_t>(g.out_c) * g.out_h * g.out_w);
  for (int oc = 0; oc < g.out_c; ++oc)
    for (int oy = 0; oy < g.out_h; ++oy)
      for (int ox = 0; ox < g.out_w; ++ox) {
        std::int64_t acc = bias.empty() ? 0 : bias[static_cast<std::size_t>(oc)];
        for (int ic = 0; ic < in_per_group; ++ic)
          for (int ky = 0; ky < kh; ++ky)
            for (int kx = 0; kx < kw; ++kx) {
              const int iy = oy * g.stride_h - g.pad_h + ky * g.dilation_h;
              const int ix = ox * g.stride_w - g.pad_w + kx * g.dilation_w;
              const int channel = oc / out_per_group * in_per_group + ic;
              const int value = iy < 0 || iy >= h || ix < 0 || ix >= w
                                    ? x_zero
                                    : x[(static_cast<std::size_t>(channel) * h + iy) * w + ix];
              acc += std::int64_t{weight[((static_cast<std::size_t>(oc) * in_per_group + ic) * kh + ky) * kw + kx]} *
                     (value - x_zero);
            }
        std::int64_t v = out.zero_point + naive_multiply(acc, m[static_cast<std::size_t>(oc)]);
        v = v < out.low ? out.low : (v > out.high ? out.high : v);
        y[(static_cast<std::size_t>(oc) * g.out_h + oy) * g.out_w + ox] = static_cast<std::int8_t>(v);
      }
  return y;
}

// The transposed convolution, by scattering: every input element adds w (x - z) to the outputs its taps
// reach (o = i s - p + k d), the int64 sums requantized as above. w [in_c, out_c / groups, kh, kw].
std::vector<std::int8_t> naive_conv_transpose(const std::vector<std::int8_t>& x, int c, int h, int w, int x_zero,
                                              const std::vector<std::int8_t>& weight,
                                              const std::vector<std::int32_t>& bias,
                                              const std::vector<fixed_multiplier>& m, const output_stage& out,
                                              const geometry& g) {
  const int in_per_group = c / g.groups, out_per_group = g.out_c / g.groups;
  const std::size_t plane = static_cast<std::size_t>(g.out_h) * g.out_w;
  std::vector<std::int64_t> acc(static_cast<std::size_t>(g.out_c) * plane);
  for (int oc = 0; oc < g.out_c; ++oc)
    for (std::size_t p = 0; p < plane; ++p) acc[oc * plane + p] = bias.empty() ? 0 : bias[static_cast<std::size_t>(oc)];
  for (int ic = 0; ic < c; ++ic)
    for (int iy = 0; iy < h; ++iy)
      for (int ix = 0; ix < w; ++ix) {
        const int value = x[(static_cast<std::size_t>(ic) * h + iy) * w + ix] - x_zero;
        for (int ocg = 0; ocg < out_per_group; ++ocg)
          for (int ky = 0; ky < g.kernel_h; ++ky)
            for (int kx = 0; kx < g.kernel_w; ++kx) {
              const int oy = iy * g.stride_h - g.pad_h + ky * g.dilation_h;
              const int ox = ix * g.stride_w - g.pad_w + kx * g.dilation_w;
              if (oy < 0 || oy >= g.out_h || ox < 0 || ox >= g.out_w) continue;
              const int oc = ic / in_per_group * out_per_group + ocg;
              acc[oc * plane + static_cast<std::size_t>(oy) * g.out_w + ox] +=
                  std::int64_t{weight[((static_cast<std::size_t>(ic) * out_per_group + ocg) * g.kernel_h + ky) * g.kernel_w + kx]} * value;
            }
      }
  std::vector<std::int8_t> y(acc.size());
  for (std::size_t i = 0; i < acc.size(); ++i) {
    std::int64_t v = out.zero_point + naive_multiply(acc[i], m[i / plane]);
    y[i] = static_cast<std::int8_t>(v < out.low ? out.low : (v > out.high ? out.high : v));
  }
  return y;
}

template <class Layer>
inline constexpr bool transposed = std::is_same_v<std::remove_cv_t<decltype(Layer::params)>, conv_transpose_params>;

// ---- the cases -----------------------------------------------------------------------------------------


std::int64_t elements_compared = 0, elements_one_off = 0;

template <class Layer, shape In, layout L>
std::vector<std::int8_t> run_kernel(const std::vector<std::int8_t>& x_nchw, std::int32_t x_zero,
                                    const std::vector<std::int8_t>& w, const std::vector<std::int32_t>& bias,
                                    const std::vector<fixed_multiplier>& m, const output_stage& out) {
  using placed = placed_layer<Layer, In>;
  constexpr shape out_shape = placed::output_shape;
  std::vector<std::int8_t> x(x_nchw.size()), y(static_cast<std::size_t>(out_shape.size())), y_nchw(y.size());
  convert_channel_first<L, true>(In, x_nchw.data(), x.data());
  const std::int32_t* b = bias.empty() ? nullptr : bias.data();
  if constexpr (std::is_same_v<std::remove_cv_t<decltype(Layer::params)>, linear_params>) {
    linear_forward_int8<Layer::params, In, L>(x.data(), x_zero, w.data(), b, m.data(), out, y.data());
  } else if constexpr (transposed<Layer>) {
    conv_transpose_forward_int8<Layer::params, In, L>(x.data(), x_zero, w.data(), b, m.data(), out, y.data());
  } else {
    conv_forward_int8<Layer::params, In, L>(x.data(), x_zero, w.data(), b, m.data(), out, y.data());
  }
  convert_channel_first<L, false>(out_shape, y.data(), y_nchw.data());
  return y_nchw;
}

template <class Layer, shape In>
void check_case(const geometry& g, int activation, float x_scale, std::int32_t x_zero, const std::vector<int>& x_values,
                const std::vector<float>& w_scales, const std::vector<int>& w_values, const std::vector<float>& bias_f,
                float y_scale, std::int32_t y_zero, const std::vector<int>& y_torch) {
  const std::vector<std::int8_t> x(x_values.begin(), x_values.end()), w(w_values.begin(), w_values.end());
  const bool has_bias = bias_f.size() == static_cast<std::size_t>(g.out_c);
  std::vector<std::int32_t> bias;
  std::vector<fixed_multiplier> m;
  for (int oc = 0; oc < g.out_c; ++oc) {
    const float s_w = w_scales[static_cast<std::size_t>(oc)];
    if (has_bias) bias.push_back(quantize_bias(bias_f[static_cast<std::size_t>(oc)], x_scale, s_w));
    m.push_back(quantize_multiplier(static_cast<double>(x_scale) * s_w / y_scale));
  }
  const quantization y_q{y_scale, y_zero};
  const output_stage out = activation == 1   ? output_stage_for<relu::params>(y_q)
                           : activation == 2 ? output_stage_for<relu6::params>(y_q)
                                             : output_stage_for<no_activation>(y_q);
  const int c = In[0], h = In.rank == 3 ? In[1] : 1, width = In.rank == 3 ? In[2] : 1;
  const auto naive = transposed<Layer> ? naive_conv_transpose(x, c, h, width, x_zero, w, bias, m, out, g)
                                       : naive_conv(x, c, h, width, x_zero, w, bias, m, out, g);
  ASSERT_EQ(naive.size(), y_torch.size());
  EXPECT_EQ((run_kernel<Layer, In, layout::nchw>(x, x_zero, w, bias, m, out)), naive) << "NCHW";
  EXPECT_EQ((run_kernel<Layer, In, layout::nhwc>(x, x_zero, w, bias, m, out)), naive) << "NHWC";
  int worst = 0;
  for (std::size_t i = 0; i < naive.size(); ++i) {
    const int difference = std::abs(int{naive[i]} - y_torch[i]);
    worst = std::max(worst, difference);
    elements_one_off += difference == 1 ? 1 : 0;
  }
  elements_compared += static_cast<std::int64_t>(naive.size());
  EXPECT_LE(worst, 1) << "more than one LSB from PyTorch";
}

}  // namespace

#define CTNN_INT8_CASE(id, layer, in, geo, activation, xs, xz, x, ws, w, b, ys, yz, y)                       \
  static const bool CTNN_JOIN(case_, __LINE__) = reference_cases::add(id, [] {                                            \
    check_case<CTNN_UNPAREN layer, shape{CTNN_UNPAREN in}>(geometry{CTNN_UNPAREN geo}, activation, xs, xz,     \
                                                           {CTNN_UNPAREN x}, {CTNN_UNPAREN ws},                \
                                                           {CTNN_UNPAREN w}, {CTNN_UNPAREN b}, ys, yz,         \
                                                           {CTNN_UNPAREN y});                                  \
  })

#include "../data/int8/reference.inc"

TEST(Int8Reference, ConvolutionAndLinearMatchANaiveConvolutionAndPyTorch) {
  ASSERT_GE(reference_cases::all().size(), 17u);
  for (const reference_cases::registered_case& c : reference_cases::all()) {
    SCOPED_TRACE(c.id);
    c.run();
  }
  // PyTorch requantizes in float, ctnn in fixed point: one LSB apart on at most 1% of the elements.
  ASSERT_GT(elements_compared, 2000);
  EXPECT_LE(elements_one_off * 100, elements_compared) << elements_one_off << " of " << elements_compared;
  std::printf("int8 against PyTorch (qnnpack): %lld of %lld elements one LSB apart, none further\n",
              static_cast<long long>(elements_one_off), static_cast<long long>(elements_compared));
}
