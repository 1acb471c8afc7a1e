// ctnn/shapes/norm.hpp: shape rules and checks of layer, channel, group and instance normalization and
// of the layer scale. Each keeps the shape and may run in place.
//
// Tensors: weight and bias (unless no_affine) of the normalized shape (layer_norm: the last `dims`
// extents) or [C]; layer_scale's weight [C, 1, ...] (PyTorch's gamma, broadcast over the positions);
// add_tensor's, multiply_tensor's and constant_tensor's weight of their declared dims.
#pragma once

#include "ctnn/layers/norm.hpp"
#include "ctnn/shapes/result.hpp"

namespace ctnn {

constexpr layer_shapes infer(const norm_params& p, const shape& in) {
  if (p.eps_num < 1) return fail(error_code::not_positive, p.eps_num, 0, 0, -1, param::eps);
  shape affine_shape{in.channels()};
  if (p.kind == norm_kind::layer) {
    if (p.dims < 1 || p.dims > in.rank) return fail(error_code::dim_out_of_range, p.dims, in.rank, 0, -1, param::dim);
    if (p.extent != 0 && in[in.rank - 1] != p.extent)
      return fail(error_code::normalized_extent, p.extent, in[in.rank - 1]);
    affine_shape = shape{};
    for (int i = in.rank - p.dims; i < in.rank; ++i) affine_shape.push_back(in[i]);
  } else if (p.kind == norm_kind::group) {
    if (p.group_count < 1) return fail(error_code::not_positive, p.group_count, 0, 0, -1, param::groups);
    if (in.channels() % p.group_count != 0) return fail(error_code::in_channels_groups, in.channels(), p.group_count);
  } else if (p.kind == norm_kind::instance) {
    if (in.rank != p.rank + 1) return fail(error_code::input_rank, p.rank + 1, in.rank);
  } else if (in.rank < 2) {  // channel_layer_norm: channels at each of some positions
    return fail(error_code::input_rank, 2, in.rank);
  }
  layer_shapes r = same_shape(in);
  if (p.affine) {
    r.weight = affine_shape;
    r.bias = affine_shape;
  }
  return r;
}
constexpr storage storage_of(const norm_params&, layout) { return storage::in_place; }
// In int8 these layers compute in float, as PyTorch's quantized ones (ctnn/plan/quantized.hpp).
constexpr lowering lowering_of(const norm_params&, const shape&, layout) {
  lowering r;
  r.int8_in_float = true;
  return r;
}
// A normalized value depends on every value of its group: the positions of the same sample (layer,
// group and instance norms over the spatial dims), or only its own position (over the channels).
constexpr receptive_field grow_field(const norm_params& p, const shape& in, const layer_shapes&, const receptive_field& f) {
  const bool spatial = p.kind != norm_kind::channel_layer && !(p.kind == norm_kind::layer && p.dims == 1 && in.rank == 1);
  return spatial ? whole(f) : f;
}

constexpr layer_shapes infer(const tensor_op_params& p, const shape& in) {
  bool ok = p.dims.rank <= in.rank;
  for (int i = 1; ok && i <= p.dims.rank; ++i) {
    const index_t t = p.dims[p.dims.rank - i], x = in[in.rank - i];
    ok = t == x || t == 1;
  }
  if (!ok) {
    layer_error e = make_error(error_code::broadcast_shapes);
    e.lhs = in;
    e.rhs = p.dims;
    return fail(e);
  }
  layer_shapes r = same_shape(in);
  r.weight = p.dims;
  return r;
}
constexpr storage storage_of(const tensor_op_params&, layout) { return storage::in_place; }
constexpr lowering lowering_of(const tensor_op_params&, const shape&, layout) {
  lowering r;
  r.int8_in_float = true;
  return r;
}
constexpr backward_reads backward_reads_of(const tensor_op_params& p) { return p.add ? reads_nothing : backward_reads{}; }

constexpr layer_shapes infer(const constant_tensor_params& p, const shape&) {
  for (int i = 0; i < p.dims.rank; ++i)
    if (p.dims[i] < 1) return fail(error_code::not_positive, p.dims[i], 0, 0, i, param::size);
  layer_shapes r;
  r.out = p.dims;
  r.weight = p.dims;
  return r;
}
constexpr backward_reads backward_reads_of(const constant_tensor_params&) { return reads_nothing; }

constexpr layer_shapes infer(const layer_scale_params&, const shape& in) {
  layer_shapes r = same_shape(in);
  r.weight = shape{in.channels()};
  for (int i = 1; i < in.rank; ++i) r.weight.push_back(1);
  return r;
}
constexpr storage storage_of(const layer_scale_params&, layout) { return storage::in_place; }
constexpr lowering lowering_of(const layer_scale_params&, const shape&, layout) {
  lowering r;
  r.int8_in_float = true;
  return r;
}
constexpr backward_reads backward_reads_of(const layer_scale_params&) { return reads_input_for_weights; }

}  // namespace ctnn
