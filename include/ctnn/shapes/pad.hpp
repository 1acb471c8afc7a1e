// ctnn/shapes/pad.hpp: shape rules and checks of padding and cropping layers.
//
// o = i + pb + pe; reflection needs pb < i and pe < i (the edge is not repeated). Crop: o = i - cb - ce >= 1.
#pragma once

#include "ctnn/layers/pad.hpp"
#include "ctnn/shapes/window.hpp"

namespace ctnn {

constexpr layer_shapes infer(const pad_params& p, const shape& in) {
  const int n = p.rank;
  if (layer_error e = check_input_rank(in, n)) return fail(e);
  if (p.padding.mode != padding_mode::explicit_pad)
    return fail(error_code::padding_mode_unsupported, static_cast<count_t>(p.padding.mode));
  if (layer_error e = check_option_rank(p.padding.begin, n, param::padding)) return fail(e);
  if (layer_error e = check_option_rank(p.padding.end, n, param::padding)) return fail(e);
  const extents begin = resolve(p.padding.begin, n), end = resolve(p.padding.end, n);
  if (layer_error e = check_non_negative_padding(begin, n)) return fail(e);
  if (layer_error e = check_non_negative_padding(end, n)) return fail(e);
  layer_shapes r;
  r.out = shape{in.channels()};
  for (int i = 0; i < n; ++i) {
    const index_t size = in.spatial(i);
    if (p.mode == pad_mode::reflect) {
      const index_t largest = begin[i] > end[i] ? begin[i] : end[i];
      if (largest >= size)
        return fail(error_code::reflection_padding_too_large, largest, size, 0, i, param::padding);
    }
    const count_t o = count_t{size} + begin[i] + end[i];
    if (layer_error e = check_extent(o, i)) return fail(e);
    r.out.push_back(static_cast<index_t>(o));
  }
  return r;
}

constexpr layer_shapes infer(const crop_params& p, const shape& in) {
  const int n = p.rank;
  if (layer_error e = check_input_rank(in, n)) return fail(e);
  if (layer_error e = check_option_rank(p.crop_begin, n, param::crop)) return fail(e);
  if (layer_error e = check_option_rank(p.crop_end, n, param::crop)) return fail(e);
  const extents begin = resolve(p.crop_begin, n), end = resolve(p.crop_end, n);
  layer_shapes r;
  r.out = shape{in.channels()};
  for (int i = 0; i < n; ++i) {
    if (begin[i] < 0) return fail(error_code::negative_crop, begin[i], 0, 0, i, param::crop);
    if (end[i] < 0) return fail(error_code::negative_crop, end[i], 0, 0, i, param::crop);
    const count_t size = in.spatial(i), total = count_t{begin[i]} + end[i];
    if (total >= size) return fail(error_code::crop_too_large, total, size, 0, i, param::crop);
    r.out.push_back(static_cast<index_t>(size - total));
  }
  return r;
}


constexpr arithmetic arithmetic_of(const pad_params& p, const shape& in) {
  arithmetic a;
  a.kind = arithmetic_kind::pad;
  a.what = p.mode == pad_mode::reflect ? "reflection padding" : p.mode == pad_mode::replicate ? "replication padding"
                                                                                              : "constant padding";
  a.rank = p.rank;
  a.pad_begin = resolve(p.padding.begin, p.rank);
  a.pad_end = resolve(p.padding.end, p.rank);
  for (int i = 0; i < p.rank; ++i) {
    a.in[i] = in.spatial(i);
    a.out[i] = in.spatial(i) + a.pad_begin[i] + a.pad_end[i];
  }
  a.mode = static_cast<int>(p.mode);
  return a;
}

// Padding's and cropping's gradients move back without reading activations.
constexpr backward_reads backward_reads_of(const pad_params&) { return reads_nothing; }
constexpr backward_reads backward_reads_of(const crop_params&) { return reads_nothing; }

}  // namespace ctnn
