// ctnn/shapes/conv.hpp: shape rule and checks of a convolution (ctnn/layers/conv.hpp).
//
// PyTorch Conv1d/2d/3d: out = [C_out, o...] with o from ctnn/shapes/window.hpp; weight
// [C_out, C_in/groups, k...]; bias [C_out]. Depthwise: groups = C_in, C_out = multiplier * C_in.
// MACs: output elements x C_in/groups x kernel volume.
#pragma once

#include "ctnn/core/config.hpp"
#include "ctnn/layers/conv.hpp"
#include "ctnn/shapes/window.hpp"

namespace ctnn {

// A convolution resolved for one input: what the kernel needs to know.
struct conv_geometry {
  window w;
  index_t in_channels = 0, out_channels = 0, groups = 1;
  layer_error error;
};

constexpr window_spec window_of(const conv_params& p) {
  return {.rank = p.rank, .kernel = p.kernel, .stride = p.stride, .dilation = p.dilation, .padding = p.padding};
}

// The channel rules shared by convolution, transposed convolution and partial convolution.
constexpr layer_error check_groups(index_t in_channels, index_t out_channels, index_t groups) {
  if (out_channels < 1) return make_error(error_code::not_positive, out_channels, 0, 0, -1, param::out_channels);
  if (groups < 1) return make_error(error_code::not_positive, groups, 0, 0, -1, param::groups);
  if (in_channels % groups != 0) return make_error(error_code::in_channels_groups, in_channels, groups);
  if (out_channels % groups != 0) return make_error(error_code::out_channels_groups, out_channels, groups);
  return {};
}

constexpr conv_geometry resolve_conv(const conv_params& p, const shape& in) {
  conv_geometry g;
  if ((g.error = check_input_rank(in, p.rank))) return g;
  g.in_channels = in.channels();
  if ((g.error = check_declared_channels(p.in_channels, g.in_channels))) return g;
  if (p.depthwise) {
    if (p.groups != 1) {  // a depthwise conv's groups are its input channels
      g.error = make_error(error_code::conflicting_options, p.groups, 0, 0, -1, param::groups);
      return g;
    }
    if (p.multiplier < 1) {
      g.error = make_error(error_code::not_positive, p.multiplier, 0, 0, -1, param::multiplier);
      return g;
    }
    g.groups = g.in_channels;
    const checked_count out = checked_count{p.multiplier} * g.in_channels;
    if ((g.error = check_extent(out, -1))) return g;
    g.out_channels = static_cast<index_t>(out.value);
  } else {
    if (p.multiplier != 1) {  // a channel multiplier belongs to a depthwise conv
      g.error = make_error(error_code::conflicting_options, p.multiplier, 0, 0, -1, param::multiplier);
      return g;
    }
    g.groups = p.groups;
    g.out_channels = p.out_channels;
  }
  if ((g.error = check_groups(g.in_channels, g.out_channels, g.groups))) return g;
  window_result wr = resolve_window(window_of(p), in);
  g.w = wr.w;
  g.error = wr.error;
  return g;
}

// Weight shape [C_out, C_in/groups, k...].
constexpr shape conv_weight_shape(const conv_geometry& g) {
  shape s{g.out_channels, g.in_channels / g.groups};
  for (int i = 0; i < g.w.rank; ++i) s.push_back(g.w.kernel[i]);
  return s;
}

constexpr layer_shapes infer(const conv_params& p, const shape& in) {
  const conv_geometry g = resolve_conv(p, in);
  if (g.error) return fail(g.error);
  layer_shapes r;
  r.out = window_output(g.w, g.out_channels);
  r.weight = conv_weight_shape(g);
  if (p.bias) r.bias = shape{g.out_channels};
  return r;
}

// Every output element sums C_in/groups x kernel volume products: the weight's elements per output channel.
constexpr checked_count macs_of(const conv_params&, const shape&, const layer_shapes& r) {
  return checked_size(r.out) * checked_count{checked_size(r.weight).value / r.weight[0]};
}

constexpr receptive_field grow_field(const conv_params& p, const shape& in, const layer_shapes&,
                                     const receptive_field& f) {
  return grow_window(f, resolve_conv(p, in).w);
}

// NHWC: groups 1 runs the register-tiled kernel, depthwise (multiplier 1) its own; 1x1 with stride 1 and
// no padding is a pointwise convolution, which can join a depthwise's pass.
constexpr arithmetic arithmetic_of(const conv_params& p, const shape& in) {
  return window_arithmetic(resolve_conv(p, in).w, in, "convolution");
}

// Its input's gradient needs only the weights (the transposed convolution of the output's gradient).
constexpr backward_reads backward_reads_of(const conv_params&) { return reads_input_for_weights; }

// In training a convolution without groups runs as matrix products over its receptive fields
// (ctnn/kernels/conv.hpp): P output positions, K = C_in x kernel volume, M = C_out; its scratch holds the
// fields [K][P], the output (gradient) as [P][M] and as [M][P], and a weight matrix [K][M]. Past this many
// elements (or with groups) it runs as loops, with none.
inline constexpr count_t conv_matrix_max_scratch = CTNN_CONV_MATRIX_MAX_SCRATCH;  // ctnn/core/config.hpp
struct conv_matrices {
  count_t positions = 0, reduction = 0, channels = 0;
  constexpr count_t scratch() const {
    return positions * reduction + 2 * positions * channels + reduction * channels;  // (the weights as [K][M])
  }
};
constexpr conv_matrices conv_matrices_of(const conv_params& p, const shape& in) {
  const conv_geometry g = resolve_conv(p, in);
  if (g.error || g.groups != 1) return {};
  const conv_matrices m{window_output(g.w, 1).size(), count_t{g.in_channels} * kernel_volume(g.w), g.out_channels};
  return m.scratch() <= conv_matrix_max_scratch ? m : conv_matrices{};
}
constexpr count_t training_scratch_of(const conv_params& p, const shape& in) {
  return conv_matrices_of(p, in).scratch();
}

constexpr lowering lowering_of(const conv_params& p, const shape& in, layout l) {
  const conv_geometry g = resolve_conv(p, in);
  lowering r;
  if (l != layout::nhwc) return r;
  r.depthwise = g.groups == g.in_channels && g.groups > 1 && g.out_channels == g.in_channels;
  if (r.depthwise && g.w.rank == 2) r.window_rows = (g.w.kernel[0] - 1) * g.w.dilation[0] + 1;
  r.fast = true;  // groups 1, depthwise, and the other grouped ones (each kernel in ctnn/kernels/conv.hpp)
  r.adds_in_store = g.groups == 1;
  r.pointwise = g.groups == 1;
  for (int i = 0; i < g.w.rank; ++i)
    r.pointwise = r.pointwise && g.w.kernel[i] == 1 && g.w.stride[i] == 1 && g.w.dilation[i] == 1 &&
                  g.w.pad_begin[i] == 0 && g.w.pad_end[i] == 0;
  return r;
}

}  // namespace ctnn
