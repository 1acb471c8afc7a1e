// ctnn/shapes/linear.hpp: shape rule and checks of a fully connected layer.
//
// PyTorch Linear: [..., in] -> [..., out]; weight [out, in]; bias [out].
#pragma once

#include "ctnn/layers/linear.hpp"
#include "ctnn/shapes/result.hpp"

namespace ctnn {

constexpr layer_shapes infer(const linear_params& p, const shape& in) {
  if (in.rank < 1) return fail(error_code::input_rank, 1, in.rank);
  if (p.out_features < 1) return fail(error_code::not_positive, p.out_features, 0, 0, -1, param::out_features);
  const index_t features = in[in.rank - 1];
  if (p.in_features >= 0 && p.in_features != features) return fail(error_code::in_features, p.in_features, features);
  layer_shapes r;
  r.out = in;
  r.out[in.rank - 1] = p.out_features;
  r.weight = shape{p.out_features, features};
  if (p.bias) r.bias = shape{p.out_features};
  return r;
}

}  // namespace ctnn
