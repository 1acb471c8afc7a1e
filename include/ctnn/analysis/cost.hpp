// ctnn/analysis/cost.hpp: what one layer costs, as values: parameters, multiply-accumulates, and how it
// grows the receptive field.
//
// MAC convention (also what tools/make_zoo_reference.py computes with PyTorch): the multiply-accumulates
// of the layers with weights, one per weight per position it is applied at, bias adds not counted.
//   convolution, partial conv:  output elements x (C_in / groups) x kernel volume
//   transposed convolution:     input elements x (C_out / groups) x kernel volume
//   linear:                     output elements x in_features
// Pooling, activations, batch norm (foldable into the previous conv), upsampling, padding and merges
// count 0. Parameters are PyTorch's `parameters()`: weights and biases (batch norm: weight and bias; its
// running statistics are buffers, counted in the weight bytes).
#pragma once

#include <algorithm>
#include <numeric>
#include <type_traits>

#include "ctnn/shapes/conv.hpp"
#include "ctnn/shapes/conv_transpose.hpp"
#include "ctnn/shapes/linear.hpp"
#include "ctnn/shapes/partial_conv.hpp"
#include "ctnn/shapes/pool.hpp"
#include "ctnn/shapes/activation.hpp"
#include "ctnn/shapes/reshape.hpp"
#include "ctnn/shapes/upsample.hpp"
#include "ctnn/layers/batch_norm.hpp"

