// ctnn/shapes/batch_norm.hpp: shape rule and checks of batch normalization.
#pragma once

#include "ctnn/layers/batch_norm.hpp"
#include "ctnn/shapes/result.hpp"

namespace ctnn {

constexpr layer_shapes infer(const batch_norm_params& p, const shape& in) {
  // BatchNorm1d takes (N, C) or (N, C, L); 2d and 3d exactly one layout.
  const bool rank_ok = in.rank == p.rank + 1 || (p.rank == 1 && in.rank == 1);
  if (!rank_ok) return fail(error_code::input_rank, p.rank + 1, in.rank);
  if (p.num_features != 0 && p.num_features != in.channels())
    return fail(error_code::in_channels, p.num_features, in.channels());
  layer_shapes r = same_shape(in);
  r.weight = shape{in.channels()};
  r.bias = shape{in.channels()};
  return r;
}

}  // namespace ctnn
