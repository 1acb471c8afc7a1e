// ctnn/shapes/reshape.hpp: shape rules and checks of flatten and reshape.
#pragma once

#include "ctnn/layers/reshape.hpp"
#include "ctnn/shapes/result.hpp"

namespace ctnn {

constexpr layer_shapes infer(const flatten_params& p, const shape& in) {
  const int start = normalize_dim(p.start, in.rank), end = normalize_dim(p.end, in.rank);
  if (start < 0) return fail(error_code::dim_out_of_range, p.start, in.rank, 0, -1, param::dim);
  if (end < 0) return fail(error_code::dim_out_of_range, p.end, in.rank, 0, -1, param::dim);
  if (start > end) return fail(error_code::dims_out_of_order, p.start, p.end, 0, -1, param::dim);
  layer_shapes r;
  for (int i = 0; i < start; ++i) r.out.push_back(in[i]);
  count_t merged = 1;
  for (int i = start; i <= end; ++i) merged *= in[i];
  if (layer_error e = check_extent(merged, -1)) return fail(e);
  r.out.push_back(static_cast<index_t>(merged));
  for (int i = end + 1; i < in.rank; ++i) r.out.push_back(in[i]);
  return r;
}

constexpr layer_shapes infer(const reshape_params& p, const shape& in) {
  int inferred = -1, inferred_count = 0;
  checked_count known = 1;
  for (int i = 0; i < p.target.rank; ++i) {
    if (p.target[i] == -1) {
      inferred = i;
      ++inferred_count;
    } else if (p.target[i] < 1) {
      return fail(error_code::not_positive, p.target[i], 0, 0, -1, param::size);
    } else {
      known *= p.target[i];
    }
  }
  if (inferred_count > 1) return fail(error_code::reshape_inferred_dims, inferred_count);
  if (known.overflow) return fail(error_code::count_overflow, 0, 0, 0, -1, param::size);
  layer_shapes r;
  r.out = p.target;
  if (inferred >= 0) {
    if (in.size() % known.value != 0) return fail(error_code::reshape_count, in.size(), known.value);
    if (layer_error e = check_extent(in.size() / known.value, -1)) return fail(e);
    r.out[inferred] = static_cast<index_t>(in.size() / known.value);
  } else if (known.value != in.size()) {
    return fail(error_code::reshape_count, in.size(), known.value);
  }
  return r;
}

// In PyTorch's channel-first order the elements do not move: in NCHW the output is the input's memory.
constexpr storage storage_of(const flatten_params&, layout l) { return l == layout::nchw ? storage::alias : storage::fresh; }
constexpr storage storage_of(const reshape_params&, layout l) { return l == layout::nchw ? storage::alias : storage::fresh; }
constexpr backward_reads backward_reads_of(const flatten_params&) { return reads_nothing; }
constexpr backward_reads backward_reads_of(const reshape_params&) { return reads_nothing; }
constexpr receptive_field grow_field(const flatten_params&, const shape&, const layer_shapes&, const receptive_field& f) {
  return whole(f);
}
constexpr receptive_field grow_field(const reshape_params&, const shape&, const layer_shapes&, const receptive_field& f) {
  return whole(f);
}

}  // namespace ctnn
