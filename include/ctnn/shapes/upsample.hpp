// ctnn/shapes/upsample.hpp: shape rule and checks of upsampling.
//
// PyTorch Upsample / interpolate: o = floor(i * scale) or the given size; o >= 1. The product is taken
// in double, as PyTorch takes it: scale_ratio<7, 5> on 45 gives floor(45 * 1.4) = 62, not 63.
#pragma once

#include "ctnn/layers/upsample.hpp"
#include "ctnn/shapes/window.hpp"

namespace ctnn {

constexpr layer_shapes infer(const upsample_params& p, const shape& in) {
  const int n = p.rank;
  if (layer_error e = check_input_rank(in, n)) return fail(e);
  const bool by_scale = p.scale_num.count != 0, by_size = p.output_size.count != 0;
  if (by_scale == by_size) return fail(error_code::scale_or_size, int{by_scale} + int{by_size});
  if (p.align_corners && (p.mode == upsample_mode::nearest || p.mode == upsample_mode::nearest_exact))
    return fail(error_code::align_corners_needs_linear);
  layer_shapes r;
  r.out = shape{in.channels()};
  if (by_size) {
    if (layer_error e = check_option_rank(p.output_size, n, param::output_size)) return fail(e);
    const extents size = resolve(p.output_size, n);
    if (layer_error e = check_positive(size, n, param::output_size)) return fail(e);
    for (int i = 0; i < n; ++i) r.out.push_back(size[i]);
    return r;
  }
  if (layer_error e = check_option_rank(p.scale_num, n, param::scale)) return fail(e);
  if (p.scale_den.count != 0)
    if (layer_error e = check_option_rank(p.scale_den, n, param::scale)) return fail(e);
  const extents num = resolve(p.scale_num, n), den = resolve(p.scale_den, n, 1);
  if (layer_error e = check_positive(num, n, param::scale)) return fail(e);
  if (layer_error e = check_positive(den, n, param::scale)) return fail(e);
  for (int i = 0; i < n; ++i) {
    const double o = static_cast<double>(in.spatial(i)) * (static_cast<double>(num[i]) / static_cast<double>(den[i]));
    // o < 2^62 (an extent times a scale, both below 2^31): its integer part fits a count_t.
    if (layer_error e = check_extent(static_cast<count_t>(o), i)) return fail(e);
    if (o < 1) return fail(error_code::output_not_positive, static_cast<count_t>(o), 0, 0, i);
    r.out.push_back(static_cast<index_t>(o));
  }
  return r;
}

// Linear modes read two neighbours, cubic four, nearest one; the jump becomes in / out.
constexpr receptive_field grow_field(const upsample_params& p, const shape& in, const layer_shapes& r,
                                     const receptive_field& f) {
  extents taps, num, den;
  for (int i = 0; i < p.rank; ++i) {
    taps[i] = p.mode == upsample_mode::linear ? 2 : p.mode == upsample_mode::cubic ? 4 : 1;
    num[i] = in.spatial(i);
    den[i] = r.out.spatial(i);
  }
  return grow(f, taps, num, den);
}

constexpr arithmetic arithmetic_of(const upsample_params& p, const shape& in) {
  arithmetic a;
  a.kind = arithmetic_kind::upsample;
  a.what = p.mode == upsample_mode::nearest         ? "nearest upsampling"
           : p.mode == upsample_mode::nearest_exact ? "nearest-exact upsampling"
           : p.mode == upsample_mode::cubic         ? "bicubic upsampling"
                                                    : "linear upsampling";
  a.rank = p.rank;
  const shape out = infer(p, in).out;
  for (int i = 0; i < p.rank; ++i) {
    a.in[i] = in.spatial(i);
    a.out[i] = out.spatial(i);
  }
  a.mode = static_cast<int>(p.mode);
  a.align_corners = p.align_corners;
  return a;
}

// Its gradient goes back through the same source positions and weights, which depend on no activation.
constexpr backward_reads backward_reads_of(const upsample_params&) { return reads_nothing; }

}  // namespace ctnn
