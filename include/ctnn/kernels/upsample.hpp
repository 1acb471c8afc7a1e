// ctnn/kernels/upsample.hpp: nearest and (bi/tri)linear upsampling (declaration: ctnn/layers/upsample.hpp).
//
// PyTorch's source positions, in float as PyTorch computes them: with a scale the ratio is 1/scale,
// with a size in/out. Nearest: src = min(floor(dst * ratio), in - 1). Linear, align_corners false:
// src = max(0, (dst + 0.5) ratio - 0.5); true: src = dst (in - 1) / (out - 1); equal sizes copy.
#pragma once

#include <array>
#include <cstddef>
#include <type_traits>

#include "ctnn/kernels/tensor.hpp"
#include "ctnn/shapes/upsample.hpp"

namespace ctnn {

namespace detail {
// Ratio in/out along dim i (of three, leading unit dims first) as PyTorch computes it.
template <upsample_params P>
constexpr float upsample_ratio(int dim3, index_t in, index_t out) {
  const int dim = dim3 - (3 - P.rank);
  if (dim < 0) return 1.0f;
  if (P.mode == upsample_mode::linear && P.align_corners)
    return out > 1 ? static_cast<float>(in - 1) / static_cast<float>(out - 1) : 0.0f;
  if (P.scale_num.count != 0)
    return static_cast<float>(static_cast<double>(P.scale_den.at(dim)) / static_cast<double>(P.scale_num.at(dim)));
  return static_cast<float>(in) / static_cast<float>(out);
}

struct linear_taps {
  index_t i0 = 0, i1 = 0;
  float l0 = 1, l1 = 0;
};

// The float ratio times the position is taken in double, as PyTorch's kernel does; only the weights
// are rounded to float (in float, positions past a few hundred pixels drift by 1e-4).
template <upsample_params P>
constexpr linear_taps linear_source(float ratio, index_t dst, index_t in, index_t out) {
  if (in == out) return {dst, dst, 1.0f, 0.0f};
  double src = P.align_corners ? double(ratio) * dst : double(ratio) * (dst + 0.5) - 0.5;
  if (src < 0) src = 0;
  linear_taps t;
  t.i0 = static_cast<index_t>(src);
  t.i1 = t.i0 + (t.i0 < in - 1 ? 1 : 0);
  const double l1 = src - t.i0;
  t.l1 = static_cast<float>(l1 < 0 ? 0 : (l1 > 1 ? 1 : l1));
  t.l0 = 1.0f - t.l1;
  return t;
}

// PyTorch 1.13's CPU kernel has no shortcut for equal sizes here (unlike linear): scale 1.25 on 3
// elements gives 3 outputs reading 0, 0, 1.
template <upsample_params P>
constexpr index_t nearest_source(float ratio, index_t dst, index_t in) {
  const auto src = static_cast<index_t>(static_cast<float>(dst) * ratio);  // floor: non-negative
  return src < in - 1 ? src : in - 1;
}
}  // namespace detail

// Each output coordinate's source along each axis (depth, then height, then width, one after the other),
// computed once by the compiler: constants in the image rather than arithmetic per element.
template <upsample_params P, shape In>
struct upsample_table {
  static constexpr dims4 in = dims_of(In), out = dims_of(infer(P, In).out);
  static constexpr index_t in_extent[3] = {in.d, in.h, in.w}, out_extent[3] = {out.d, out.h, out.w};
  static constexpr index_t first[3] = {0, out.d, out.d + out.h};
  static constexpr std::size_t size = static_cast<std::size_t>(out.d + out.h + out.w);
  static constexpr auto sources = [] {
    std::array<std::conditional_t<P.mode == upsample_mode::nearest, index_t, detail::linear_taps>, size> r{};
    for (int i = 0; i < 3; ++i) {
      const float ratio = detail::upsample_ratio<P>(i, in_extent[i], out_extent[i]);
      for (index_t o = 0; o < out_extent[i]; ++o) {
        if constexpr (P.mode == upsample_mode::nearest) {
          r[static_cast<std::size_t>(first[i] + o)] = detail::nearest_source<P>(ratio, o, in_extent[i]);
        } else {
          r[static_cast<std::size_t>(first[i] + o)] = detail::linear_source<P>(ratio, o, in_extent[i], out_extent[i]);
        }
      }
    }
    return r;
  }();
};

template <upsample_params P, shape In, layout L, class T>
constexpr void upsample_forward(const T* x, T* y) {
  using table = upsample_table<P, In>;
  constexpr dims4 in = table::in, out = table::out;
  const auto* source = table::sources.data();
  for (index_t c = 0; c < out.c; ++c)
    for (index_t oz = 0; oz < out.d; ++oz)
      for (index_t oy = 0; oy < out.h; ++oy)
        for (index_t ox = 0; ox < out.w; ++ox) {
          const auto& sz = source[oz];
          const auto& sy = source[table::first[1] + oy];
          const auto& sx = source[table::first[2] + ox];
          if constexpr (P.mode == upsample_mode::nearest) {
            y[offset<L>(out, c, oz, oy, ox)] = x[offset<L>(in, c, sz, sy, sx)];
          } else {
            const detail::linear_taps t[3] = {sz, sy, sx};
            accumulator_t<T> v{};
            for (int a = 0; a < 2; ++a)
              for (int b = 0; b < 2; ++b)
                for (int d = 0; d < 2; ++d) {
                  // Zero weights are multiplied too, so that NaN and infinity propagate as in PyTorch.
                  const float weight = (a ? t[0].l1 : t[0].l0) * (b ? t[1].l1 : t[1].l0) * (d ? t[2].l1 : t[2].l0);
                  v += static_cast<accumulator_t<T>>(weight) *
                       x[offset<L>(in, c, a ? t[0].i1 : t[0].i0, b ? t[1].i1 : t[1].i0, d ? t[2].i1 : t[2].i0)];
                }
            y[offset<L>(out, c, oz, oy, ox)] = static_cast<T>(v);
          }
        }
}

template <class Node, layout L, class T>
constexpr void run_plain(const upsample_params&, const T* x, const T*, T* y) {
  upsample_forward<Node::type::params, Node::input_shape, L>(x, y);
}

}  // namespace ctnn
