// ctnn/kernels/reduce.hpp: reductions over chosen dims (declaration: ctnn/layers/reduce.hpp).
//
// One pass over the input in PyTorch's order: each element goes into its output element (the reduced
// dims' indices set to 0), so each output accumulates its members in increasing index order, in either
// layout.
#pragma once

#include "ctnn/kernels/math.hpp"
#include "ctnn/kernels/tensor.hpp"
#include "ctnn/shapes/reduce.hpp"

namespace ctnn {

// f(input offset, output offset) for every input element, in PyTorch's order.
template <class Node, layout L, class F>
constexpr void each_reduced(F&& f) {
  constexpr shape in = Node::input_shape, out = Node::output_shape;
  // The output index of input index `idx`: the kept dims, and the reduced ones as 0 if kept.
  const auto target = [](const index_t* idx, index_t* to) {
    constexpr reduced_dims r = reduced_of(Node::type::params, Node::input_shape.rank);  // not captured
    int k = 0;
    for (int i = 0; i < Node::input_shape.rank; ++i) {
      if (!r.at[i]) {
        to[k++] = idx[i];
      } else if (Node::type::params.keep_dims) {
        to[k++] = 0;
      }
    }
  };
  for (count_t n = 0; n < in.size(); ++n) {
    index_t idx[max_rank] = {}, to[max_rank] = {};
    unravel(n, in, idx);
    target(idx, to);
    f(offset_of<L>(in, idx), offset_of<L>(out, to));
  }
}

template <class Node, layout L, class T>
constexpr void run_plain(const reduce_params&, const T* x, const T*, T* y) {
  constexpr reduce_params p = Node::type::params;
  constexpr shape in = Node::input_shape, out = Node::output_shape;
  for (count_t o = 0; o < out.size(); ++o) {
    y[o] = p.kind == reduce_kind::max   ? lowest_value<T>()
           : p.kind == reduce_kind::min ? highest_value<T>()
                                        : T{};
  }
  each_reduced<Node, L>([&](count_t i, count_t o) {
    const T v = x[i];
    T& acc = y[o];
    if constexpr (p.kind == reduce_kind::max) {
      acc = v > acc || math::isnan(v) ? v : acc;
    } else if constexpr (p.kind == reduce_kind::min) {
      acc = v < acc || math::isnan(v) ? v : acc;
    } else {
      acc += v;
    }
  });
  if constexpr (p.kind == reduce_kind::mean) {
    constexpr count_t members = in.size() / out.size();
    for (count_t o = 0; o < out.size(); ++o) y[o] /= static_cast<T>(members);
  }
}

// The backward pass: a sum's gradient to every member, a mean's over their count; a maximum's or
// minimum's shared evenly among the members equal to it (PyTorch's amax and amin).
template <class Node, layout L, class T>
constexpr void run_backward(const reduce_params&, const backward_call<T>& c) {
  constexpr reduce_params p = Node::type::params;
  constexpr count_t members = Node::input_shape.size() / Node::output_shape.size();
  if (c.dx == nullptr) return;
  if constexpr (p.kind == reduce_kind::max || p.kind == reduce_kind::min) {
    T ties[Node::output_shape.size()] = {};
    each_reduced<Node, L>([&](count_t i, count_t o) { ties[o] += c.x[i] == c.y[o] ? T(1) : T(0); });
    each_reduced<Node, L>([&](count_t i, count_t o) {
      if (c.x[i] == c.y[o]) c.dx[i] += c.dy[o] / ties[o];
    });
  } else {
    each_reduced<Node, L>([&](count_t i, count_t o) {
      c.dx[i] += p.kind == reduce_kind::mean ? c.dy[o] / static_cast<T>(members) : c.dy[o];
    });
  }
}

}  // namespace ctnn