namespace ctnn {

// The receptive field of one output element, per spatial dim, in pixels of the network's input: its
// size, and the jump (distance in input pixels between neighbouring outputs), a fraction after
// upsampling. rank 0: the layer's outputs see the whole input (after flatten, linear, softmax...).
struct receptive_field {
  int rank = 0;
  bool whole_input = false;
  count_t size[max_spatial_rank] = {};
  count_t jump_num[max_spatial_rank] = {}, jump_den[max_spatial_rank] = {};
  friend constexpr bool operator==(const receptive_field&, const receptive_field&) = default;
};

// One pixel, jump 1: the network's input itself.
constexpr receptive_field input_field(const shape& in) {
  receptive_field f;
  f.rank = in.rank - 1;
  for (int i = 0; i < f.rank; ++i) {
    f.size[i] = 1;
    f.jump_num[i] = f.jump_den[i] = 1;
  }
  return f;
}

constexpr receptive_field whole(const receptive_field& in) {
  receptive_field f = in;
  f.whole_input = true;
  return f;
}

namespace detail {
constexpr void reduce(count_t& num, count_t& den) {
  const count_t g = std::gcd(num, den);
  if (g > 1) {
    num /= g;
    den /= g;
  }
}
// Size grows by (taps - 1) jumps of the input; the jump is multiplied by num/den.
constexpr receptive_field grow(receptive_field f, const extents& taps, const extents& num, const extents& den) {
  for (int i = 0; i < f.rank; ++i) {
    // (taps - 1) input jumps, rounded up: a fractional jump still reaches the next input pixel.
    f.size[i] += ceil_div((taps[i] - 1) * f.jump_num[i], f.jump_den[i]);
    f.jump_num[i] *= num[i];
    f.jump_den[i] *= den[i];
    reduce(f.jump_num[i], f.jump_den[i]);
  }
  return f;
}
constexpr extents dilated(const window& w) {
  extents e;
  for (int i = 0; i < w.rank; ++i) e[i] = dilated_extent(w.kernel[i], w.dilation[i]);
  return e;
}
}  // namespace detail

struct layer_cost {
  count_t macs = 0;
  receptive_field field;
};

// Layers that keep the geometry (activations, batch norm, padding, cropping, merges): no MACs.
template <class P>
constexpr layer_cost cost_of(const P&, const shape&, const layer_shapes&, const receptive_field& f) {
  return {0, f};
}

constexpr layer_cost cost_of(const conv_params& p, const shape& in, const layer_shapes& r, const receptive_field& f) {
  const conv_geometry g = resolve_conv(p, in);
  const count_t per_output = r.weight.size() / r.weight[0];  // C_in/g x kernel volume
  return {r.out.size() * per_output, detail::grow(f, detail::dilated(g.w), g.w.stride, filled(g.w.rank, 1))};
}
constexpr layer_cost cost_of(const partial_conv_params& p, const shape& in, const layer_shapes& r,
                             const receptive_field& f) {
  return cost_of(static_cast<const conv_params&>(p), in, r, f);
}

constexpr layer_cost cost_of(const conv_transpose_params& p, const shape& in, const layer_shapes& r,
                             const receptive_field& f) {
  const conv_transpose_geometry g = resolve_conv_transpose(p, in);
  const count_t per_input = r.weight.size() / r.weight[0];  // C_out/g x kernel volume
  // An output sees ceil(K / s) inputs; the jump shrinks by s.
  extents taps;
  for (int i = 0; i < g.w.rank; ++i)
    taps[i] = static_cast<index_t>(ceil_div(dilated_extent(g.w.kernel[i], g.w.dilation[i]), g.w.stride[i]));
  return {in.size() * per_input, detail::grow(f, taps, filled(g.w.rank, 1), g.w.stride)};
}

constexpr layer_cost cost_of(const linear_params&, const shape& in, const layer_shapes& r, const receptive_field& f) {
  return {r.out.size() * in[in.rank - 1], whole(f)};
}

constexpr layer_cost cost_of(const max_pool_params& p, const shape& in, const layer_shapes&, const receptive_field& f) {
  const window w = resolve_window(window_of(p), in).w;
  return {0, detail::grow(f, detail::dilated(w), w.stride, filled(w.rank, 1))};
}
constexpr layer_cost cost_of(const avg_pool_params& p, const shape& in, const layer_shapes&, const receptive_field& f) {
  const window w = resolve_window(window_of(p), in).w;
  return {0, detail::grow(f, detail::dilated(w), w.stride, filled(w.rank, 1))};
}
constexpr layer_cost cost_of(const adaptive_pool_params& p, const shape& in, const layer_shapes& r,
                             const receptive_field& f) {
  extents taps, num, den;
  for (int i = 0; i < p.rank; ++i) {
    const index_t n = in.spatial(i), o = r.out.spatial(i);
    for (index_t j = 0; j < o; ++j)  // the widest of the windows [floor(j n / o), ceil((j + 1) n / o))
      taps[i] = std::max(taps[i], adaptive_end(j, n, o) - adaptive_begin(j, n, o));
    num[i] = n;
    den[i] = o;
  }
  return {0, detail::grow(f, taps, num, den)};
}
constexpr layer_cost cost_of(const global_pool_params&, const shape&, const layer_shapes&, const receptive_field& f) {
  return {0, whole(f)};
}
constexpr layer_cost cost_of(const upsample_params& p, const shape& in, const layer_shapes& r, const receptive_field& f) {
  extents taps, num, den;  // linear modes read two neighbours, nearest one
  for (int i = 0; i < p.rank; ++i) {
    taps[i] = p.mode == upsample_mode::linear ? 2 : 1;
    num[i] = in.spatial(i);
    den[i] = r.out.spatial(i);
  }
  return {0, detail::grow(f, taps, num, den)};
}
constexpr layer_cost cost_of(const flatten_params&, const shape&, const layer_shapes&, const receptive_field& f) {
  return {0, whole(f)};
}
constexpr layer_cost cost_of(const reshape_params&, const shape&, const layer_shapes&, const receptive_field& f) {
  return {0, whole(f)};
}
constexpr layer_cost cost_of(const softmax_params& p, const shape& in, const layer_shapes&, const receptive_field& f) {
  return {0, normalize_dim(p.dim, in.rank) == 0 ? f : whole(f)};  // over channels the field stays
}

// The two merges: the widest of the branches' fields.
constexpr receptive_field merge_fields(const receptive_field& a, const receptive_field& b) {
  receptive_field r = a;
  r.whole_input = a.whole_input || b.whole_input;
  for (int i = 0; i < r.rank && i < b.rank; ++i) r.size[i] = a.size[i] > b.size[i] ? a.size[i] : b.size[i];
  return r;
}

}  // namespace ctnn
