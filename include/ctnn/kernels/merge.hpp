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
  for (index_t c = 0; c < t.c; ++c)
    for (index_t z = 0; z < t.d; ++z)
      for (index_t yy = 0; yy < t.h; ++yy)
        for (index_t xx = 0; xx < t.w; ++xx) {
          const count_t at = offset<L>(t, c, z, yy, xx);
          y[at] = a[at] * g[offset<L>(gate, gate.c == 1 ? 0 : c, gate.d == 1 ? 0 : z, gate.h == 1 ? 0 : yy,
                                       gate.w == 1 ? 0 : xx)];
        }
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
  for (index_t c = 0; c < part.c; ++c)
    for (index_t z = 0; z < part.d; ++z)
      for (index_t yy = 0; yy < part.h; ++yy)
        for (index_t xx = 0; xx < part.w; ++xx)
          y[offset<L>(out, first + c, z, yy, xx)] = x[offset<L>(part, c, z, yy, xx)];
}

}  // namespace ctnn
