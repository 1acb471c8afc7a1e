// ctnn/shapes/conv.hpp: shape rule and checks of a convolution (ctnn/layers/conv.hpp).
//
// PyTorch Conv1d/2d/3d: out = [C_out, o...] with o from ctnn/shapes/window.hpp; weight
// [C_out, C_in/groups, k...]; bias [C_out]. Depthwise: groups = C_in, C_out = multiplier * C_in.
#pragma once

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
    g.out_channels = p.multiplier * g.in_channels;
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

}  // namespace ctnn
