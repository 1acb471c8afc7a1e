// ctnn/kernels/norm.hpp: layer, channel, group and instance normalization and the layer scale
// (declaration: ctnn/layers/norm.hpp). Safe in place.
//
// Each group of elements (a row of the normalized dims, a position's channels, a group of channels with
// all their positions) is normalized by its own mean and biased variance, two passes:
// y = (x - mean) / sqrt(var + eps) * weight + bias, as PyTorch. In an int8 network each of these layers
// is that float function of its dequantized input, quantized at its own output's quantization (PyTorch's
// quantized LayerNorm, GroupNorm and InstanceNorm compute it so).
#pragma once

#include <cstdint>

#include "ctnn/kernels/math.hpp"
#include "ctnn/kernels/quantize.hpp"
#include "ctnn/kernels/tensor.hpp"
#include "ctnn/shapes/norm.hpp"

namespace ctnn {

// Where member m of group q is (its element's offset in layout L) and which weight it takes.
template <norm_params P, shape In, layout L>
struct norm_groups {
  static constexpr count_t total = In.size();
  static constexpr count_t channels = In.channels(), positions = total / channels;
  static constexpr count_t inner = [] {  // layer norm: elements of the normalized dims
    count_t n = 1;
    for (int i = In.rank - P.dims; i < In.rank; ++i) n *= In[i];
    return n;
  }();
  static constexpr count_t count = P.kind == norm_kind::layer           ? total / inner
                                   : P.kind == norm_kind::channel_layer ? positions
                                   : P.kind == norm_kind::group         ? count_t{P.group_count}
                                                                        : channels;
  static constexpr count_t members = total / count;

