// ctnn/shapes/result.hpp: what a shape rule returns for one layer, and what every layer family tells
// the later stages about itself, as plain values.
//
// A family (conv, pool, linear, ...) is a parameter struct P declared in ctnn/layers/<family>.hpp. Its
// file ctnn/shapes/<family>.hpp defines, for P, found by argument-dependent lookup:
//   infer(P, in)                      required: output shape, parameter tensors, or the first broken rule
//   macs_of(P, in, result)            multiply-accumulates (default 0)
//   grow_field(P, in, result, field)  how it grows the receptive field (default: unchanged)
//   storage_of(P, layout)             whether its output may share its input's memory (default: fresh)
//   lowering_of(P, in, layout)        which fast kernel can run it, and how it fuses (default: none)
// and ctnn/kernels/<family>.hpp its kernels. Nothing else in ctnn names the family.
#pragma once

#include <limits>

#include "ctnn/core/checked.hpp"
#include "ctnn/core/error.hpp"
#include "ctnn/core/shape.hpp"
#include "ctnn/core/spatial.hpp"
#include "ctnn/layers/graph.hpp"
#include "ctnn/shapes/field.hpp"

namespace ctnn {

// One parameter tensor of a layer, as PyTorch's state_dict holds it: `name` is the key's last part
// ("weight", "running_mean"); buffers (batch norm's running statistics) are not learned.
struct tensor_spec {
  const char* name = "";
  shape dims;
  bool learned = true;
};
inline constexpr int max_layer_tensors = 4;

struct layer_shapes {
  shape out;          // activation shape after the layer, per sample
  shape weight;       // PyTorch order (OIHW; transposed conv IOHW); rank 0 when the layer has none
  shape bias;         // rank 0 when the layer has none
  // Every parameter tensor in state_dict order. Filled from weight and bias unless the rule lists them
  // itself (batch norm adds its running statistics).
  tensor_spec tensors[max_layer_tensors];
  int tensor_count = 0;
  count_t params = 0;   // learned numbers (PyTorch's parameters()); a block's: its branches'
  count_t buffers = 0;  // other stored numbers (running statistics)
  count_t macs = 0;     // multiply-accumulates (macs_of); a block's: its branches'
  layer_error error;    // first broken rule; the rest is meaningless when set

