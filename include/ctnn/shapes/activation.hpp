// ctnn/shapes/activation.hpp: shape rules of element-wise layers, PReLU and softmax: the shape is kept.
//
// PReLU's tensor: weight [num_parameters], the slopes.
#pragma once

#include <limits>

#include "ctnn/layers/activation.hpp"
#include "ctnn/shapes/result.hpp"

namespace ctnn {

constexpr layer_shapes infer(const activation_params& p, const shape& in) {
  if (p.a_den < 1) return fail(error_code::not_positive, p.a_den, 0, 0, -1, param::denominator);
  if (p.b_den < 1) return fail(error_code::not_positive, p.b_den, 0, 0, -1, param::denominator);
  if (p.kind == activation_kind::celu && p.a_num == 0) return fail(error_code::must_not_be_zero, 0, 0, 0, -1, param::alpha);
  // PyTorch's Hardtanh asserts max > min (the bounds share one denominator: compare the numerators);
  // torch.clamp takes any two bounds.
  if (p.kind == activation_kind::hardtanh && p.b_num <= p.a_num)
    return fail(error_code::bounds_out_of_order, p.a_num, p.b_num);
  return same_shape(in);
}

// Element-wise: in place; dropout (identity at inference) moves nothing. A fast kernel before an
// element-wise activation applies it as it stores its tile.
constexpr storage storage_of(const activation_params& p, layout) {
  return p.kind == activation_kind::identity ? storage::alias : storage::in_place;
}
// The activations that clamp to constant bounds: in an int8 network they are integer clamps, fused into
// the output stage of a convolution or linear layer before them (ctnn/kernels/quantize.hpp).
constexpr bool is_clamp(const activation_params& p) {
  return p.kind == activation_kind::relu || p.kind == activation_kind::relu6 || p.kind == activation_kind::hardtanh ||
         p.kind == activation_kind::clamp || p.kind == activation_kind::clamp_min || p.kind == activation_kind::clamp_max;
}

// A clamp's bounds, min(max(x, low), high) (infinite where one-sided; both infinite for the others): the
// rule the int8 output stage (ctnn/kernels/quantize.hpp) and a kernel adding a residual both apply.
struct clamp_range {
  double low = -std::numeric_limits<double>::infinity(), high = std::numeric_limits<double>::infinity();
};
constexpr clamp_range clamp_range_of(const activation_params& p) {
  clamp_range r;
  const bool two_sided = p.kind == activation_kind::hardtanh || p.kind == activation_kind::clamp;
  if (p.kind == activation_kind::relu || p.kind == activation_kind::relu6) r.low = 0.0;
  if (p.kind == activation_kind::relu6) r.high = 6.0;
  if (two_sided || p.kind == activation_kind::clamp_min) r.low = p.a();
  if (two_sided || p.kind == activation_kind::clamp_max) r.high = p.b();
  return r;
}

constexpr lowering lowering_of(const activation_params& p, const shape&, layout) {
  lowering r;
  r.elementwise = p.kind != activation_kind::identity;
  r.clamps = is_clamp(p);
  const clamp_range bounds = clamp_range_of(p);
  r.low = bounds.low;
  r.high = bounds.high;
  return r;
}

constexpr layer_shapes infer(const prelu_params& p, const shape& in) {
  if (p.num_parameters != 1 && p.num_parameters != in.channels())
    return fail(error_code::prelu_parameters, p.num_parameters, in.channels());
  layer_shapes r = same_shape(in);
  r.weight = shape{p.num_parameters};
  r.add_tensor("weight", r.weight);
  return r;
}
// In int8, PReLU computes in float, as PyTorch's quantized PReLU (ctnn/plan/quantized.hpp).
constexpr lowering lowering_of(const prelu_params&, const shape&, layout) {
  lowering r;
  r.int8_in_float = true;
  return r;
}
constexpr storage storage_of(const prelu_params&, layout) { return storage::in_place; }

constexpr layer_shapes infer(const softmax_params& p, const shape& in) {
  if (normalize_dim(p.dim, in.rank) < 0) return fail(error_code::dim_out_of_range, p.dim, in.rank, 0, -1, param::dim);
  return same_shape(in);
}


constexpr storage storage_of(const softmax_params&, layout) { return storage::in_place; }
// Its gradient is y (dy - sum(dy y)) (softmax) or dy - exp(y) sum(dy) (log_softmax): from the output.
constexpr backward_reads backward_reads_of(const softmax_params&) { return {false, false, true}; }
// Over channels an output still sees one position's field; over a spatial dim, more of the input.
constexpr receptive_field grow_field(const softmax_params& p, const shape& in, const layer_shapes&,
                                     const receptive_field& f) {
  return normalize_dim(p.dim, in.rank) == 0 ? f : whole(f);
}

}  // namespace ctnn
