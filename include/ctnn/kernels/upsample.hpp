// ctnn/kernels/upsample.hpp: nearest, nearest-exact, (bi/tri)linear and bicubic upsampling (declaration:
// ctnn/layers/upsample.hpp).
//
// PyTorch's source positions, in float as PyTorch computes them: with a scale the ratio is 1/scale,
// with a size in/out. Nearest: src = min(floor(dst * ratio), in - 1); nearest-exact:
// min(floor((dst + 0.5) ratio), in - 1). Linear, align_corners false: src = max(0, (dst + 0.5) ratio - 0.5);
// true: src = dst (in - 1) / (out - 1); equal sizes copy. Bicubic: the same src, not clamped, and four
// taps around floor(src), each read clamped into the input, weighted by Keys' cubic with A = -0.75.
#pragma once

#include <array>
#include <cstddef>
#include <type_traits>

#include "ctnn/kernels/quantize.hpp"
#include "ctnn/kernels/tensor.hpp"
#include "ctnn/shapes/upsample.hpp"

namespace ctnn {

namespace detail {
// Ratio in/out along dim i (of three, leading unit dims first) as PyTorch computes it.
template <upsample_params P>
constexpr float upsample_ratio(int dim3, index_t in, index_t out) {
  const int dim = dim3 - (3 - P.rank);
  if (dim < 0) return 1.0f;
  if (P.align_corners)
    return out > 1 ? static_cast<float>(in - 1) / static_cast<float>(out - 1) : 0.0f;
  if (P.scale_num.count != 0) {
    const index_t den = P.scale_den.count != 0 ? P.scale_den.at(dim) : 1;
    return static_cast<float>(static_cast<double>(den) / static_cast<double>(P.scale_num.at(dim)));
  }
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
  const float at = P.mode == upsample_mode::nearest_exact ? (static_cast<float>(dst) + 0.5f) * ratio
                                                          : static_cast<float>(dst) * ratio;
  const auto src = static_cast<index_t>(at);  // floor: non-negative
  return src < in - 1 ? src : in - 1;
}

struct cubic_taps {
  index_t i[4] = {};
  float w[4] = {};
};

// Keys' cubic convolution with A = -0.75 (PyTorch's get_cubic_upsample_coefficients), on the four
// inputs around floor(src), read clamped into [0, in - 1].
template <upsample_params P>
constexpr cubic_taps cubic_source(float ratio, index_t dst, index_t in) {
  const float src = P.align_corners ? ratio * static_cast<float>(dst) : ratio * (static_cast<float>(dst) + 0.5f) - 0.5f;
  const auto truncated = static_cast<index_t>(src);
  const index_t base = static_cast<float>(truncated) > src ? truncated - 1 : truncated;  // floor: src may be < 0
  const float t = src - static_cast<float>(base);
  constexpr float a = -0.75f;
  const auto near = [](float x) { return ((a + 2) * x - (a + 3)) * x * x + 1; };         // |x| <= 1
  const auto far = [](float x) { return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a; };  // 1 < |x| < 2
  cubic_taps c;
  c.w[0] = far(t + 1);
  c.w[1] = near(t);
  c.w[2] = near(1 - t);
  c.w[3] = far(2 - t);
  for (int k = 0; k < 4; ++k) {
    const index_t at = base - 1 + k;
    c.i[k] = at < 0 ? 0 : (at > in - 1 ? in - 1 : at);
  }
  return c;
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
  static constexpr bool nearest = P.mode == upsample_mode::nearest || P.mode == upsample_mode::nearest_exact;
  using source_type = std::conditional_t<nearest, index_t,
                                         std::conditional_t<P.mode == upsample_mode::cubic, detail::cubic_taps, detail::linear_taps>>;
  static constexpr auto sources = [] {
    std::array<source_type, size> r{};
    for (int i = 0; i < 3; ++i) {
      const float ratio = detail::upsample_ratio<P>(i, in_extent[i], out_extent[i]);
      for (index_t o = 0; o < out_extent[i]; ++o) {
        if constexpr (nearest) {
          r[static_cast<std::size_t>(first[i] + o)] = detail::nearest_source<P>(ratio, o, in_extent[i]);
        } else if constexpr (P.mode == upsample_mode::cubic) {
          r[static_cast<std::size_t>(first[i] + o)] = i == 0 ? detail::cubic_taps{} : detail::cubic_source<P>(ratio, o, in_extent[i]);
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
          if constexpr (table::nearest) {
            y[offset<L>(out, c, oz, oy, ox)] = x[offset<L>(in, c, sz, sy, sx)];
          } else if constexpr (P.mode == upsample_mode::cubic) {
            accumulator_t<T> v{};  // along W in each of four rows, then along H, as PyTorch
            for (int b = 0; b < 4; ++b) {
              accumulator_t<T> row{};
              for (int d = 0; d < 4; ++d) row += static_cast<accumulator_t<T>>(sx.w[d]) * x[offset<L>(in, c, 0, sy.i[b], sx.i[d])];
              v += static_cast<accumulator_t<T>>(sy.w[b]) * row;
            }
            y[offset<L>(out, c, oz, oy, ox)] = static_cast<T>(v);
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
// In an int8 network nearest resizing copies the integers and keeps their quantization (the linear and
// cubic modes have no int8 kernel).
template <class Node, layout L, activation_params A>
  requires(upsample_table<Node::type::params, Node::input_shape>::nearest)
constexpr void run_int8(const upsample_params& p, const int8_call& c) {
  run_plain<Node, L>(p, c.x, c.x, c.y);
}

// The backward pass: each output's gradient to the inputs it read, with the weights it read them by.
template <class Node, layout L, class T>
constexpr void run_backward(const upsample_params&, const backward_call<T>& c) {
  constexpr upsample_params P = Node::type::params;
  using table = upsample_table<P, Node::input_shape>;
  constexpr dims4 in = table::in, out = table::out;
  const auto* source = table::sources.data();
  if (c.dx == nullptr) return;
  for (index_t ch = 0; ch < out.c; ++ch)
    for (index_t oz = 0; oz < out.d; ++oz)
      for (index_t oy = 0; oy < out.h; ++oy)
        for (index_t ox = 0; ox < out.w; ++ox) {
          const auto& sz = source[oz];
          const auto& sy = source[table::first[1] + oy];
          const auto& sx = source[table::first[2] + ox];
          const T g = c.dy[offset<L>(out, ch, oz, oy, ox)];
          if constexpr (table::nearest) {
            c.dx[offset<L>(in, ch, sz, sy, sx)] += g;
          } else if constexpr (P.mode == upsample_mode::cubic) {
            for (int b = 0; b < 4; ++b)
              for (int d = 0; d < 4; ++d)
                c.dx[offset<L>(in, ch, 0, sy.i[b], sx.i[d])] += static_cast<T>(sy.w[b]) * static_cast<T>(sx.w[d]) * g;
          } else {
            const detail::linear_taps t[3] = {sz, sy, sx};
            for (int a = 0; a < 2; ++a)
              for (int b = 0; b < 2; ++b)
                for (int d = 0; d < 2; ++d) {
                  const float weight = (a ? t[0].l1 : t[0].l0) * (b ? t[1].l1 : t[1].l0) * (d ? t[2].l1 : t[2].l0);
                  c.dx[offset<L>(in, ch, a ? t[0].i1 : t[0].i0, b ? t[1].i1 : t[1].i0, d ? t[2].i1 : t[2].i0)] +=
                      static_cast<T>(weight) * g;
                }
          }
        }
}

}  // namespace ctnn
