// ctnn/shapes/reduce.hpp: shape rule and checks of reductions over chosen dims. No parameters; a mean or
// sum costs one addition per input element, counted as no MACs (as global pooling).
#pragma once

#include "ctnn/layers/reduce.hpp"
#include "ctnn/shapes/result.hpp"

namespace ctnn {

// Which of the input's dims the reduction takes (after normalizing negative dims).
struct reduced_dims {
  bool at[max_rank] = {};
};

constexpr reduced_dims reduced_of(const reduce_params& p, int rank) {
  reduced_dims r;
  for (int i = 0; i < p.dims.rank; ++i) {
    const int d = normalize_dim(p.dims[i], rank);
    if (d >= 0) r.at[d] = true;
  }
  return r;
}

constexpr layer_shapes infer(const reduce_params& p, const shape& in) {
  bool seen[max_rank] = {};
  for (int i = 0; i < p.dims.rank; ++i) {
    const int d = normalize_dim(p.dims[i], in.rank);
    if (d < 0) return fail(error_code::dim_out_of_range, p.dims[i], in.rank, 0, -1, param::dim);
    if (seen[d]) return fail(error_code::repeated_dim, p.dims[i], in.rank, 0, -1, param::dim);
    seen[d] = true;
  }
  // PyTorch would give a scalar per sample; a ctnn activation keeps at least one dim.
  if (!p.keep_dims && p.dims.rank == in.rank) return fail(error_code::reduces_every_dim, in.rank);
  layer_shapes r;
  for (int i = 0; i < in.rank; ++i) {
    if (!seen[i]) {
      r.out.push_back(in[i]);
    } else if (p.keep_dims) {
      r.out.push_back(1);
    }
  }
  return r;
}

// Over the channels only (kept), an output still sees its own position; otherwise the positions merge
// or move.
constexpr receptive_field grow_field(const reduce_params& p, const shape& in, const layer_shapes&,
                                     const receptive_field& f) {
  const reduced_dims r = reduced_of(p, in.rank);
  bool spatial = false;
  for (int i = 1; i < in.rank; ++i) spatial = spatial || r.at[i];
  return spatial || !p.keep_dims ? whole(f) : f;
}

// A sum's and a mean's gradients read nothing; a maximum's finds its members equal to the output.
constexpr backward_reads backward_reads_of(const reduce_params& p) {
  return p.kind == reduce_kind::sum || p.kind == reduce_kind::mean ? reads_nothing : backward_reads{true, false, true};
}

}  // namespace ctnn
