// ctnn/kernels/merge.hpp: the graph family's kernels: where branches meet (residual add, product with
// a broadcast gate, channel concat), and the moves of a chain used as a layer and of the identity layer (declarations:
// ctnn/layers/graph.hpp).
#pragma once

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

// Copies one branch's output (shape Part) into channels [first, first + C) of the concat output Out.
template <shape Part, shape Out, layout L, class T>
constexpr void concat_part(const T* x, index_t first, T* y) {
  constexpr dims4 part = dims_of(Part), out = dims_of(Out);
  if constexpr (L == layout::nchw) {  // one contiguous run: the part's channels are whole planes
    T* to = y + count_t{first} * part.spatial_size();
    for (count_t i = 0; i < part.size(); ++i) to[i] = x[i];
  } else {  // each pixel's run of the part's channels
    for (count_t p = 0; p < part.spatial_size(); ++p)
      for (index_t c = 0; c < part.c; ++c) y[p * out.c + first + c] = x[p * part.c + c];
  }
}

}  // namespace ctnn
