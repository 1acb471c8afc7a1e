// ctnn/kernels/batch_norm.hpp: batch normalization at inference (declaration: ctnn/layers/batch_norm.hpp).
//
// y = x * a + c with a = weight / sqrt(running_var + eps) and c = bias - running_mean * a, as PyTorch's
// CPU kernel computes it (weight 1 and bias 0 with no_affine). Safe in place. In an int8 network a batch
// norm right after a layer with weights is folded into it (ctnn/plan/quantized.hpp); anywhere else it is
// the same float function of its dequantized input, quantized (as PyTorch's quantized BatchNorm2d).
#pragma once

#include "ctnn/kernels/math.hpp"
#include "ctnn/kernels/quantize.hpp"
#include "ctnn/kernels/tensor.hpp"
#include "ctnn/shapes/batch_norm.hpp"

namespace ctnn {

// The per-channel scale a and shift c of y = x a + c, from the layer's tensors in state_dict order.
template <batch_norm_params P, index_t C, class T>
constexpr void batch_norm_scale_shift(const T* tensors, index_t c, T& scale, T& shift) {
  const T* stats = P.affine ? tensors + 2 * C : tensors;
  const T weight = P.affine ? tensors[c] : T(1), bias = P.affine ? tensors[C + c] : T(0);
  scale = weight / math::sqrt(stats[C + c] + static_cast<T>(P.eps()));
  shift = bias - stats[c] * scale;
}

template <batch_norm_params P, shape In, layout L, class T>
constexpr void batch_norm_forward(const T* x, const T* tensors, T* y) {
  constexpr dims4 t = dims_of(In);
  for (index_t c = 0; c < t.c; ++c) {
    T a{}, shift{};
    batch_norm_scale_shift<P, t.c>(tensors, c, a, shift);
    for (index_t z = 0; z < t.d; ++z)
      for (index_t yy = 0; yy < t.h; ++yy)
        for (index_t xx = 0; xx < t.w; ++xx) {
          const count_t at = offset<L>(t, c, z, yy, xx);
          y[at] = x[at] * a + shift;
        }
  }
}

template <class Node, layout L, class T>
constexpr void run_plain(const batch_norm_params&, const T* x, const T* w, T* y) {
  batch_norm_forward<Node::type::params, Node::input_shape, L>(x, w, y);
}

template <class Node, layout L, activation_params A>
constexpr void run_int8(const batch_norm_params&, const int8_call& c) {
  constexpr dims4 t = dims_of(Node::input_shape);
  for (index_t ch = 0; ch < t.c; ++ch) {
    float a = 0.0f, shift = 0.0f;
    batch_norm_scale_shift<Node::type::params, t.c>(c.floats, ch, a, shift);
    for (index_t z = 0; z < t.d; ++z)
      for (index_t yy = 0; yy < t.h; ++yy)
        for (index_t xx = 0; xx < t.w; ++xx) {
          const count_t at = offset<L>(t, ch, z, yy, xx);
          c.y[at] = quantize_value(dequantize_value(c.x[at], c.in) * a + shift, c.out);
        }
  }
}

// The backward pass with the running statistics frozen (fine-tuning, model.eval()): dx = dy a; the
// weight's gradient sums dy (x - mean) / sqrt(var + eps), the bias's dy.
template <class Node, layout L, class T>
constexpr void run_backward(const batch_norm_params&, const backward_call<T>& c) {
  constexpr batch_norm_params P = Node::type::params;
  constexpr dims4 t = dims_of(Node::input_shape);
  const T* stats = P.affine ? c.w + 2 * t.c : c.w;
  for (index_t ch = 0; ch < t.c; ++ch) {
    T a{}, shift{};
    batch_norm_scale_shift<P, t.c>(c.w, ch, a, shift);
    const T inverse_deviation = T(1) / math::sqrt(stats[t.c + ch] + static_cast<T>(P.eps()));
    accumulator_t<T> weight_sum{}, bias_sum{};
    for (index_t z = 0; z < t.d; ++z)
      for (index_t yy = 0; yy < t.h; ++yy)
        for (index_t xx = 0; xx < t.w; ++xx) {
          const count_t at = offset<L>(t, ch, z, yy, xx);
          if (c.dx != nullptr) c.dx[at] += c.dy[at] * a;
          if (c.dw != nullptr) weight_sum += c.dy[at] * (c.x[at] - stats[ch]) * inverse_deviation;
          if (c.db != nullptr) bias_sum += c.dy[at];
        }
    if (c.dw != nullptr && P.affine) c.dw[ch] += static_cast<T>(weight_sum);
    if (c.db != nullptr && P.affine) c.db[ch] += static_cast<T>(bias_sum);
  }
}
// f(sample, offset) for every value of channel ch in a batch.
template <layout L, class F>
constexpr void each_in_channel(const dims4& t, index_t samples, index_t ch, F&& f) {
  for (index_t b = 0; b < samples; ++b)
    for (index_t z = 0; z < t.d; ++z)
      for (index_t yy = 0; yy < t.h; ++yy)
        for (index_t xx = 0; xx < t.w; ++xx) f(b, offset<L>(t, ch, z, yy, xx));
}

// Training mode (ctnn::with_batch_statistics), PyTorch's model.train(): each channel normalized by the
// mean and biased variance of its M = samples x positions values, y = (x - mean) / sqrt(var + eps) weight
// + bias, and the running statistics moved by the momentum m: mean (1 - m) + m mean, var (1 - m) + m var
// M / (M - 1) (the unbiased variance, as PyTorch). Keeps the mean and 1 / sqrt(var + eps) per channel.
template <class Node, layout L, class T>
constexpr void run_batch_forward(const batch_norm_params&, const batch_call<T>& c) {
  constexpr batch_norm_params P = Node::type::params;
  constexpr dims4 t = dims_of(Node::input_shape);
  const count_t m = count_t{c.samples} * t.spatial_size();
  T* running = P.affine ? c.w + 2 * t.c : c.w;
  for (index_t ch = 0; ch < t.c; ++ch) {
    accumulator_t<T> sum{};
    each_in_channel<L>(t, c.samples, ch, [&](index_t b, count_t at) { sum += c.x[b * c.x_stride + at]; });
    const T mean = static_cast<T>(sum / static_cast<accumulator_t<T>>(m));
    accumulator_t<T> squares{};
    each_in_channel<L>(t, c.samples, ch, [&](index_t b, count_t at) {
      const T d = c.x[b * c.x_stride + at] - mean;
      squares += d * d;
    });
    const T variance = static_cast<T>(squares / static_cast<accumulator_t<T>>(m));
    const T inverse_deviation = T(1) / math::sqrt(variance + static_cast<T>(P.eps()));
    c.statistics[ch] = mean;
    c.statistics[t.c + ch] = inverse_deviation;
    const T a = (P.affine ? c.w[ch] : T(1)) * inverse_deviation;
    const T shift = (P.affine ? c.w[t.c + ch] : T(0)) - mean * a;
    each_in_channel<L>(t, c.samples, ch, [&](index_t b, count_t at) { c.y[b * c.stride + at] = c.x[b * c.x_stride + at] * a + shift; });
    running[ch] = (T(1) - c.momentum) * running[ch] + c.momentum * mean;
    running[t.c + ch] = (T(1) - c.momentum) * running[t.c + ch] +
                        c.momentum * variance * static_cast<T>(m) / static_cast<T>(m - 1);
  }
}
// Its backward: with x^ = (x - mean) / sqrt(var + eps) and sums over the channel's M values,
// dx = weight / sqrt(var + eps) (dy - sum dy / M - x^ sum(dy x^) / M); the weight's gradient sum(dy x^),
// the bias's sum dy.
template <class Node, layout L, class T>
constexpr void run_batch_backward(const batch_norm_params&, const batch_call<T>& c) {
  constexpr batch_norm_params P = Node::type::params;
  constexpr dims4 t = dims_of(Node::input_shape);
  const T m = static_cast<T>(count_t{c.samples} * t.spatial_size());
  for (index_t ch = 0; ch < t.c; ++ch) {
    const T mean = c.statistics[ch], inverse_deviation = c.statistics[t.c + ch];
    accumulator_t<T> dy_sum{}, dy_normalized_sum{};
    each_in_channel<L>(t, c.samples, ch, [&](index_t b, count_t at) {
      const T dy = c.dy[b * c.stride + at];
      dy_sum += dy;
      dy_normalized_sum += dy * (c.x[b * c.x_stride + at] - mean) * inverse_deviation;
    });
    if (c.dw != nullptr && P.affine) c.dw[ch] += static_cast<T>(dy_normalized_sum);
    if (c.db != nullptr && P.affine) c.db[ch] += static_cast<T>(dy_sum);
    if (c.dx == nullptr) continue;
    const T a = (P.affine ? c.w[ch] : T(1)) * inverse_deviation;
    const T dy_mean = static_cast<T>(dy_sum) / m, dy_normalized_mean = static_cast<T>(dy_normalized_sum) / m;
    each_in_channel<L>(t, c.samples, ch, [&](index_t b, count_t at) {
      const T normalized = (c.x[b * c.x_stride + at] - mean) * inverse_deviation;
      c.dx[b * c.stride + at] += a * (c.dy[b * c.stride + at] - dy_mean - normalized * dy_normalized_mean);
    });
  }
}

// Its per-channel scale and shift, for folding into the fast kernel before it (ctnn/kernels/prepared.hpp).
template <class Node, layout L, class T>
constexpr void channel_scale_shift(const batch_norm_params&, const T* tensors, index_t c, T& scale, T& shift) {
  batch_norm_scale_shift<Node::type::params, Node::input_shape.channels()>(tensors, c, scale, shift);
}

}  // namespace ctnn
