// ctnn/kernels/conv_transpose.hpp: the transposed convolution kernel (declaration:
// ctnn/layers/conv_transpose.hpp, shape rule: ctnn/shapes/conv_transpose.hpp).
//
// The adjoint of the convolution with the same parameters: every input element spreads w[ic, oc, k]
// to output o = i s - pb + k d. Written as a gather over the output (each output sums the taps whose
// input position i = (o + pb - k d) / s is whole and inside), so that no two iterations write the
// same element.
#pragma once

#include <type_traits>

#include "ctnn/kernels/conv.hpp"
#include "ctnn/kernels/target.hpp"
#include "ctnn/kernels/tensor.hpp"
#include "ctnn/shapes/conv_transpose.hpp"

namespace ctnn {

template <conv_transpose_params P, shape In>
struct conv_transpose_kernel {
  static constexpr conv_transpose_geometry g = resolve_conv_transpose(P, In);
  static constexpr dims4 in = dims_of(In);
  static constexpr dims4 out = dims_of(window_output(g.w, g.out_channels));
  static constexpr window3 k = to3(g.w);
  static constexpr index_t in_per_group = g.in_channels / g.groups, out_per_group = g.out_channels / g.groups;

  // Weight [C_in, C_out/g, kd, kh, kw].
  static constexpr count_t weight_index(index_t ic, index_t ocg, index_t kz, index_t ky, index_t kx) {
    return (((count_t{ic} * out_per_group + ocg) * k.kernel[0] + kz) * k.kernel[1] + ky) * k.kernel[2] + kx;
  }
  // The input position that tap kk of output o reads along one dim, or -1.
  static constexpr index_t source(index_t o, index_t kk, int dim, index_t extent) {
    const index_t t = o + k.pad_begin[dim] - kk * k.dilation[dim];
    if (t < 0 || t % k.stride[dim] != 0) return -1;
    const index_t i = t / k.stride[dim];
    return i < extent ? i : -1;
  }
  // f(kz, ky, kx, iz, iy, ix) for every tap of output (oz, oy, ox) that reads an input position.
  template <class F>
  static constexpr void each_source(index_t oz, index_t oy, index_t ox, F&& f) {
    for (index_t kz = 0; kz < k.kernel[0]; ++kz) {
      const index_t iz = source(oz, kz, 0, in.d);
      if (iz < 0) continue;
      for (index_t ky = 0; ky < k.kernel[1]; ++ky) {
        const index_t iy = source(oy, ky, 1, in.h);
        if (iy < 0) continue;
        for (index_t kx = 0; kx < k.kernel[2]; ++kx) {
          const index_t ix = source(ox, kx, 2, in.w);
          if (ix >= 0) f(kz, ky, kx, iz, iy, ix);
        }
      }
    }
  }
};

template <conv_transpose_params P, shape In, layout L, class T>
constexpr void conv_transpose_forward(const T* x, const T* w, const T* b, T* y) {
  using K = conv_transpose_kernel<P, In>;
  for (index_t oc = 0; oc < K::out.c; ++oc) {
    const index_t first_in = oc / K::out_per_group * K::in_per_group, ocg = oc % K::out_per_group;
    for (index_t oz = 0; oz < K::out.d; ++oz)
      for (index_t oy = 0; oy < K::out.h; ++oy)
        for (index_t ox = 0; ox < K::out.w; ++ox) {
          accumulator_t<T> acc = b != nullptr ? static_cast<accumulator_t<T>>(b[oc]) : accumulator_t<T>{};
          K::each_source(oz, oy, ox, [&](index_t kz, index_t ky, index_t kx, index_t iz, index_t iy, index_t ix) {
            for (index_t ic = 0; ic < K::in_per_group; ++ic)
              acc += static_cast<accumulator_t<T>>(w[K::weight_index(first_in + ic, ocg, kz, ky, kx)]) *
                     static_cast<accumulator_t<T>>(x[offset<L>(K::in, first_in + ic, iz, iy, ix)]);
          });
          y[offset<L>(K::out, oc, oz, oy, ox)] = static_cast<T>(acc);
        }
  }
}

template <class Node, layout L, class T>
constexpr void run_plain(const conv_transpose_params&, const T* x, const T* w, T* y) {
  conv_transpose_forward<Node::type::params, Node::input_shape, L>(x, w, bias_after_weight<Node>(w), y);
}

// The backward pass over the forward's taps: each output's gradient g adds w g to the input the tap
// read (a convolution of dy: the input's gradient), x g to the tap's weight, g to the channel's bias.
template <class Node, layout L, class T>
constexpr void run_backward(const conv_transpose_params&, const backward_call<T>& c) {
  using K = conv_transpose_kernel<Node::type::params, Node::input_shape>;
  T* dw = weight_gradient_of<Node>(c);
  T* db = bias_gradient_of<Node>(c);
  for (index_t oc = 0; oc < K::out.c; ++oc) {
    const index_t first_in = oc / K::out_per_group * K::in_per_group, ocg = oc % K::out_per_group;
    for (index_t oz = 0; oz < K::out.d; ++oz)
      for (index_t oy = 0; oy < K::out.h; ++oy)
        for (index_t ox = 0; ox < K::out.w; ++ox) {
          const T g = c.dy[offset<L>(K::out, oc, oz, oy, ox)];
          if (db != nullptr) db[oc] += g;
          K::each_source(oz, oy, ox, [&](index_t kz, index_t ky, index_t kx, index_t iz, index_t iy, index_t ix) {
            for (index_t ic = 0; ic < K::in_per_group; ++ic) {
              const count_t tap = K::weight_index(first_in + ic, ocg, kz, ky, kx);
              const count_t at = offset<L>(K::in, first_in + ic, iz, iy, ix);
              if (c.dx != nullptr) c.dx[at] += c.w[tap] * g;
              if (dw != nullptr) dw[tap] += c.x[at] * g;
            }
          });
        }
  }
}

}  // namespace ctnn

