// ctnn/shapes/activation.hpp: shape rules of element-wise layers and softmax: the shape is kept.
#pragma once

#include "ctnn/layers/activation.hpp"
#include "ctnn/shapes/reshape.hpp"
#include "ctnn/shapes/result.hpp"

namespace ctnn {

constexpr layer_shapes infer(const activation_params&, const shape& in) { return same_shape(in); }

constexpr layer_shapes infer(const softmax_params& p, const shape& in) {
  if (normalize_dim(p.dim, in.rank) < 0) return fail(error_code::dim_out_of_range, p.dim, in.rank, 0, -1, param::dim);
  return same_shape(in);
}

}  // namespace ctnn
