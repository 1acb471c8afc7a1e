// ctnn/shapes/activation.hpp: shape rules of element-wise layers and softmax: the shape is kept.
#pragma once

#include "ctnn/layers/activation.hpp"
#include "ctnn/shapes/reshape.hpp"
#include "ctnn/shapes/result.hpp"

namespace ctnn {

constexpr layer_shapes infer(const activation_params&, const shape& in) { return same_shape(in); }

// Element-wise: in place; dropout (identity at inference) moves nothing. A fast kernel before an
// element-wise activation applies it as it stores its tile.
constexpr storage storage_of(const activation_params& p, layout) {
  return p.kind == activation_kind::identity ? storage::alias : storage::in_place;
}
constexpr lowering lowering_of(const activation_params& p, const shape&, layout) {
  lowering r;
  r.elementwise = p.kind != activation_kind::identity;
  return r;
}

constexpr layer_shapes infer(const softmax_params& p, const shape& in) {
  if (normalize_dim(p.dim, in.rank) < 0) return fail(error_code::dim_out_of_range, p.dim, in.rank, 0, -1, param::dim);
  return same_shape(in);
}


constexpr storage storage_of(const softmax_params&, layout) { return storage::in_place; }
// Over channels an output still sees one position's field; over a spatial dim, more of the input.
constexpr receptive_field grow_field(const softmax_params& p, const shape& in, const layer_shapes&,
                                     const receptive_field& f) {
  return normalize_dim(p.dim, in.rank) == 0 ? f : whole(f);
}

}  // namespace ctnn