// ---- the fast path: NHWC, groups 1, weights prepared as [tap][C_in][C_out padded] -----------------
CTNN_BEGIN_CONFIG

// The outputs split into stride phases: along W, the outputs o = p + s t of one phase p all use the same
// taps (those with (p + pb - k d) divisible by s), reading consecutive inputs. Each phase is a dense
// convolution over t, tiled like the forward convolution: R outputs of the phase x V channels in
// accumulators, no scattered writes.
template <bool Vector, conv_transpose_params P, shape In, activation_params A, class T, class Packed>
constexpr void conv_transpose_nhwc_phased_with(const T* x, const Packed& w, T* y, work_part part) {
  using K = conv_transpose_kernel<P, In>;
  constexpr register_tile tile = tile_for_width(K::out.c, sizeof(T), (K::out.w + K::k.stride[2] - 1) / K::k.stride[2]);
  constexpr index_t V = tile.channels, R = tile.pixels, C = K::in.c, CO = K::out.c, CP = Packed::padded;
  constexpr window3 k = K::k;
  constexpr index_t sx = k.stride[2];
  constexpr count_t out_rows = count_t{K::out.d} * K::out.h;
  const T* const zeros = zero_row<T, C>;
  for (count_t out_row = part.begin(out_rows); out_row < part.end(out_rows); ++out_row) {
    const index_t oz = static_cast<index_t>(out_row / K::out.h), oy = static_cast<index_t>(out_row % K::out.h);
    for (index_t phase = 0; phase < sx && phase < K::out.w; ++phase)
      for (index_t t0 = 0; phase + sx * t0 < K::out.w; t0 += R)
        for (index_t co0 = 0; co0 < CP; co0 += V) {
          register_block<Vector, T, R, V> acc;
          acc.start(&w.bias[co0]);
          for (index_t kz = 0; kz < k.kernel[0]; ++kz) {
            const index_t iz = K::source(oz, kz, 0, K::in.d);
            if (iz < 0) continue;
            for (index_t ky = 0; ky < k.kernel[1]; ++ky) {
              const index_t iy = K::source(oy, ky, 1, K::in.h);
              if (iy < 0) continue;
              for (index_t kx = 0; kx < k.kernel[2]; ++kx) {
                const index_t lead = phase + k.pad_begin[2] - kx * k.dilation[2];
                if (((lead % sx) + sx) % sx != 0) continue;  // this tap serves another phase
                const index_t first = lead / sx;             // exact: the input of output t = 0
                const T* rows[R];  // each output's input row, or zeros outside the input
                for (index_t r = 0; r < R; ++r) {
                  const index_t ix = first + t0 + r;
                  rows[r] = (phase + sx * (t0 + r) < K::out.w && ix >= 0 && ix < K::in.w)
                                ? x + offset<layout::nhwc>(K::in, 0, iz, iy, ix)
                                : zeros;
                }
                const count_t tap = (count_t{kz} * k.kernel[1] + ky) * k.kernel[2] + kx;
                acc.add(rows, &w.weight[tap * C * CP + co0], CP, C);
              }
            }
          }
#pragma GCC unroll 16
          for (index_t r = 0; r < R; ++r)  // constant trip count, unrolled: constant indices into acc
            if (phase + sx * (t0 + r) < K::out.w)
              acc.template store<A>(r, y + offset<layout::nhwc>(K::out, co0, oz, oy, phase + sx * (t0 + r)),
                                    CO - co0 < V ? CO - co0 : V);
        }
  }
}

