// ctnn/shapes/partial_conv.hpp: shape rule and checks of a partial convolution: those of the
// underlying convolution, plus the shapes of the mask it reads and the mask it writes.
#pragma once

#include "ctnn/layers/partial_conv.hpp"
#include "ctnn/shapes/conv.hpp"

namespace ctnn {

constexpr layer_shapes infer(const partial_conv_params& p, const shape& in) {
  return infer(static_cast<const conv_params&>(p), in);
}

struct mask_shapes_t {
  shape in, out;
};

// Valid only when infer(p, in) succeeded.
constexpr mask_shapes_t mask_shapes(const partial_conv_params& p, const shape& in) {
  const conv_geometry g = resolve_conv(p, in);
  mask_shapes_t m{in, window_output(g.w, g.out_channels)};
  if (!p.multi_channel_mask) m.in[0] = m.out[0] = 1;
  return m;
}

// Costs and receptive field of the underlying convolution; no fast kernel.
constexpr checked_count macs_of(const partial_conv_params& p, const shape& in, const layer_shapes& r) {
  return macs_of(static_cast<const conv_params&>(p), in, r);
}
constexpr receptive_field grow_field(const partial_conv_params& p, const shape& in, const layer_shapes& r,
                                     const receptive_field& f) {
  return grow_field(static_cast<const conv_params&>(p), in, r, f);
}
constexpr lowering lowering_of(const partial_conv_params&, const shape&, layout) { return {}; }
constexpr arithmetic arithmetic_of(const partial_conv_params& p, const shape& in) {
  arithmetic a = arithmetic_of(static_cast<const conv_params&>(p), in);
  a.what = "partial convolution";
  a.partial = true;
  return a;
}

}  // namespace ctnn
