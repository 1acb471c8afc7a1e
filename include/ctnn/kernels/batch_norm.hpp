// ctnn/kernels/batch_norm.hpp: batch normalization at inference (declaration: ctnn/layers/batch_norm.hpp).
//
// y = x * a + c with a = weight / sqrt(running_var + eps) and c = bias - running_mean * a, as PyTorch's
// CPU kernel computes it (weight 1 and bias 0 with no_affine). Safe in place.
#pragma once

#include "ctnn/kernels/math.hpp"
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
          if (c.dw != nullptr) {
            if (c.weight_gradient) weight_sum += c.dy[at] * (c.x[at] - stats[ch]) * inverse_deviation;
            bias_sum += c.dy[at];
          }
        }
    if (c.dw != nullptr && P.affine) {
      if (c.weight_gradient) c.dw[ch] += static_cast<T>(weight_sum);
      c.dw[t.c + ch] += static_cast<T>(bias_sum);
    }
  }
}
// Its per-channel scale and shift, for folding into the fast kernel before it (ctnn/kernels/prepared.hpp).
template <class Node, layout L, class T>
constexpr void channel_scale_shift(const batch_norm_params&, const T* tensors, index_t c, T& scale, T& shift) {
  batch_norm_scale_shift<Node::type::params, Node::input_shape.channels()>(tensors, c, scale, shift);
}

}  // namespace ctnn
