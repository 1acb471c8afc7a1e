// ctnn/shapes/batch_norm.hpp: shape rule and checks of batch normalization.
//
// Tensors in state_dict order: weight [C], bias [C] (unless no_affine), running_mean [C], running_var [C];
// the running statistics are buffers, not parameters. Runs in place.
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
  if (p.eps_num < 1) return fail(error_code::not_positive, p.eps_num, 0, 0, -1, param::eps);
  layer_shapes r = same_shape(in);
  const shape channels{in.channels()};
  if (p.affine) {
    r.weight = channels;
    r.bias = channels;
    r.add_tensor("weight", channels);
    r.add_tensor("bias", channels);
  }
  r.add_tensor("running_mean", channels, false);
  r.add_tensor("running_var", channels, false);
  return r;
}

constexpr storage storage_of(const batch_norm_params&, layout) { return storage::in_place; }
// With frozen statistics the input's gradient is dy a; the weight's needs the normalized input.
constexpr backward_reads backward_reads_of(const batch_norm_params& p) {
  return p.affine ? reads_input_for_weights : reads_nothing;
}

// In training mode (ctnn::with_batch_statistics) it normalizes by the batch's mean and variance per
// channel: the backward pass reads the input and these two.
constexpr count_t batch_statistics_of(const batch_norm_params&, const shape& in) { return 2 * count_t{in.channels()}; }

// With prepared weights, the convolution or linear layer before it absorbs it (ctnn/kernels/prepared.hpp).
constexpr lowering lowering_of(const batch_norm_params&, const shape&, layout) {
  lowering r;
  r.channel_affine = true;
  return r;
}

}  // namespace ctnn
