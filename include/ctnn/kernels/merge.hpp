// ctnn/kernels/merge.hpp: where branches meet: residual add and channel concat (declarations:
// ctnn/layers/graph.hpp).
#pragma once

#include "ctnn/kernels/tensor.hpp"

namespace ctnn {

// y = a + b element by element; y may be a.
template <count_t Size, class T>
constexpr void add_forward(const T* a, const T* b, T* y) {
  for (count_t i = 0; i < Size; ++i) y[i] = a[i] + b[i];
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
