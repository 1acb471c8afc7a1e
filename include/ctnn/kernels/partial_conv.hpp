// ctnn/kernels/partial_conv.hpp: the partial convolution kernel (Liu et al. 2018; declaration:
// ctnn/layers/partial_conv.hpp).
//
// out = (W^T (X * M)) * (k_area / sum(M)) + b where sum(M) > 0 over the window, else 0;
// new mask = 1 where sum(M) > 0. k_area = kd kh kw, times C_in with a multi-channel mask, whose sum runs
// over every input channel whatever the groups (as NVIDIA's reference implementation). Binary masks.
#pragma once

#include <array>
#include <cstddef>

#include "ctnn/kernels/conv.hpp"
#include "ctnn/shapes/partial_conv.hpp"

namespace ctnn {

// With an explicit mask: [1, spatial] (or [C_in, spatial] for multi_channel_mask) in layout L.
template <partial_conv_params P, shape In, layout L, class T>
constexpr void partial_conv_forward(const T* x, const T* mask, const T* w, const T* b, T* y, T* new_mask) {
  using K = conv_kernel<static_cast<conv_params>(P), In, L, T>;
  constexpr dims4 mask_in = dims_of(mask_shapes(P, In).in);
  constexpr dims4 mask_out = dims_of(mask_shapes(P, In).out);
  constexpr index_t channels_in_mask = P.multi_channel_mask ? K::in.c : 1;
  constexpr accumulator_t<T> k_area = static_cast<accumulator_t<T>>(
      channels_in_mask * K::k.kernel[0] * K::k.kernel[1] * K::k.kernel[2]);
  for (index_t oc = 0; oc < K::out.c; ++oc)
    for (index_t oz = 0; oz < K::out.d; ++oz)
      for (index_t oy = 0; oy < K::out.h; ++oy)
        for (index_t ox = 0; ox < K::out.w; ++ox) {
          // sum(M) over the window, and W^T (X * M).
          accumulator_t<T> mask_sum{}, acc{};
          const index_t first_in = oc / K::out_per_group * K::in_per_group;
          for_each_tap<K::k, K::in>(oz, oy, ox,
                       [&](index_t kz, index_t ky, index_t kx, index_t iz, index_t iy, index_t ix) {
                         for (index_t mc = 0; mc < channels_in_mask; ++mc)
                           mask_sum += static_cast<accumulator_t<T>>(mask[offset<L>(mask_in, mc, iz, iy, ix)]);
                         for (index_t ic = 0; ic < K::in_per_group; ++ic) {
                           const index_t mc = P.multi_channel_mask ? first_in + ic : 0;
                           acc += static_cast<accumulator_t<T>>(w[K::weight_index(oc, ic, kz, ky, kx)]) *
                                  static_cast<accumulator_t<T>>(x[offset<L>(K::in, first_in + ic, iz, iy, ix)]) *
                                  static_cast<accumulator_t<T>>(mask[offset<L>(mask_in, mc, iz, iy, ix)]);
                         }
                       });
          const bool any = mask_sum > 0;
          accumulator_t<T> value{};
          if (any) {
            value = acc * (k_area / mask_sum);
            if (b != nullptr) value += b[oc];
          }
          y[offset<L>(K::out, oc, oz, oy, ox)] = static_cast<T>(value);
          if (P.multi_channel_mask || oc == 0) {
            const index_t nc = P.multi_channel_mask ? oc : 0;
            new_mask[offset<L>(mask_out, nc, oz, oy, ox)] = any ? T(1) : T(0);
          }
        }
}

// Inside a network the mask marks only the padding as holes ("partial convolution based padding"):
// the ratio k_area / sum(M) then depends on the position alone, so the compiler works out each output
// position's ratio once (0 where the window misses the input entirely): a table of constants.
template <partial_conv_params P, shape In, class A>
struct partial_conv_ratios {
  using K = conv_kernel<static_cast<conv_params>(P), In, layout::nchw, A>;
  static constexpr auto value = [] {
    std::array<A, static_cast<std::size_t>(K::out.spatial_size())> r{};
    constexpr count_t taps = K::k.kernel[0] * K::k.kernel[1] * K::k.kernel[2];
    std::size_t at = 0;
    for (index_t oz = 0; oz < K::out.d; ++oz)
      for (index_t oy = 0; oy < K::out.h; ++oy)
        for (index_t ox = 0; ox < K::out.w; ++ox) {
          count_t inside = 0;  // taps of the window that fall inside the input
          for_each_tap<K::k, K::in>(oz, oy, ox, [&](index_t, index_t, index_t, index_t, index_t, index_t) { ++inside; });
          r[at++] = inside > 0 ? static_cast<A>(taps) / static_cast<A>(inside) : A{};
        }
    return r;
  }();
};

template <partial_conv_params P, shape In, layout L, class T>
constexpr void partial_conv_padding_forward(const T* x, const T* w, const T* b, T* y) {
  using K = conv_kernel<static_cast<conv_params>(P), In, L, T>;
  const auto* ratio = partial_conv_ratios<P, In, accumulator_t<T>>::value.data();
  for (index_t oc = 0; oc < K::out.c; ++oc)
    for (index_t oz = 0; oz < K::out.d; ++oz)
      for (index_t oy = 0; oy < K::out.h; ++oy)
        for (index_t ox = 0; ox < K::out.w; ++ox) {
          const auto r = ratio[(count_t{oz} * K::out.h + oy) * K::out.w + ox];
          accumulator_t<T> value{};
          if (r != accumulator_t<T>{}) {
            value = K::window_sum(x, w, oc, oz, oy, ox) * r;
            if (b != nullptr) value += b[oc];
          }
          y[offset<L>(K::out, oc, oz, oy, ox)] = static_cast<T>(value);
        }
}

template <class Node, layout L, class T>
constexpr void run_plain(const partial_conv_params&, const T* x, const T* w, T* y) {
  partial_conv_padding_forward<Node::type::params, Node::input_shape, L>(x, w, bias_after_weight<Node>(w), y);
}

// No backward pass yet; deleted, so that the convolution's (its parameters' base) is not taken for it.
template <class Node, layout L, class T>
constexpr void run_backward(const partial_conv_params&, const backward_call<T>&) = delete;
template <class Node, layout L, class T>
constexpr void run_training_forward(const partial_conv_params&, const T*, const T*, T*, T*) = delete;

}  // namespace ctnn
