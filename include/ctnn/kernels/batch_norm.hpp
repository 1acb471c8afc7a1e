// ctnn/kernels/batch_norm.hpp: batch normalization at inference (declaration: ctnn/layers/batch_norm.hpp).
//
// y = x * a + c with a = weight / sqrt(running_var + eps) and c = bias - running_mean * a, as PyTorch's
// CPU kernel computes it; eps = 1e-5, PyTorch's default. Safe in place.
#pragma once

#include "ctnn/kernels/math.hpp"
#include "ctnn/kernels/tensor.hpp"

namespace ctnn {

inline constexpr double batch_norm_eps = 1e-5;

template <shape In, layout L, class T>
constexpr void batch_norm_forward(const T* x, const T* weight, const T* bias, const T* mean, const T* var, T* y) {
  constexpr dims4 t = dims_of(In);
  for (index_t c = 0; c < t.c; ++c) {
    const T a = weight[c] / math::sqrt(var[c] + static_cast<T>(batch_norm_eps));
    const T shift = bias[c] - mean[c] * a;
    for (index_t z = 0; z < t.d; ++z)
      for (index_t yy = 0; yy < t.h; ++yy)
        for (index_t xx = 0; xx < t.w; ++xx) {
          const count_t at = offset<L>(t, c, z, yy, xx);
          y[at] = x[at] * a + shift;
        }
  }
}

}  // namespace ctnn
