// ctnn/kernels/linear.hpp: the fully connected kernel (declaration: ctnn/layers/linear.hpp).
//
// y[..., j] = b[j] + sum_k W[j, k] x[..., k] over the last dim, every leading index a row.
#pragma once

#include "ctnn/kernels/tensor.hpp"
#include "ctnn/shapes/linear.hpp"

namespace ctnn {

template <linear_params P, shape In, layout L, class T>
constexpr void linear_forward(const T* x, const T* w, const T* b, T* y) {
  constexpr shape out_shape = infer(P, In).out;
  constexpr int last = In.rank - 1;
  constexpr index_t features = In[last], outputs = P.out_features;
  constexpr count_t rows = In.size() / features;
  for (count_t row = 0; row < rows; ++row) {
    index_t idx[max_rank] = {};
    unravel(row * features, In, idx);
    for (index_t j = 0; j < outputs; ++j) {
      accumulator_t<T> acc = b != nullptr ? static_cast<accumulator_t<T>>(b[j]) : accumulator_t<T>{};
      for (index_t k = 0; k < features; ++k) {
        idx[last] = k;
        acc += static_cast<accumulator_t<T>>(w[count_t{j} * features + k]) *
               static_cast<accumulator_t<T>>(x[offset_of<L>(In, idx)]);
      }
      idx[last] = j;
      y[offset_of<L>(out_shape, idx)] = static_cast<T>(acc);
    }
  }
}

// On a flat input with weights prepared as [in][out]: each input scales a contiguous row of weights
// into all outputs at once, which vectorizes over the outputs.
template <index_t In, index_t Out, class T, class Packed>
constexpr void linear_packed(const T* x, const Packed& w, T* y) {
  for (index_t j = 0; j < Out; ++j) y[j] = w.bias[j];
  for (index_t i = 0; i < In; ++i) {
    const T xi = x[i];
    const T* row = &w.weight[count_t{i} * Out];
    for (index_t j = 0; j < Out; ++j) y[j] += xi * row[j];
  }
}

}  // namespace ctnn
