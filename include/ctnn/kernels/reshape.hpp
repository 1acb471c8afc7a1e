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

// Calls move(from, to) for every element: its offset in the input and in the output, in layout L (the
// forward pass copies along it, the backward pass adds back along it).
template <shape In, shape Out, layout L, class Move>
constexpr void each_reshaped(Move&& move) {
  static_assert(In.size() == Out.size());
  if constexpr (L == layout::nchw || In == Out) {
    for (count_t n = 0; n < In.size(); ++n) move(n, n);
  } else if constexpr (Out.rank == 1) {
    // Flattened to one dim (before a linear layer): channel-last to channel-first, a transposition
    // without an index unravelled per element (LeNet's 400 elements 3x faster).
    constexpr dims4 in = dims_of(In);
    constexpr count_t positions = in.spatial_size();
    for (index_t c = 0; c < in.c; ++c)
      for (count_t p = 0; p < positions; ++p) move(p * in.c + c, c * positions + p);
  } else {
    for (count_t n = 0; n < In.size(); ++n) {
      index_t from[max_rank] = {}, to[max_rank] = {};
      unravel(n, In, from);
      unravel(n, Out, to);
      move(offset_of<L>(In, from), offset_of<L>(Out, to));
    }
  }
}

template <shape In, shape Out, layout L, class T>
constexpr void copy_reshaped(const T* x, T* y) {
  each_reshaped<In, Out, L>([&](count_t from, count_t to) { y[to] = x[from]; });
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
  each_reshaped<In, Out, L>([&](count_t from, count_t to) { dx[from] += dy[to]; });
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
