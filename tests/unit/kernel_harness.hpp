// Runs one layer, or a whole network, through ctnn's forward pass in both layouts, on deterministic
// random data, for comparison with the naive reference or with PyTorch's numbers.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <initializer_list>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "ctnn/ctnn.hpp"
#include "naive_reference.hpp"

namespace harness {

using ctnn::count_t;
using ctnn::index_t;
using ctnn::layout;
using ctnn::shape;

// input<dims...> of a shape value, in layout L.
template <shape S, layout L, std::size_t... I>
auto input_of_impl(std::index_sequence<I...>) ->
    typename ctnn::input<S.dims[I]...>::template with<std::conditional_t<L == layout::nhwc, ctnn::nhwc, ctnn::nchw>>;
template <shape S, layout L>
struct input_of {
  using type = decltype(input_of_impl<S, L>(std::make_index_sequence<S.rank>{}));
};

// The same network with another memory layout.
template <class Net, layout L>
struct relayout;
template <class Input, class... Layers, layout L>
struct relayout<ctnn::sequential<Input, Layers...>, L> {
  using type = ctnn::sequential<typename input_of<Input::params.dims, L>::type, Layers...>;
};

// Values in [-range, range]: integers when `integers`, else uniform floats.
inline std::vector<float> random_values(count_t n, unsigned seed, bool integers = false, int range = 3) {
  std::mt19937 gen(seed);
  std::vector<float> v(static_cast<std::size_t>(n));
  if (integers) {
    std::uniform_int_distribution<int> dist(-range, range);
    for (auto& x : v) x = static_cast<float>(dist(gen));
  } else {
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    for (auto& x : v) x = dist(gen);
  }
  return v;
}

// PyTorch (channel-first) order <-> the memory order of layout L, for one sample of shape s.
inline std::vector<float> to_layout(const std::vector<float>& channel_first, const shape& s, layout l) {
  if (l == layout::nchw) return channel_first;
  std::vector<float> out(channel_first.size());
  index_t idx[ctnn::max_rank] = {};
  for (count_t n = 0; n < s.size(); ++n) {
    ctnn::unravel(n, s, idx);
    out[static_cast<std::size_t>(ctnn::offset_of<layout::nhwc>(s, idx))] = channel_first[static_cast<std::size_t>(n)];
  }
  return out;
}
inline std::vector<float> from_layout(const float* data, const shape& s, layout l) {
  std::vector<float> out(static_cast<std::size_t>(s.size()));
  index_t idx[ctnn::max_rank] = {};
  for (count_t n = 0; n < s.size(); ++n) {
    ctnn::unravel(n, s, idx);
    const count_t at = l == layout::nchw ? n : ctnn::offset_of<layout::nhwc>(s, idx);
    out[static_cast<std::size_t>(n)] = data[at];
  }
  return out;
}

// Runs Net (declared NCHW) on channel-first input x with flat PyTorch-ordered parameters, in layout L,
// and returns the output in channel-first order. NCHW runs the plain loops on the user's weights; NHWC
// runs the fast kernels on the prepared (repacked) weights, so every comparison covers both.
template <class Net, layout L>
std::vector<float> run(const std::vector<float>& x, const std::vector<float>& params) {
  using net = typename relayout<Net, L>::type;
  auto weights = std::make_unique<typename net::weights>();
  const ctnn::load_result loaded = ctnn::load_weights(*weights, std::span<const float>(params));
  EXPECT_TRUE(loaded.ok) << "parameters: expected " << loaded.expected << ", given " << loaded.given;
  EXPECT_EQ(x.size(), static_cast<std::size_t>(net::input_size));
  const std::vector<float> in = to_layout(x, net::input_shape, L);
  const std::span<const float, net::input_size> input(in.data(), in.size());
  std::vector<float> y(static_cast<std::size_t>(net::output_size));
  const std::span<float, net::output_size> output(y.data(), y.size());
  // The arena starts as NaN: a kernel that reads what no kernel wrote shows in the output.
  if constexpr (L == layout::nhwc) {
    auto p = std::make_unique<typename net::prepared>();
    ctnn::prepare_into(*weights, *p);
    auto arena = std::make_unique<ctnn::static_arena<typename net::prepared>>();
    arena->data.fill(std::nanf(""));
    net::forward(*p, input, output, *arena);
  } else {
    auto arena = std::make_unique<ctnn::static_arena<net>>();
    arena->data.fill(std::nanf(""));
    net::forward(*weights, input, output, *arena);
  }
  return from_layout(y.data(), net::output_shape, L);
}

// Both layouts.
template <class Net>
std::pair<std::vector<float>, std::vector<float>> run_both(const std::vector<float>& x, const std::vector<float>& params) {
  return {run<Net, layout::nchw>(x, params), run<Net, layout::nhwc>(x, params)};
}

template <class Net>
count_t parameter_count() {
  return Net::weights::size;
}

inline naive::tensor to_naive(const std::vector<float>& v, const shape& s) {
  const ctnn::dims4 t = ctnn::dims_of(s);
  naive::tensor r(t.c, t.d, t.h, t.w);
  for (std::size_t i = 0; i < v.size(); ++i) r.v[i] = v[i];
  return r;
}

// |a - b| <= atol + rtol |b| element by element; exact when both are 0.
inline ::testing::AssertionResult close(const std::vector<float>& actual, const std::vector<double>& expected,
                                        double atol = 1e-5, double rtol = 1e-5) {
  if (actual.size() != expected.size())
    return ::testing::AssertionFailure() << "size " << actual.size() << " vs " << expected.size();
  for (std::size_t i = 0; i < actual.size(); ++i) {
    const double a = actual[i], b = expected[i];
    if (std::isnan(a) && std::isnan(b)) continue;
    if (!(std::abs(a - b) <= atol + rtol * std::abs(b)))
      return ::testing::AssertionFailure() << "element " << i << ": " << a << " vs " << b;
  }
  return ::testing::AssertionSuccess();
}
inline ::testing::AssertionResult close(const std::vector<float>& actual, const std::vector<float>& expected,
                                        double atol = 1e-5, double rtol = 1e-5) {
  return close(actual, std::vector<double>(expected.begin(), expected.end()), atol, rtol);
}
inline ::testing::AssertionResult exactly(const std::vector<float>& actual, const std::vector<float>& expected) {
  if (actual.size() != expected.size())
    return ::testing::AssertionFailure() << "size " << actual.size() << " vs " << expected.size();
  for (std::size_t i = 0; i < actual.size(); ++i)
    if (actual[i] != expected[i] && !(std::isnan(actual[i]) && std::isnan(expected[i])))
      return ::testing::AssertionFailure() << "element " << i << ": " << actual[i] << " vs " << expected[i];
  return ::testing::AssertionSuccess();
}

// Spatial values of a 1d/2d/3d layer on (D, H, W) for the naive reference: the missing leading dims are
// `fill` (1 for kernel, stride, dilation; 0 for padding).
inline naive::dims3 sp(std::initializer_list<int> v, int fill = 1) {
  naive::dims3 r;
  for (int i = 0; i < 3; ++i) r[i] = fill;
  int i = 3 - static_cast<int>(v.size());
  for (int x : v) r[i++] = x;
  return r;
}

// Parameters split into weight and bias (the last `bias_count` values), as the naive reference takes them.
inline std::pair<std::vector<double>, std::vector<double>> split(const std::vector<float>& params, std::size_t bias_count) {
  const auto cut = params.end() - static_cast<std::ptrdiff_t>(bias_count);
  return {std::vector<double>(params.begin(), cut), std::vector<double>(cut, params.end())};
}

enum class data { integers, floats, both };

// Runs Net in both layouts on random data and compares with reference(input, params): bit for bit on
// small integers (every summation order is exact), within 1e-5 on floats.
template <class Net, class Reference>
void expect_matches(Reference reference, unsigned seed, data kinds = data::both) {
  const count_t n = parameter_count<Net>();
  for (bool integers : {true, false}) {
    if ((integers && kinds == data::floats) || (!integers && kinds == data::integers)) continue;
    const auto x = random_values(Net::input_size, seed, integers);
    const auto params = random_values(n, seed + 1, integers, 2);
    const naive::tensor expected = reference(to_naive(x, Net::input_shape), params);
    ASSERT_EQ(static_cast<count_t>(expected.v.size()), Net::output_size);
    const auto [nchw, nhwc] = run_both<Net>(x, params);
    if (integers) {
      const std::vector<float> want(expected.v.begin(), expected.v.end());
      EXPECT_TRUE(exactly(nchw, want)) << "NCHW";
      EXPECT_TRUE(exactly(nhwc, want)) << "NHWC";
    } else {
      EXPECT_TRUE(close(nchw, expected.v)) << "NCHW";
      EXPECT_TRUE(close(nhwc, expected.v)) << "NHWC";
    }
  }
}

// conv2d<conv_out, k> (no padding, stride 1) -> relu -> flatten -> linear<linear_out> by the naive
// reference in double, from an NCHW sample and parameters in state_dict order: the expected values of
// tests that run such a network through another path (a batch, another vector configuration).
inline std::vector<double> naive_conv_relu_linear(const std::vector<float>& x_nchw, const shape& in, int conv_out, int k,
                                                  int linear_out, const std::vector<float>& params) {
  const std::size_t conv_weights = static_cast<std::size_t>(conv_out) * in[0] * k * k;
  const std::vector<double> w(params.begin(), params.begin() + static_cast<std::ptrdiff_t>(conv_weights));
  const std::vector<double> b(params.begin() + static_cast<std::ptrdiff_t>(conv_weights),
                              params.begin() + static_cast<std::ptrdiff_t>(conv_weights + static_cast<std::size_t>(conv_out)));
  naive::tensor y = naive::conv(to_naive(x_nchw, in), w, b, conv_out, sp({1, k, k}), sp({1, 1, 1}), sp({1, 1, 1}),
                                sp({0, 0, 0}, 0), sp({0, 0, 0}, 0), 1);
  for (double& v : y.v) v = v > 0 ? v : 0;
  const std::size_t features = y.v.size(), linear_at = conv_weights + static_cast<std::size_t>(conv_out);
  std::vector<double> out(static_cast<std::size_t>(linear_out));
  for (std::size_t j = 0; j < out.size(); ++j) {
    double s = params[linear_at + static_cast<std::size_t>(linear_out) * features + j];  // the bias
    for (std::size_t f = 0; f < features; ++f) s += double(params[linear_at + j * features + f]) * y.v[f];  // channel-first
    out[j] = s;
  }
  return out;
}

// A memory plan's invariant: every two tensors alive at the same node live apart (or share a buffer on
// purpose), all inside the arena. Node k writes tensor k + 1.
template <class Plan>
::testing::AssertionResult plan_is_sound(const Plan& p) {
  for (int a = 1; a < Plan::tensors; ++a)
    for (int b = a + 1; b < Plan::tensors; ++b) {
      if (!p.in_arena(a) || !p.in_arena(b) || p.buffer[a] == p.buffer[b]) continue;
      const bool together = !(p.last_use[a] < b - 1 || p.last_use[b] < a - 1);
      const bool apart = p.offsets[a] + p.size[a] <= p.offsets[b] || p.offsets[b] + p.size[b] <= p.offsets[a];
      if (together && !apart) return ::testing::AssertionFailure() << "tensors " << a << " and " << b << " overlap";
    }
  for (int t = 1; t < Plan::tensors; ++t)
    if (p.in_arena(t) && p.offsets[t] + p.size[t] > p.arena_elements)
      return ::testing::AssertionFailure() << "tensor " << t << " beyond the arena";
  return ::testing::AssertionSuccess();
}

}  // namespace harness
