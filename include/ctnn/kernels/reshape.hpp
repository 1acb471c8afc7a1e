// ctnn/kernels/reshape.hpp: flatten and reshape (declaration: ctnn/layers/reshape.hpp).
//
// Element n in PyTorch (channel-first row-major) order stays element n. In NCHW that is the memory
// order, so the memory plan lets the output alias the input and no kernel runs; in NHWC the elements
// move.
#pragma once

#include "ctnn/kernels/quantize.hpp"
#include "ctnn/kernels/tensor.hpp"
#include "ctnn/shapes/reshape.hpp"

namespace ctnn {

template <shape In, shape Out, layout L, class T>
constexpr void copy_reshaped(const T* x, T* y) {
  static_assert(In.size() == Out.size());
  if constexpr (L == layout::nhwc && Out.rank == 1 && In.rank > 1) {
    // Flattened to one dim (before a linear layer): channel-last to channel-first, a transposition
    // without an index unravelled per element (LeNet's 400 elements 3x faster).
    constexpr dims4 in = dims_of(In);
    constexpr count_t positions = in.spatial_size();
    for (index_t c = 0; c < in.c; ++c)
      for (count_t p = 0; p < positions; ++p) y[c * positions + p] = x[p * in.c + c];
    return;
  }
  for (count_t n = 0; n < In.size(); ++n) {
    if constexpr (L == layout::nchw || In == Out) {
      y[n] = x[n];
    } else {
      index_t from[max_rank] = {}, to[max_rank] = {};
      unravel(n, In, from);
      unravel(n, Out, to);
      y[offset_of<L>(Out, to)] = x[offset_of<L>(In, from)];
    }
  }
}


// Reached only when the plan gave the output its own buffer (NHWC, or the network's result).
template <class Node, layout L, class T>
constexpr void run_plain(const flatten_params&, const T* x, const T*, T* y) {
  copy_reshaped<Node::input_shape, Node::output_shape, L>(x, y);
}
template <class Node, layout L, class T>
constexpr void run_plain(const reshape_params&, const T* x, const T*, T* y) {
  copy_reshaped<Node::input_shape, Node::output_shape, L>(x, y);
}
// The backward pass moves each gradient back to its element's place.
template <shape In, shape Out, layout L, class T>
constexpr void reshape_backward(const T* dy, T* dx) {
  if (dx == nullptr) return;
  for (count_t n = 0; n < In.size(); ++n) {
    if constexpr (L == layout::nchw || In == Out) {
      dx[n] += dy[n];
    } else {
      index_t from[max_rank] = {}, to[max_rank] = {};
      unravel(n, In, from);
      unravel(n, Out, to);
      dx[offset_of<L>(In, from)] += dy[offset_of<L>(Out, to)];
    }
  }
}
template <class Node, layout L, class T>
constexpr void run_backward(const flatten_params&, const backward_call<T>& c) {
  reshape_backward<Node::input_shape, Node::output_shape, L>(c.dy, c.dx);
}
template <class Node, layout L, class T>
constexpr void run_backward(const reshape_params&, const backward_call<T>& c) {
  reshape_backward<Node::input_shape, Node::output_shape, L>(c.dy, c.dx);
}
// In an int8 network a reshape moves the integers and keeps the quantization.
template <class Node, layout L, activation_params A>
constexpr void run_int8(const flatten_params& p, const int8_call& c) {
  run_plain<Node, L>(p, c.x, c.x, c.y);
}
template <class Node, layout L, activation_params A>
constexpr void run_int8(const reshape_params& p, const int8_call& c) {
  run_plain<Node, L>(p, c.x, c.x, c.y);
}

}  // namespace ctnn
