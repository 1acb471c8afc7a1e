// ctnn/shapes/window.hpp: the convolution arithmetic shared by every sliding-window layer.
//
// Dumoulin & Visin, "A guide to convolution arithmetic for deep learning", with PyTorch's exact
// semantics. Per spatial dim: i input, k kernel, s stride, d dilation, K = d(k-1)+1 the dilated
// kernel, pb/pe padding before/after. Plain constexpr functions, callable at run time by tests.
#pragma once

#include <initializer_list>

#include "ctnn/core/spatial.hpp"
#include "ctnn/layers/options.hpp"
#include "ctnn/shapes/result.hpp"

namespace ctnn {

// Floor division for a possibly negative numerator (C++ `/` truncates toward zero).
constexpr count_t floor_div(count_t a, count_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }
constexpr count_t ceil_div(count_t a, count_t b) { return -floor_div(-a, b); }

// K = d(k-1)+1, in count_t: with k and d near 2^31 it does not fit an int.
constexpr count_t dilated_extent(count_t k, count_t d) { return d * (k - 1) + 1; }

// o = floor((i + pb + pe - K) / s) + 1 (relationship 15 of the guide, with asymmetric padding).
constexpr count_t conv_output_extent(count_t i, count_t k, count_t s, count_t d, count_t pb, count_t pe) {
  return floor_div(i + pb + pe - dilated_extent(k, d), s) + 1;
}

// o = (i - 1)s - pb - pe + K + a (relationship 14 with output padding a; pb = pe = p gives PyTorch's
// (i-1)s - 2p + d(k-1) + a + 1).
constexpr count_t conv_transpose_output_extent(count_t i, count_t k, count_t s, count_t d, count_t pb, count_t pe,
                                               count_t a) {
  return (i - 1) * s - pb - pe + dilated_extent(k, d) + a;
}

// PyTorch pooling: o = floor((i + pb + pe - K + (ceil ? s-1 : 0)) / s) + 1, and with ceil_mode the last
// window must start inside the input or the left padding.
constexpr count_t pool_output_extent(count_t i, count_t k, count_t s, count_t d, count_t pb, count_t pe,
                                     bool ceil_mode) {
  count_t o = floor_div(i + pb + pe - dilated_extent(k, d) + (ceil_mode ? s - 1 : 0), s) + 1;
  if (ceil_mode && (o - 1) * s >= i + pb) --o;
  return o;
}

// Padding before and after along one dim. In count_t, because a derived padding (same, full) of a
// huge dilated kernel may not fit an int; the window check rejects it then.
struct pad_pair {
  count_t begin = 0, end = 0;
  friend constexpr bool operator==(const pad_pair&, const pad_pair&) = default;
};

// PyTorch padding="same" (stride 1): total d(k-1), the odd element after.
constexpr pad_pair same_padding(count_t k, count_t d) {
  const count_t total = d * (k - 1);
  return {total / 2, total - total / 2};
}
// TensorFlow "SAME": o = ceil(i / s), the padding needed to reach it, the odd element after.
constexpr pad_pair tf_same_padding(count_t i, count_t k, count_t s, count_t d) {
  const count_t o = ceil_div(i, s);
  count_t need = (o - 1) * s + dilated_extent(k, d) - i;
  if (need < 0) need = 0;
  return {need / 2, need - need / 2};
}
// "full": every position where the kernel overlaps the input, p = K - 1 on each side.
constexpr pad_pair full_padding(count_t k, count_t d) { return {dilated_extent(k, d) - 1, dilated_extent(k, d) - 1}; }

// A sliding window resolved for one input: what kernels iterate over.
struct window {
  int rank = 0;
  extents kernel, stride, dilation, pad_begin, pad_end, out;
  friend constexpr bool operator==(const window&, const window&) = default;
};

// A window layer's arithmetic (shapes/result.hpp) on input `in`.
constexpr arithmetic window_arithmetic(const window& w, const shape& in, const char* what) {
  arithmetic a;
  a.kind = arithmetic_kind::window;
  a.what = what;
  a.rank = w.rank;
  for (int i = 0; i < w.rank; ++i) a.in[i] = in.spatial(i);
  a.out = w.out;
  a.kernel = w.kernel;
  a.stride = w.stride;
  a.dilation = w.dilation;
  a.pad_begin = w.pad_begin;
  a.pad_end = w.pad_end;
  return a;
}

struct window_result {
  window w;
  layer_error error;
};

// What a window layer declares; conv, pooling and partial conv fill one from their parameters.
struct window_spec {
  int rank = 0;
  spatial_values kernel, stride, dilation;
  padding_spec padding;
  bool ceil_mode = false;  // pooling only
  bool pool = false;       // pooling arithmetic and PyTorch's pooling padding limit
};

constexpr layer_error check_option_rank(const spatial_values& v, int rank, param what) {
  if (v.count != 0 && !v.fits_rank(rank)) return make_error(error_code::option_rank, v.count, rank, 0, -1, what);
  return {};
}

constexpr layer_error check_positive(const extents& e, int rank, param what) {
  for (int i = 0; i < rank; ++i)
    if (e[i] < 1) return make_error(error_code::not_positive, e[i], 0, 0, i, what);
  return {};
}

constexpr layer_error check_non_negative_padding(const extents& e, int rank) {
  for (int i = 0; i < rank; ++i)
    if (e[i] < 0) return make_error(error_code::negative_padding, e[i], 0, 0, i, param::padding);
  return {};
}

// Per-dim options must give one value or one per spatial dim.
struct spatial_option {
  const spatial_values& values;
  param what;
};
constexpr layer_error check_option_ranks(std::initializer_list<spatial_option> options, int rank) {
  for (const spatial_option& o : options)
    if (layer_error e = check_option_rank(o.values, rank, o.what)) return e;
  return {};
}

// Kernel, stride and dilation resolved for `rank` dims, checked positive, and the dilated kernel
// d(k - 1) + 1 checked to fit an int (later sums of it and padding stay below 2^62).
struct kernel_geometry {
  extents kernel, stride, dilation;
  layer_error error;
};
constexpr kernel_geometry resolve_kernel(const spatial_values& kernel, const spatial_values& stride,
                                         const spatial_values& dilation, int rank, bool stride_defaults_to_kernel) {
  kernel_geometry g;
  g.kernel = resolve(kernel, rank);
  g.dilation = resolve(dilation, rank, 1);
  // Pooling strides default to the kernel (PyTorch); convolution strides to 1.
  g.stride = stride.count == 0 ? (stride_defaults_to_kernel ? g.kernel : filled(rank, 1)) : resolve(stride, rank);
  if ((g.error = check_positive(g.kernel, rank, param::kernel))) return g;
  if ((g.error = check_positive(g.stride, rank, param::stride))) return g;
  if ((g.error = check_positive(g.dilation, rank, param::dilation))) return g;
  for (int i = 0; i < rank; ++i)
    if ((g.error = check_extent(dilated_extent(g.kernel[i], g.dilation[i]), i))) return g;
  return g;
}

// A declared input channel count (-1: none declared) must match the input.
constexpr layer_error check_declared_channels(index_t declared, index_t actual) {
  if (declared >= 0 && declared != actual) return make_error(error_code::in_channels, declared, actual);
  return {};
}

// Checks a window layer's geometry on input `in` (channel-first) and resolves its padding and output.
constexpr window_result resolve_window(const window_spec& spec, const shape& in) {
  window_result r;
  window& w = r.w;
  const int n = spec.rank;
  w.rank = n;
  if ((r.error = check_input_rank(in, n))) return r;
  if ((r.error = check_option_ranks({{spec.kernel, param::kernel},
                                     {spec.stride, param::stride},
                                     {spec.dilation, param::dilation},
                                     {spec.padding.begin, param::padding},
                                     {spec.padding.end, param::padding}},
                                    n)))
    return r;
  if (conflicting(spec.padding)) {
    r.error = make_error(error_code::conflicting_options, 0, 0, 0, -1, param::padding);
    return r;
  }
  const kernel_geometry k = resolve_kernel(spec.kernel, spec.stride, spec.dilation, n, spec.pool);
  if ((r.error = k.error)) return r;
  w.kernel = k.kernel;
  w.stride = k.stride;
  w.dilation = k.dilation;

  for (int i = 0; i < n; ++i) {
    pad_pair p;
    switch (spec.padding.mode) {
      case padding_mode::explicit_pad: p = {spec.padding.begin.at(i), spec.padding.end.at(i)}; break;
      case padding_mode::valid: break;
      case padding_mode::same:
        if (w.stride[i] != 1) {
          r.error = make_error(error_code::same_needs_stride_1, w.stride[i], 0, 0, i, param::stride);
          return r;
        }
        p = same_padding(w.kernel[i], w.dilation[i]);
        break;
      case padding_mode::tf_same: p = tf_same_padding(in.spatial(i), w.kernel[i], w.stride[i], w.dilation[i]); break;
      case padding_mode::tf_same_lower:
        p = tf_same_padding(in.spatial(i), w.kernel[i], w.stride[i], w.dilation[i]);
        p = {p.end, p.begin};
        break;
      case padding_mode::full: p = full_padding(w.kernel[i], w.dilation[i]); break;
    }
    if ((r.error = check_extent(p.begin, i)) || (r.error = check_extent(p.end, i))) return r;
    w.pad_begin[i] = static_cast<index_t>(p.begin);
    w.pad_end[i] = static_cast<index_t>(p.end);
  }
  if ((r.error = check_non_negative_padding(w.pad_begin, n))) return r;
  if ((r.error = check_non_negative_padding(w.pad_end, n))) return r;

  for (int i = 0; i < n; ++i) {
    const index_t size = in.spatial(i);
    if (spec.pool) {
      // PyTorch 1.13 limits pooling padding to half of the undilated kernel.
      const index_t largest = w.pad_begin[i] > w.pad_end[i] ? w.pad_begin[i] : w.pad_end[i];
      if (largest > w.kernel[i] / 2) {
        r.error = make_error(error_code::pool_padding_too_large, largest, w.kernel[i] / 2, 0, i, param::padding);
        return r;
      }
      const count_t o = pool_output_extent(size, w.kernel[i], w.stride[i], w.dilation[i], w.pad_begin[i],
                                           w.pad_end[i], spec.ceil_mode);
      if (o < 1) {
        r.error = make_error(error_code::output_not_positive, o, 0, 0, i);
        return r;
      }
      if ((r.error = check_extent(o, i))) return r;
      w.out[i] = static_cast<index_t>(o);
    } else {
      const count_t padded = count_t{size} + w.pad_begin[i] + w.pad_end[i];
      const count_t span = dilated_extent(w.kernel[i], w.dilation[i]);
      if (padded < span) {
        r.error = make_error(error_code::window_exceeds_input, padded, span, 0, i);
        return r;
      }
      const count_t o = conv_output_extent(size, w.kernel[i], w.stride[i], w.dilation[i], w.pad_begin[i], w.pad_end[i]);
      if ((r.error = check_extent(o, i))) return r;
      w.out[i] = static_cast<index_t>(o);
    }
  }
  return r;
}

// Taps of a window's kernel: the product of its extents.
constexpr count_t kernel_volume(const window& w) {
  count_t taps = 1;
  for (int i = 0; i < w.rank; ++i) taps *= w.kernel[i];
  return taps;
}

// The dilated kernel per dim: the extent of input one window spans.
constexpr extents dilated_kernel(const window& w) {
  extents e;
  for (int i = 0; i < w.rank; ++i) e[i] = static_cast<index_t>(dilated_extent(w.kernel[i], w.dilation[i]));
  return e;
}

// The receptive field after a sliding window (convolution, pooling): it spans the dilated kernel, and
// the jump multiplies by the stride.
constexpr receptive_field grow_window(const receptive_field& f, const window& w) {
  return grow(f, dilated_kernel(w), w.stride, filled(w.rank, 1));
}

// The activation shape a window produces with `channels` output channels.
constexpr shape window_output(const window& w, index_t channels) {
  shape s{channels};
  for (int i = 0; i < w.rank; ++i) s.push_back(w.out[i]);
  return s;
}

}  // namespace ctnn
