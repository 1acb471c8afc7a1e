// ctnn/shapes/rearrange.hpp: shape rules and checks of channel slices, channel and pixel shuffles and
// permutes. None has parameters or MACs; each writes a buffer of its own.
#pragma once

#include "ctnn/layers/rearrange.hpp"
#include "ctnn/shapes/result.hpp"

namespace ctnn {

constexpr layer_shapes infer(const slice_channels_params& p, const shape& in) {
  if (p.count < 1) return fail(error_code::not_positive, p.count, 0, 0, -1, param::channels);
  if (p.first < 0 || p.first + p.count > in.channels())
    return fail(error_code::channel_slice_out_of_range, p.first, p.count, in.channels());
  layer_shapes r = same_shape(in);
  r.out[0] = p.count;
  return r;
}

constexpr layer_shapes infer(const channel_shuffle_params& p, const shape& in) {
  if (p.groups < 1) return fail(error_code::not_positive, p.groups, 0, 0, -1, param::groups);
  if (in.channels() % p.groups != 0) return fail(error_code::in_channels_groups, in.channels(), p.groups);
  return same_shape(in);
}

// PyTorch's PixelShuffle takes any rank >= 3 and shuffles the last two dims; ctnn's layers see [C, H, W].
constexpr layer_shapes infer(const pixel_shuffle_params& p, const shape& in) {
  if (in.rank != 3) return fail(error_code::input_rank, 3, in.rank);
  if (p.factor < 1) return fail(error_code::not_positive, p.factor, 0, 0, -1, param::scale);
  const index_t r = p.factor;
  layer_shapes result = same_shape(in);
  if (!p.inverse) {
    if (in[0] % (r * r) != 0) return fail(error_code::not_divisible, in[0], r * r, 0, -1, param::channels);
    if (layer_error e = check_extent(count_t{in[1]} * r, 0)) return fail(e);
    if (layer_error e = check_extent(count_t{in[2]} * r, 1)) return fail(e);
    result.out = shape{in[0] / (r * r), in[1] * r, in[2] * r};
  } else {
    for (int d = 0; d < 2; ++d)
      if (in[d + 1] % r != 0) return fail(make_error(error_code::not_divisible, in[d + 1], r, 0, d, param::size, 2));
    if (layer_error e = check_extent(count_t{in[0]} * r * r, -1)) return fail(e);
    result.out = shape{in[0] * r * r, in[1] / r, in[2] / r};
  }
  return result;
}

constexpr layer_shapes infer(const permute_params& p, const shape& in) {
  if (p.dims.rank != in.rank) return fail(error_code::input_rank, p.dims.rank, in.rank);
  bool seen[max_rank] = {};
  for (int i = 0; i < p.dims.rank; ++i) {
    const index_t d = p.dims[i];
    if (d < 0 || d >= in.rank || seen[d]) return fail(error_code::not_a_permutation, d, in.rank);
    seen[d] = true;
  }
  layer_shapes r;
  for (int i = 0; i < p.dims.rank; ++i) r.out.push_back(in[p.dims[i]]);
  return r;
}

// An output pixel of a pixel shuffle or a permute comes from elsewhere in the input.
constexpr receptive_field grow_field(const pixel_shuffle_params&, const shape&, const layer_shapes&,
                                     const receptive_field& f) {
  return whole(f);
}
constexpr receptive_field grow_field(const permute_params&, const shape&, const layer_shapes&, const receptive_field& f) {
  return whole(f);
}

// Moves of elements: their gradients move back without reading activations.
constexpr backward_reads backward_reads_of(const slice_channels_params&) { return reads_nothing; }
constexpr backward_reads backward_reads_of(const channel_shuffle_params&) { return reads_nothing; }
constexpr backward_reads backward_reads_of(const pixel_shuffle_params&) { return reads_nothing; }
constexpr backward_reads backward_reads_of(const permute_params&) { return reads_nothing; }

}  // namespace ctnn
