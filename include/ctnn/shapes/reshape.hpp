// ctnn/shapes/reshape.hpp: shape rules and checks of flatten and reshape.
#pragma once

#include "ctnn/layers/reshape.hpp"
#include "ctnn/shapes/result.hpp"

namespace ctnn {

// A dim index within a rank-`rank` shape, negative counting from the end; -1 past the range.
constexpr int normalize_dim(int dim, int rank) {
  const int d = dim < 0 ? dim + rank : dim;
  return d >= 0 && d < rank ? d : -1;
}

constexpr layer_shapes infer(const flatten_params& p, const shape& in) {
  const int start = normalize_dim(p.start, in.rank), end = normalize_dim(p.end, in.rank);
  if (start < 0) return fail(error_code::dim_out_of_range, p.start, in.rank, 0, -1, param::dim);
  if (end < 0) return fail(error_code::dim_out_of_range, p.end, in.rank, 0, -1, param::dim);
  if (start > end) return fail(error_code::dims_out_of_order, p.start, p.end, 0, -1, param::dim);
  layer_shapes r;
  for (int i = 0; i < start; ++i) r.out.push_back(in[i]);
  count_t merged = 1;
  for (int i = start; i <= end; ++i) merged *= in[i];
  if (merged > max_extent) return fail(error_code::extent_overflow, merged);
  r.out.push_back(static_cast<index_t>(merged));
  for (int i = end + 1; i < in.rank; ++i) r.out.push_back(in[i]);
  return r;
}

constexpr layer_shapes infer(const reshape_params& p, const shape& in) {
  int inferred = -1, inferred_count = 0;
  count_t known = 1;
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
  layer_shapes r;
  r.out = p.target;
  if (inferred >= 0) {
    if (in.size() % known != 0) return fail(error_code::reshape_count, in.size(), known);
    if (in.size() / known > max_extent) return fail(error_code::extent_overflow, in.size() / known);
    r.out[inferred] = static_cast<index_t>(in.size() / known);
  } else if (known != in.size()) {
    return fail(error_code::reshape_count, in.size(), known);
  }
  return r;
}

}  // namespace ctnn