// A: the element-wise activation fused after the layer, if any.
template <conv_transpose_params P, shape In, activation_params A = no_activation, class T, class Packed>
constexpr void conv_transpose_nhwc_phased(const T* x, const Packed& w, T* y, work_part part = {}) {
  using K = conv_transpose_kernel<P, In>;
  constexpr index_t V = tile_for_width(K::out.c, sizeof(T), (K::out.w + K::k.stride[2] - 1) / K::k.stride[2]).channels;
  if constexpr (vector_block<T, V>) {
    if (!std::is_constant_evaluated()) {
      conv_transpose_nhwc_phased_with<true, P, In, A>(x, w, y, part);
      return;
    }
  }
  conv_transpose_nhwc_phased_with<false, P, In, A>(x, w, y, part);
}

// ---- the family's fast-kernel hooks (ctnn/kernels/run.hpp) ---------------------------------------
namespace impl {
template <class Node, class T>
struct conv_transpose_packing {
  static constexpr conv_transpose_geometry g = resolve_conv_transpose(Node::type::params, Node::input_shape);
  using packed = packed_taps<T, kernel_volume(g.w), g.in_channels, g.out_channels>;
};
}  // namespace impl

template <class Node, layout L, class T>
constexpr count_t packed_elements(const conv_transpose_params&) {
  return impl::conv_transpose_packing<Node, T>::packed::elements;
}

template <class Node, layout L, class T>
constexpr packed_channels packed_channels_of(const conv_transpose_params&) {
  return packed_channels_in<typename impl::conv_transpose_packing<Node, T>::packed>();
}

// [in][out][taps] -> [tap][in][out padded].
template <class Node, layout L, class T>
constexpr void pack(const conv_transpose_params&, const T* from, T* to) {
  using K = impl::conv_transpose_packing<Node, T>;
  constexpr index_t in = K::g.in_channels, out = K::g.out_channels;
  constexpr count_t taps = kernel_volume(K::g.w);
  pack_taps<typename K::packed, taps, in, out, true, (Node::result.bias.rank > 0)>(from, from + count_t{in} * out * taps, to);
}

template <class Node, layout L, activation_params A, class T>
constexpr void run_fast(const conv_transpose_params&, const T* x, const T* block, T* y, work_part part = {}) {
  const typename impl::conv_transpose_packing<Node, T>::packed w(block);
  conv_transpose_nhwc_phased<Node::type::params, Node::input_shape, A>(x, w, y, part);
}

CTNN_END_CONFIG
