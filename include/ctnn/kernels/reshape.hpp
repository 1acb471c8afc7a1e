// ctnn/kernels/reshape.hpp: flatten and reshape (declaration: ctnn/layers/reshape.hpp).
//
// Element n in PyTorch (channel-first row-major) order stays element n. In NCHW that is the memory
// order, so the memory plan lets the output alias the input and no kernel runs; in NHWC the elements
// move. `copy_reshaped` also serves the identity-like layers when the plan gives them their own buffer.
#pragma once

#include "ctnn/kernels/tensor.hpp"

namespace ctnn {

template <shape In, shape Out, layout L, class T>
constexpr void copy_reshaped(const T* x, T* y) {
  static_assert(In.size() == Out.size());
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

}  // namespace ctnn
