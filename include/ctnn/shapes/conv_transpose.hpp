// ctnn/shapes/conv_transpose.hpp: shape rule and checks of a transposed convolution.
//
// PyTorch ConvTranspose1d/2d/3d: o = (i-1)s - 2p + d(k-1) + a + 1 with output padding a < max(s, d);
// weight [C_in, C_out/groups, k...]; bias [C_out]. With output_size, a = size - min where the
// reachable sizes are [min, min + s - 1] (PyTorch's range for forward(x, output_size)).
#pragma once

#include "ctnn/layers/conv_transpose.hpp"
#include "ctnn/shapes/conv.hpp"
#include "ctnn/shapes/window.hpp"

namespace ctnn {

struct conv_transpose_geometry {
  window w;  // w.out is the transposed conv's output; kernel/stride/dilation/padding as declared
  extents output_padding;
  index_t in_channels = 0, out_channels = 0, groups = 1;
  layer_error error;
};

constexpr conv_transpose_geometry resolve_conv_transpose(const conv_transpose_params& p, const shape& in) {
  conv_transpose_geometry g;
  window& w = g.w;
  const int n = p.rank;
  w.rank = n;
  if ((g.error = check_input_rank(in, n))) return g;
  g.in_channels = in.channels();
  g.out_channels = p.out_channels;
  g.groups = p.groups;
  if ((g.error = check_declared_channels(p.in_channels, g.in_channels))) return g;
  if ((g.error = check_groups(g.in_channels, g.out_channels, g.groups))) return g;
  if (p.padding.mode != padding_mode::explicit_pad && p.padding.mode != padding_mode::valid) {
    g.error = make_error(error_code::padding_mode_unsupported, static_cast<count_t>(p.padding.mode));
    return g;
  }
  if ((g.error = check_option_ranks({{p.kernel, param::kernel},
                                     {p.stride, param::stride},
                                     {p.dilation, param::dilation},
                                     {p.padding.begin, param::padding},
                                     {p.padding.end, param::padding},
                                     {p.output_padding, param::output_padding},
                                     {p.output_size, param::output_size}},
                                    n)))
    return g;
  if (conflicting(p.padding)) {
    g.error = make_error(error_code::conflicting_options, 0, 0, 0, -1, param::padding);
    return g;
  }
  if (p.output_padding.count != 0 && p.output_size.count != 0) {  // output_size derives the output padding
    g.error = make_error(error_code::conflicting_options, 0, 0, 0, -1, param::output_padding);
    return g;
  }
  const kernel_geometry k = resolve_kernel(p.kernel, p.stride, p.dilation, n, false);
  if ((g.error = k.error)) return g;
  w.kernel = k.kernel;
  w.stride = k.stride;
  w.dilation = k.dilation;
  if (p.padding.mode == padding_mode::explicit_pad) {
    w.pad_begin = resolve(p.padding.begin, n);
    w.pad_end = resolve(p.padding.end, n);
  }
  g.output_padding = resolve(p.output_padding, n, 0);
  if ((g.error = check_non_negative_padding(w.pad_begin, n))) return g;
  if ((g.error = check_non_negative_padding(w.pad_end, n))) return g;

  for (int i = 0; i < n; ++i) {
    const index_t s = w.stride[i], d = w.dilation[i];
    if (p.output_size.count != 0) {
      const count_t smallest =
          conv_transpose_output_extent(in.spatial(i), w.kernel[i], s, d, w.pad_begin[i], w.pad_end[i], 0);
      const count_t wanted = p.output_size.at(i);
      if (wanted < smallest || wanted > smallest + s - 1) {
        g.error = make_error(error_code::output_size_unreachable, wanted, smallest, smallest + s - 1, i,
                             param::output_size);
        return g;
      }
      g.output_padding[i] = static_cast<index_t>(wanted - smallest);
    }
    const index_t a = g.output_padding[i];
    if (a < 0) {
      g.error = make_error(error_code::negative_padding, a, 0, 0, i, param::output_padding);
      return g;
    }
    if (a >= (s > d ? s : d)) {
      g.error = make_error(error_code::output_padding_too_large, a, s > d ? s : d, 0, i, param::output_padding);
      return g;
    }
    const count_t o = conv_transpose_output_extent(in.spatial(i), w.kernel[i], s, d, w.pad_begin[i], w.pad_end[i], a);
    if (o < 1) {
      g.error = make_error(error_code::output_not_positive, o, 0, 0, i);
      return g;
    }
    if ((g.error = check_extent(o, i))) return g;
    w.out[i] = static_cast<index_t>(o);
  }
  return g;
}

// Weight shape [C_in, C_out/groups, k...].
constexpr shape conv_transpose_weight_shape(const conv_transpose_geometry& g) {
  shape s{g.in_channels, g.out_channels / g.groups};
  for (int i = 0; i < g.w.rank; ++i) s.push_back(g.w.kernel[i]);
  return s;
}

constexpr layer_shapes infer(const conv_transpose_params& p, const shape& in) {
  const conv_transpose_geometry g = resolve_conv_transpose(p, in);
  if (g.error) return fail(g.error);
  layer_shapes r;
  r.out = window_output(g.w, g.out_channels);
  r.weight = conv_transpose_weight_shape(g);
  if (p.bias) r.bias = shape{g.out_channels};
  return r;
}

// Every input element scatters into C_out/groups x kernel volume outputs.
constexpr checked_count macs_of(const conv_transpose_params&, const shape& in, const layer_shapes& r) {
  return checked_size(in) * checked_count{checked_size(r.weight).value / r.weight[0]};
}

// An output sees ceil(K / s) inputs; the jump shrinks by s.
constexpr receptive_field grow_field(const conv_transpose_params& p, const shape& in, const layer_shapes&,
                                     const receptive_field& f) {
  const window w = resolve_conv_transpose(p, in).w;
  extents taps;
  for (int i = 0; i < w.rank; ++i)
    taps[i] = static_cast<index_t>(ceil_div(dilated_extent(w.kernel[i], w.dilation[i]), w.stride[i]));
  return grow(f, taps, filled(w.rank, 1), w.stride);
}

// NHWC, groups 1: the phase-split kernel (ctnn/kernels/conv_transpose.hpp).
constexpr arithmetic arithmetic_of(const conv_transpose_params& p, const shape& in) {
  const conv_transpose_geometry g = resolve_conv_transpose(p, in);
  arithmetic a = window_arithmetic(g.w, in, "transposed convolution");
  a.kind = arithmetic_kind::transposed;
  a.output_padding = g.output_padding;
  return a;
}

constexpr lowering lowering_of(const conv_transpose_params& p, const shape& in, layout l) {
  lowering r;
  r.fast = l == layout::nhwc && resolve_conv_transpose(p, in).groups == 1;
  r.transposed_weights = true;
  return r;
}

constexpr backward_reads backward_reads_of(const conv_transpose_params&) { return reads_input_for_weights; }

}  // namespace ctnn
