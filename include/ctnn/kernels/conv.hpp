// ctnn/kernels/conv.hpp: the convolution kernel (declaration: ctnn/layers/conv.hpp, shape rule:
// ctnn/shapes/conv.hpp).
//
// y[oc, o] = b[oc] + sum over the group's input channels ic and the window k of
//            w[oc, ic, k] * x[g * C_in/g + ic, o * s - pb + k * d]        (zero outside the input)
// Every extent is a compile-time constant; 1d and 2d run as 3d with unit leading dims.
#pragma once

#include "ctnn/kernels/tensor.hpp"
#include "ctnn/shapes/conv.hpp"

namespace ctnn {

// The window loop shared by convolution and partial convolution: the sum over one output position's
// receptive field, and (for partial convolution) how many of its taps fall inside the input.
template <conv_params P, shape In, layout L, class T>
struct conv_kernel {
  static constexpr conv_geometry g = resolve_conv(P, In);
  static constexpr dims4 in = dims_of(In);
  static constexpr dims4 out = dims_of(window_output(g.w, g.out_channels));
  static constexpr window3 k = to3(g.w);
  static constexpr index_t in_per_group = g.in_channels / g.groups;
  static constexpr index_t out_per_group = g.out_channels / g.groups;

  // Weight [C_out, C_in/g, kd, kh, kw] in PyTorch order.
  static constexpr count_t weight_index(index_t oc, index_t ic, index_t kz, index_t ky, index_t kx) {
    return (((count_t{oc} * in_per_group + ic) * k.kernel[0] + kz) * k.kernel[1] + ky) * k.kernel[2] + kx;
  }

  static constexpr accumulator_t<T> window_sum(const T* x, const T* w, index_t oc, index_t oz, index_t oy,
                                               index_t ox) {
    accumulator_t<T> acc{};
    const index_t first_in = oc / out_per_group * in_per_group;
    for (index_t ic = 0; ic < in_per_group; ++ic)
      for_each_tap(k, in, oz, oy, ox, [&](index_t kz, index_t ky, index_t kx, index_t iz, index_t iy, index_t ix) {
        acc += static_cast<accumulator_t<T>>(w[weight_index(oc, ic, kz, ky, kx)]) *
               static_cast<accumulator_t<T>>(x[offset<L>(in, first_in + ic, iz, iy, ix)]);
      });
    return acc;
  }
};

// Convolution of one sample: x in layout L with shape In, w in PyTorch order, b of C_out or null.
template <conv_params P, shape In, layout L, class T>
constexpr void conv_forward(const T* x, const T* w, const T* b, T* y) {
  using K = conv_kernel<P, In, L, T>;
  for (index_t oc = 0; oc < K::out.c; ++oc)
    for (index_t oz = 0; oz < K::out.d; ++oz)
      for (index_t oy = 0; oy < K::out.h; ++oy)
        for (index_t ox = 0; ox < K::out.w; ++ox) {
          accumulator_t<T> acc = K::window_sum(x, w, oc, oz, oy, ox);
          if (b != nullptr) acc += b[oc];
          y[offset<L>(K::out, oc, oz, oy, ox)] = static_cast<T>(acc);
        }
}

}  // namespace ctnn