  static constexpr count_t at(count_t c, count_t p) { return L == layout::nchw ? c * positions + p : p * channels + c; }
  static constexpr void locate(count_t q, count_t m, count_t& offset, count_t& weight) {
    if constexpr (P.kind == norm_kind::layer) {
      // NHWC stores dims 1.. row-major, each element's channels (dim 0) together: over trailing dims
      // that leave dim 0 out, group q = (channel, leading index) has its members channels apart; over
      // every dim, member m = (channel, position) is at position * channels + channel.
      if constexpr (L == layout::nchw) {
        offset = q * inner + m;
      } else if constexpr (P.dims < In.rank) {
        constexpr count_t per_channel = count / channels;
        offset = (q % per_channel * inner + m) * channels + q / per_channel;
      } else {
        offset = m % positions * channels + m / positions;
      }
      weight = m;
    } else if constexpr (P.kind == norm_kind::channel_layer) {
      offset = at(m, q);
      weight = m;
    } else {  // group, instance: the group's channels, each with all its positions
      const count_t c = q * (members / positions) + m / positions;
      offset = at(c, m % positions);
      weight = c;
    }
  }
};

// each_member(q, f): f(offset, weight) for every member of group q in member order, without a division
// per member (group and instance norm walk channels, then positions).
template <norm_params P, shape In, layout L, class F>
constexpr void each_member(count_t q, F&& f) {
  using g = norm_groups<P, In, L>;
  if constexpr (P.kind == norm_kind::group || P.kind == norm_kind::instance) {
    constexpr count_t per_group = g::members / g::positions;
    for (count_t c = q * per_group; c < (q + 1) * per_group; ++c)
      for (count_t p = 0; p < g::positions; ++p) f(g::at(c, p), c);
  } else {
    for (count_t m = 0; m < g::members; ++m) {
      count_t at = 0, w = 0;
      g::locate(q, m, at, w);
      f(at, w);
    }
  }
}

// Group q's mean and 1 / sqrt(biased variance + eps), two passes.
template <norm_params P, shape In, layout L, class T>
struct group_statistics {
  T mean{}, inverse{};
  constexpr group_statistics(const T* x, count_t q) {
    using g = norm_groups<P, In, L>;
    accumulator_t<T> sum{};
    each_member<P, In, L>(q, [&](count_t at, count_t) { sum += x[at]; });
    mean = static_cast<T>(sum / static_cast<T>(g::members));
    accumulator_t<T> squares{};
    each_member<P, In, L>(q, [&](count_t at, count_t) {
      const T d = x[at] - mean;
      squares += d * d;
    });
    inverse = T(1) / math::sqrt(static_cast<T>(squares / static_cast<T>(g::members)) + static_cast<T>(P.eps()));
  }
};

template <norm_params P, shape In, layout L, class T>
constexpr void norm_forward(const T* x, const T* tensors, T* y) {
  using g = norm_groups<P, In, L>;
  constexpr count_t weights = P.kind == norm_kind::layer ? g::inner : g::channels;
  for (count_t q = 0; q < g::count; ++q) {
    const auto [mean, inverse] = group_statistics<P, In, L, T>(x, q);
    each_member<P, In, L>(q, [&](count_t at, count_t w) {
      const T normalized = (x[at] - mean) * inverse;
      y[at] = P.affine ? normalized * tensors[w] + tensors[weights + w] : normalized;
    });
  }
}

template <class Node, layout L, class T>
constexpr void run_plain(const norm_params&, const T* x, const T* w, T* y) {
  norm_forward<Node::type::params, Node::input_shape, L>(x, w, y);
}

// The int8 kernel: each group's statistics from its integers (x - mean does not see the zero point, and
// the input's scale multiplies the inverse deviation), then each member normalized in float and quantized.
template <class Node, layout L, activation_params A>
constexpr void run_int8(const norm_params&, const int8_call& c) {
  constexpr norm_params P = Node::type::params;
  constexpr shape In = Node::input_shape;
  using g = norm_groups<P, In, L>;
  constexpr count_t weights = P.kind == norm_kind::layer ? g::inner : g::channels;
  const float variance_scale = c.in.scale * c.in.scale;
  for (count_t q = 0; q < g::count; ++q) {
    std::int32_t sum = 0;  // at most 127 x 2^24 members
    each_member<P, In, L>(q, [&](count_t at, count_t) { sum += c.x[at]; });
    const float mean = static_cast<float>(sum) / static_cast<float>(g::members);
    float squares = 0.0f;
    each_member<P, In, L>(q, [&](count_t at, count_t) {
      const float d = static_cast<float>(c.x[at]) - mean;
      squares += d * d;
    });
    const float variance = variance_scale * (squares / static_cast<float>(g::members));
    const float inverse = c.in.scale / math::sqrt(variance + static_cast<float>(P.eps()));
    each_member<P, In, L>(q, [&](count_t at, count_t w) {
      const float normalized = (static_cast<float>(c.x[at]) - mean) * inverse;
      c.y[at] = quantize_value(P.affine ? normalized * c.floats[w] + c.floats[weights + w] : normalized, c.out);
    });
  }
}

// The backward pass, group by group: with x^ the normalized input and g = dy weight,
// dx = (g - mean(g) - x^ mean(g x^)) / sqrt(var + eps); the weight's gradient sums dy x^, the bias's dy.
template <class Node, layout L, class T>
constexpr void run_backward(const norm_params&, const backward_call<T>& c) {
  constexpr norm_params P = Node::type::params;
  using g = norm_groups<P, Node::input_shape, L>;
  for (count_t q = 0; q < g::count; ++q) {
    count_t at = 0, w = 0;
    const auto [mean, inverse] = group_statistics<P, Node::input_shape, L, T>(c.x, q);
    accumulator_t<T> gradient_sum{}, projection{};
    for (count_t m = 0; m < g::members; ++m) {
      g::locate(q, m, at, w);
      const T normalized = (c.x[at] - mean) * inverse, scaled = P.affine ? c.dy[at] * c.w[w] : c.dy[at];
      gradient_sum += scaled;
      projection += scaled * normalized;
      if (P.affine && c.dw != nullptr) c.dw[w] += c.dy[at] * normalized;
      if (P.affine && c.db != nullptr) c.db[w] += c.dy[at];
    }
    if (c.dx == nullptr) continue;
    const T mean_gradient = static_cast<T>(gradient_sum / static_cast<T>(g::members));
    const T mean_projection = static_cast<T>(projection / static_cast<T>(g::members));
    for (count_t m = 0; m < g::members; ++m) {
      g::locate(q, m, at, w);
      const T normalized = (c.x[at] - mean) * inverse, scaled = P.affine ? c.dy[at] * c.w[w] : c.dy[at];
      c.dx[at] += (scaled - mean_gradient - normalized * mean_projection) * inverse;
    }
  }
}

// y = x + t or x * t, t broadcast: each element reads t at its index in t's (right-aligned) dims, 0
// where t's extent is 1. f(offset in x, index in t) for every element.
template <class Node, layout L, class F>
constexpr void for_each_broadcast(F&& f) {
  constexpr shape in = Node::input_shape, dims = Node::type::params.dims;
  for (count_t n = 0; n < in.size(); ++n) {
    index_t idx[max_rank] = {};
    unravel(n, in, idx);
    count_t at = 0;
    for (int i = 0; i < dims.rank; ++i) {
      const index_t extent = dims[i];
      at = at * extent + (extent == 1 ? 0 : idx[in.rank - dims.rank + i]);
    }
    f(offset_of<L>(in, idx), at);
  }
}
template <class Node, layout L, class T>
constexpr void run_plain(const tensor_op_params&, const T* x, const T* t, T* y) {
  for_each_broadcast<Node, L>([&](count_t o, count_t at) { y[o] = Node::type::params.add ? x[o] + t[at] : x[o] * t[at]; });
}
template <class Node, layout L, class T>
constexpr void run_backward(const tensor_op_params&, const backward_call<T>& c) {
  for_each_broadcast<Node, L>([&](count_t o, count_t at) {
    if (c.dx != nullptr) c.dx[o] += Node::type::params.add ? c.dy[o] : c.dy[o] * c.w[at];
    if (c.dw != nullptr) c.dw[at] += Node::type::params.add ? c.dy[o] : c.dy[o] * c.x[o];
  });
}

// In an int8 network: the float x + t or x t of the dequantized x, quantized.
template <class Node, layout L, activation_params A>
constexpr void run_int8(const tensor_op_params&, const int8_call& c) {
  for_each_broadcast<Node, L>([&](count_t o, count_t at) {
    const float x = dequantize_value(c.x[o], c.in);
    c.y[o] = quantize_value(Node::type::params.add ? x + c.floats[at] : x * c.floats[at], c.out);
  });
}

// y = t, t stored channel-first as its shape reads (state_dict's order), y in the network's layout; the
// input is not read. Its gradient is the output's.
template <class Node, layout L, class T>
constexpr void run_plain(const constant_tensor_params&, const T*, const T* t, T* y) {
  convert_channel_first<L, true>(Node::type::params.dims, t, y);
}
template <class Node, layout L, class T>
constexpr void run_backward(const constant_tensor_params&, const backward_call<T>& c) {
  constexpr shape out = Node::type::params.dims;
  if (c.dw == nullptr) return;
  for (count_t n = 0; n < out.size(); ++n) {
    index_t idx[max_rank] = {};
    unravel(n, out, idx);
    c.dw[n] += c.dy[offset_of<L>(out, idx)];
  }
}

// y = x * gamma[c].
template <class Node, layout L, class T>
constexpr void run_plain(const layer_scale_params&, const T* x, const T* gamma, T* y) {
  for_each_element<L>(dims_of(Node::input_shape),
                      [&](index_t c, index_t, index_t, index_t, count_t at) { y[at] = x[at] * gamma[c]; });
}
template <class Node, layout L, activation_params A>
constexpr void run_int8(const layer_scale_params&, const int8_call& c) {
  for_each_element<L>(dims_of(Node::input_shape), [&](index_t ch, index_t, index_t, index_t, count_t at) {
    c.y[at] = quantize_value(dequantize_value(c.x[at], c.in) * c.floats[ch], c.out);
  });
}
template <class Node, layout L, class T>
constexpr void run_backward(const layer_scale_params&, const backward_call<T>& c) {
  for_each_element<L>(dims_of(Node::input_shape), [&](index_t ch, index_t, index_t, index_t, count_t at) {
    if (c.dx != nullptr) c.dx[at] += c.dy[at] * c.w[ch];
    if (c.dw != nullptr) c.dw[ch] += c.dy[at] * c.x[at];
  });
}

}  // namespace ctnn
