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

template <class Node, layout L, class T>
constexpr void run_plain(const reduce_params&, const T* x, const T*, T* y) {
  constexpr reduce_params p = Node::type::params;
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
  for (count_t o = 0; o < out.size(); ++o) {
    y[o] = p.kind == reduce_kind::max   ? lowest_value<T>()
           : p.kind == reduce_kind::min ? highest_value<T>()
                                        : T{};
  }
  for (count_t n = 0; n < in.size(); ++n) {
    index_t idx[max_rank] = {}, to[max_rank] = {};
    unravel(n, in, idx);
    target(idx, to);
    const T v = x[offset_of<L>(in, idx)];
    T& acc = y[offset_of<L>(out, to)];
    if constexpr (p.kind == reduce_kind::max) {
      acc = v > acc || math::isnan(v) ? v : acc;
    } else if constexpr (p.kind == reduce_kind::min) {
      acc = v < acc || math::isnan(v) ? v : acc;
    } else {
      acc += v;
    }
  }
  if constexpr (p.kind == reduce_kind::mean) {
    constexpr count_t members = in.size() / out.size();
    for (count_t o = 0; o < out.size(); ++o) y[o] /= static_cast<T>(members);
  }
}

}  // namespace ctnn
