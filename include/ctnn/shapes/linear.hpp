// ctnn/shapes/linear.hpp: shape rule and checks of a fully connected layer.
//
// PyTorch Linear: [..., in] -> [..., out]; weight [out, in]; bias [out]. On an input of rank > 1 the
// in_features must be declared or per_position given: a linear layer right after a convolution is
// nearly always a missing flatten, which PyTorch would reject at run time.
#pragma once

#include "ctnn/layers/linear.hpp"
#include "ctnn/shapes/result.hpp"

namespace ctnn {

constexpr layer_shapes infer(const linear_params& p, const shape& in) {
  if (in.rank < 1) return fail(error_code::input_rank, 1, in.rank);
  if (p.out_features < 1) return fail(error_code::not_positive, p.out_features, 0, 0, -1, param::out_features);
  const index_t features = in[in.rank - 1];
  if (p.in_features >= 0 && p.in_features != features) return fail(error_code::in_features, p.in_features, features);
  if (in.rank > 1 && p.in_features < 0 && !p.per_position) {
    layer_error e = make_error(error_code::linear_needs_flat_input);
    e.lhs = in;
    return fail(e);
  }
  layer_shapes r;
  r.out = in;
  r.out[in.rank - 1] = p.out_features;
  r.weight = shape{p.out_features, features};
  if (p.bias) r.bias = shape{p.out_features};
  return r;
}


constexpr checked_count macs_of(const linear_params&, const shape& in, const layer_shapes& r) {
  return checked_size(r.out) * checked_count{in[in.rank - 1]};
}
constexpr receptive_field grow_field(const linear_params&, const shape&, const layer_shapes&,
                                     const receptive_field& f) {
  return whole(f);
}
constexpr backward_reads backward_reads_of(const linear_params&) { return reads_input_for_weights; }
// The packed kernels in either layout (ctnn/kernels/linear.hpp). At every position of an input of rank
// >= 2 its outputs lie along the last dim, not dim 0: a batch norm after it does not fold into them.
constexpr lowering lowering_of(const linear_params&, const shape& in, layout) {
  lowering r;
  r.fast = true;
  r.outputs_are_channels = in.rank == 1;
  return r;
}

// [..., M, K] @ t[..., K, N] -> [..., M, N]; t's leading dims, right-aligned with the input's, equal
// them or are 1 (the input is not broadcast up: the sample's shape stays the input's but for N).
constexpr layer_shapes infer(const matmul_params& p, const shape& in) {
  if (in.rank < 2) return fail(error_code::input_rank, 2, in.rank);
  const shape& t = p.dims;
  if (t[t.rank - 2] != in[in.rank - 1]) return fail(error_code::in_features, t[t.rank - 2], in[in.rank - 1]);
  bool ok = t.rank <= in.rank;
  for (int i = 3; ok && i <= t.rank; ++i) ok = t[t.rank - i] == in[in.rank - i] || t[t.rank - i] == 1;
  for (int i = 0; i < t.rank; ++i) ok = ok && t[i] >= 1;
  if (!ok) {
    layer_error e = make_error(error_code::matmul_shapes);
    e.lhs = in;
    e.rhs = t;
    return fail(e);
  }
  layer_shapes r;
  r.out = in;
  r.out[in.rank - 1] = t[t.rank - 1];
  r.weight = t;
  return r;
}
constexpr checked_count macs_of(const matmul_params& p, const shape&, const layer_shapes& r) {
  return checked_size(r.out) * checked_count{p.dims[p.dims.rank - 2]};
}
constexpr receptive_field grow_field(const matmul_params&, const shape&, const layer_shapes&, const receptive_field& f) {
  return whole(f);
}

}  // namespace ctnn
