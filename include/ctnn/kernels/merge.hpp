// ctnn/kernels/merge.hpp: the graph family's kernels: where branches meet (residual add, product with
// a broadcast gate, channel concat), and the moves of a chain used as a layer and of the identity layer (declarations:
// ctnn/layers/graph.hpp).
#pragma once

#include "ctnn/kernels/quantize.hpp"
#include "ctnn/kernels/tensor.hpp"
#include "ctnn/shapes/graph.hpp"

namespace ctnn {

// y = a + b element by element; y may be a.
template <count_t Size, class T>
constexpr void add_forward(const T* a, const T* b, T* y) {
  for (count_t i = 0; i < Size; ++i) y[i] = a[i] + b[i];
}

// y = a * g, g broadcast over a along its dims of extent 1 (a [C, 1, 1] gate: one factor per channel);
// y may be a.
template <shape Main, shape Gate, layout L, class T>
constexpr void multiply_forward(const T* a, const T* g, T* y) {
  constexpr dims4 t = dims_of(Main), gate = dims_of(Gate);
  for_each_element<L>(t, [&](index_t c, index_t z, index_t yy, index_t xx, count_t at) {
    y[at] = a[at] * g[offset<L>(gate, gate.c == 1 ? 0 : c, gate.d == 1 ? 0 : z, gate.h == 1 ? 0 : yy, gate.w == 1 ? 0 : xx)];
  });
}

// y = x, when the plan gave y a buffer of its own (else x is y and nothing moves).
template <count_t Size, class T>
constexpr void copy_forward(const T* x, T* y) {
  if (x != y)
    for (count_t i = 0; i < Size; ++i) y[i] = x[i];
}

template <class Node, layout L, class T>
constexpr void run_plain(const identity_layer::params_t&, const T* x, const T*, T* y) {
  copy_forward<Node::output_shape.size()>(x, y);
}

template <class Node, layout L, class T>
constexpr void run_backward(const identity_layer::params_t&, const backward_call<T>& c) {
  if (c.dx != nullptr)
    for (count_t i = 0; i < Node::output_shape.size(); ++i) c.dx[i] += c.dy[i];
}
// The merges' backward passes (ctnn/kernels/train.hpp): a sum's and a chain's gradient passes to each
// input; a product's is dy times the other factor (summed over the gate's broadcast dims); a concat's
// input takes its channels' part.
template <count_t Size, class T>
constexpr void pass_gradient(const T* dy, T* dx) {
  if (dx != nullptr)
    for (count_t i = 0; i < Size; ++i) dx[i] += dy[i];
}
template <shape Main, shape Gate, layout L, class T>
constexpr void multiply_backward(const T* a, const T* g, const T* dy, T* da, T* dg) {
  constexpr dims4 t = dims_of(Main), gate = dims_of(Gate);
  for_each_element<L>(t, [&](index_t c, index_t z, index_t yy, index_t xx, count_t at) {
    const count_t gate_at =
        offset<L>(gate, gate.c == 1 ? 0 : c, gate.d == 1 ? 0 : z, gate.h == 1 ? 0 : yy, gate.w == 1 ? 0 : xx);
    if (da != nullptr) da[at] += dy[at] * g[gate_at];
    if (dg != nullptr) dg[gate_at] += dy[at] * a[at];
  });
}
template <shape Part, shape Out, layout L, class T>
constexpr void concat_part_backward(const T* dy, index_t first, T* dx) {
  constexpr dims4 part = dims_of(Part), out = dims_of(Out);
  if (dx == nullptr) return;
  if constexpr (L == layout::nchw) {
    const T* from = dy + count_t{first} * part.spatial_size();
    for (count_t i = 0; i < part.size(); ++i) dx[i] += from[i];
  } else {
    for (count_t p = 0; p < part.spatial_size(); ++p)
      for (index_t c = 0; c < part.c; ++c) dx[p * part.c + c] += dy[p * out.c + first + c];
  }
}
template <class Node, layout L, activation_params A>
constexpr void run_int8(const identity_layer::params_t& p, const int8_call& c) {
  run_plain<Node, L>(p, c.x, c.x, c.y);
}

// Copies one branch's output (shape Part) into channels [first, first + C) of the concat output Out,
// each element through convert.
template <shape Part, shape Out, layout L, class T, class Convert>
constexpr void concat_each(const T* x, index_t first, T* y, Convert&& convert) {
  constexpr dims4 part = dims_of(Part), out = dims_of(Out);
  if constexpr (L == layout::nchw) {  // one contiguous run: the part's channels are whole planes
    T* to = y + count_t{first} * part.spatial_size();
    for (count_t i = 0; i < part.size(); ++i) to[i] = convert(x[i]);
  } else {  // each pixel's run of the part's channels
    for (count_t p = 0; p < part.spatial_size(); ++p)
      for (index_t c = 0; c < part.c; ++c) y[p * out.c + first + c] = convert(x[p * part.c + c]);
  }
}
template <shape Part, shape Out, layout L, class T>
constexpr void concat_part(const T* x, index_t first, T* y) {
  concat_each<Part, Out, L>(x, first, y, [](T v) { return v; });
}

// int8 merges (ctnn/kernels/run_int8.hpp). Each input is rescaled into the output's quantization with
// merge_left_shift bits of fraction kept until the one rounding at the end.
// y = a + b as TFLite's add: both inputs to a common scale (m[0], m[1]), summed, then to the output's (m[2]).
template <count_t Size>
constexpr void add_int8(const std::int8_t* a, const quantization& qa, const std::int8_t* b, const quantization& qb,
                        const fixed_multiplier* m, const output_stage& out, std::int8_t* y) {
  for (count_t i = 0; i < Size; ++i) {
    const std::int32_t sa = multiply_by_fixed(shifted_difference(a[i], qa.zero_point), m[0]);
    const std::int32_t sb = multiply_by_fixed(shifted_difference(b[i], qb.zero_point), m[1]);
    const std::int32_t v = out.zero_point + multiply_by_fixed(sa + sb, m[2]);
    y[i] = static_cast<std::int8_t>(v < out.low ? out.low : (v > out.high ? out.high : v));
  }
}
// y = a g, g broadcast as multiply_forward's, as PyTorch's quantized mul: the product of the differences
// from the zero points (within 2^16) times m = s_a s_g / s_y, gemmlowp's rounding.
template <shape Main, shape Gate, layout L>
constexpr void multiply_int8(const std::int8_t* a, const quantization& qa, const std::int8_t* g, const quantization& qg,
                             fixed_multiplier m, const quantization& out, std::int8_t* y) {
  constexpr dims4 t = dims_of(Main), gate = dims_of(Gate);
  for_each_element<L>(t, [&](index_t c, index_t z, index_t yy, index_t xx, count_t at) {
    const std::int8_t factor = g[offset<L>(gate, gate.c == 1 ? 0 : c, gate.d == 1 ? 0 : z, gate.h == 1 ? 0 : yy, gate.w == 1 ? 0 : xx)];
    const std::int32_t product = (std::int32_t{a[at]} - qa.zero_point) * (std::int32_t{factor} - qg.zero_point);
    y[at] = saturate_int8(out.zero_point + multiply_by_fixed(product, m));
  });
}
// One concat input into its channels, rescaled by m unless it is quantized as the output.
template <shape Part, shape Out, layout L>
constexpr void concat_part_int8(const std::int8_t* x, const quantization& in, fixed_multiplier m,
                                const quantization& out, index_t first, std::int8_t* y) {
  if (in == out) {
    concat_part<Part, Out, L>(x, first, y);
  } else {
    concat_each<Part, Out, L>(x, first, y, [&](std::int8_t v) {
      return saturate_int8(out.zero_point + multiply_by_fixed(shifted_difference(v, in.zero_point), m));
    });
  }
}

}  // namespace ctnn