  constexpr bool ok() const { return !error; }
  constexpr void add_tensor(const char* name, const shape& dims, bool learned = true) {
    tensors[tensor_count++] = {name, dims, learned};
  }
};

constexpr layer_shapes fail(layer_error e) {
  layer_shapes r;
  r.error = e;
  r.out = unknown_shape();
  return r;
}

constexpr layer_shapes fail(error_code code, count_t a = 0, count_t b = 0, count_t c = 0, int dim = -1,
                            param what = param::none) {
  return fail(make_error(code, a, b, c, dim, what));
}

// Shape-preserving layers (activations, dropout, batch norm without parameters...).
constexpr layer_shapes same_shape(const shape& in) {
  layer_shapes r;
  r.out = in;
  return r;
}

// The input must be channel-first with `spatial_rank` spatial dims.
constexpr layer_error check_input_rank(const shape& in, int spatial_rank) {
  if (in.rank != spatial_rank + 1) return make_error(error_code::input_rank, spatial_rank + 1, in.rank);
  return {};
}

// An extent computed in count_t, checked to fit one dim.
constexpr layer_error check_extent(checked_count extent, int dim) {
  if (!extent.fits_extent()) return make_error(error_code::extent_overflow, extent.overflow ? max_extent : extent.value, 0, 0, dim);
  return {};
}

// ---- how a layer's output uses memory (read by the memory plan) --------------------------------------
enum class storage : int {
  fresh,     // its own buffer
  in_place,  // the input's buffer, when nothing later reads the input
  alias,     // always the input's buffer: the layer moves no data
};

// ---- how a layer lowers onto the fast kernels (read by the schedule's fusion rule) ----------------
struct lowering {
  bool fast = false;         // a fast kernel runs it on prepared weights
  bool outputs_are_channels = true;  // its weights make dim 0 of its output (what a batch norm after it scales)
  bool elementwise = false;  // an element-wise activation: a fast kernel before it applies it as it stores
  bool depthwise = false;    // depthwise, multiplier 1: a pointwise convolution after it can join its pass
  bool pointwise = false;    // 1x1 convolution, stride 1, no padding, groups 1
  bool channel_affine = false;  // y = x a[c] + b[c] (batch norm): folded into a fast kernel's weights before it
  bool transposed_weights = false;  // weights [C_in, C_out / groups, taps] (a transposed convolution), not [C_out, ...]
  bool int8_in_float = false;  // in int8, the float function of its dequantized input, its parameters float
  bool adds_in_store = false;  // its fast kernel can add a tensor (a residual) to its output as it stores
  // A depthwise convolution of a 2-d map: the input rows one output row reads, (kernel - 1) dilation + 1
  // (a pointwise convolution before it can compute them a few rows at a time: ctnn/plan/schedule.hpp).
  index_t window_rows = 0;
  bool clamps = false;         // an activation min(max(x, low), high) (relu, relu6, hardtanh, clamp): what a
  double low = -std::numeric_limits<double>::infinity();  // kernel that adds a residual applies after the
  double high = std::numeric_limits<double>::infinity();  // sum (infinite where one-sided, and for the rest)
};

// What a layer's backward pass reads besides its output's gradient (the training plan, ctnn/plan/training.hpp,
// keeps these activations alive until it runs): its input for the input's gradient (an activation's
// derivative, max pooling's argmax), its input for its weights' gradient only (convolution, linear: a
// frozen layer keeps nothing), its output (softmax).
struct backward_reads {
  bool input = true;
  bool input_for_weights = false;
  bool output = false;
};
inline constexpr backward_reads reads_nothing{false, false, false};
inline constexpr backward_reads reads_input_for_weights{false, true, false};

// ---- a layer's convolution arithmetic, for drawing it (ctnn/analysis/draw.hpp) --------------------
enum class arithmetic_kind : int {
  none,        // no spatial arithmetic (element-wise, linear, reshape...)
  window,      // a window sliding over the padded input: convolution, pooling, partial convolution
  transposed,  // a transposed convolution
  upsample,    // each output position reads its source position(s)
  pad,         // the input inside a border of constants, mirrored or repeated values
};
struct arithmetic {
  arithmetic_kind kind = arithmetic_kind::none;
  const char* what = "";  // "convolution", "max pooling", ...
  int rank = 0;           // spatial dims
  extents in, out;        // spatial extents
  extents kernel, stride, dilation, pad_begin, pad_end;
  extents output_padding;  // a transposed convolution's a
  bool ceil_mode = false, partial = false, align_corners = false;
  int mode = 0;  // pad_mode or upsample_mode
};

// ---- defaults of the family hooks -------------------------------------------------------------------
template <class P>
constexpr checked_count macs_of(const P&, const shape&, const layer_shapes&) {
  return 0;
}
template <class P>
constexpr receptive_field grow_field(const P&, const shape&, const layer_shapes&, const receptive_field& f) {
  return f;
}
template <class P>
constexpr storage storage_of(const P&, layout) {
  return storage::fresh;
}
template <class P>
constexpr arithmetic arithmetic_of(const P&, const shape&) {
  return {};
}
template <class P>
constexpr lowering lowering_of(const P&, const shape&, layout) {
  return {};
}
template <class P>
constexpr backward_reads backward_reads_of(const P&) {
  return {};
}
// Elements of scratch a layer's training passes use (the training plan holds the largest): none by default.
template <class P>
constexpr count_t training_scratch_of(const P&, const shape&) {
  return 0;
}
// Elements a layer that normalizes over the batch keeps from its forward for its backward in training mode
// (batch norm: each channel's batch mean and inverse deviation): 0 for a layer that sees one sample at a time.
template <class P>
constexpr count_t batch_statistics_of(const P&, const shape&) {
  return 0;
}

}  // namespace ctnn
