// ctnn/core/error.hpp: why a layer rejects its input, as a value.
//
// Shape rules are plain constexpr functions; they cannot fail to compile, so they return what went wrong.
// The checks stage (ctnn/checks/diagnostics.hpp) turns the first error of a network into a compile error
// whose template arguments spell out `code` and the facts `a`, `b`, `c`; data-driven tests compare `code`
// with PyTorch's error at run time.
#pragma once

#include "ctnn/core/shape.hpp"

namespace ctnn {

enum class error_code : int {
  none,
  input_rank,               // a: rank the layer needs, b: rank it got
  not_positive,             // a: the value, param: which parameter
  negative_padding,         // a: the value, dim
  option_rank,              // a: values given, b: spatial rank of the layer, param
  in_channels_groups,       // a: input channels, b: groups
  out_channels_groups,      // a: output channels, b: groups
  in_channels,              // a: declared, b: actual
  in_features,              // a: declared, b: actual
  window_exceeds_input,     // dim, a: padded input extent, b: effective (dilated) window
  output_not_positive,      // dim, a: computed output extent
  same_needs_stride_1,      // dim, a: stride
  output_padding_too_large, // dim, a: output padding, b: max(stride, dilation)
  output_size_unreachable,  // dim, a: requested, b: smallest reachable, c: largest reachable
  pool_padding_too_large,   // dim, a: padding, b: kernel / 2
  reflection_padding_too_large,  // dim, a: padding, b: input extent
  crop_too_large,           // dim, a: total crop, b: input extent
  negative_crop,            // dim, a: the value
  scale_or_size,            // a: how many of scale and output_size were given (exactly one is needed)
  align_corners_needs_linear,  // align_corners on a nearest-neighbour upsampling
  reshape_count,            // a: input elements, b: elements of the target shape (or known product for -1)
  reshape_inferred_dims,    // a: number of -1 entries
  dim_out_of_range,         // a: dim, b: rank
  dims_out_of_order,        // a: start dim, b: end dim (flatten)
  add_shapes,               // lhs: first branch, rhs: branch `a`
  concat_shapes,            // lhs: first branch, rhs: branch `a`
  multiply_shapes,          // lhs: main branch, rhs: the gate (branch `a`)
  unpool_shapes,            // lhs: the max pooling's output, rhs: the inner layers' output
  unpool_needs_max_pool,    // a max_unpool block whose first layer is not a max pooling
  padding_mode_unsupported, // a: the padding_mode the layer cannot use
  empty_network,            // a concat without branches
  not_a_layer,              // a type in the layer list that is not a layer (an option outside its layer?)
  extent_overflow,          // dim (or -1), a: the extent or its lower bound (does not fit an int)
  count_overflow,           // param: which count (output elements, parameters, MACs) does not fit count_t
  option_not_accepted,      // a: position of the option in the layer's option list
  linear_needs_flat_input,  // lhs: the input shape (in_features inferred on a rank > 1 input)
  conflicting_options,      // param: the parameter given twice in incompatible ways
  avg_pool3d_input_smaller_than_kernel,  // dim, a: input extent, b: kernel (PyTorch 1.13's AvgPool3d)
  must_not_be_zero,         // param: which parameter (celu's alpha: PyTorch divides by it)
  bounds_out_of_order,      // a: minimum, b: maximum (numerators over one denominator)
  prelu_parameters,         // a: slopes declared, b: input channels (one slope, or one per channel)
  channel_slice_out_of_range,  // a: first channel, b: channels taken, c: input channels
  not_divisible,            // a: the extent (param, dim), b: what it must be a multiple of
  not_a_permutation,        // a: the dim repeated or out of range, b: rank
  broadcast_shapes,         // lhs: the input, rhs: the layer's tensor, which does not broadcast over it
  normalized_extent,        // a: declared extent of the normalized (last) dim, b: actual
  matmul_shapes,            // lhs: the input, rhs: the matrix tensor, whose leading dims do not match the input's
  repeated_dim,             // a: the dim named twice, b: rank
  reduces_every_dim,        // a: rank (a reduction without keep_dims over every dim leaves a scalar)
};

// The parameter an error refers to, for `not_positive`, `option_rank` and similar.
enum class param : int {
  none, channels, out_channels, out_features, kernel, stride, dilation, padding, groups,
  output_padding, output_size, scale, size, multiplier, batch, features, dim, crop,
  output_elements, parameters, macs, eps, layout, denominator, alpha
};

// Deep enough for a recursively declared U-Net of many levels; a deeper path is cut, and the
// diagnostic then names the outermost layer only.
inline constexpr int max_nesting = 32;

struct layer_error {
  error_code code = error_code::none;
  param what = param::none;
  int dim = -1;   // spatial dim (0 = first spatial dim) or -1
  int rank = 0;   // spatial rank of the layer, so that diagnostics can name `dim` (D, H, W)
  count_t a = 0, b = 0, c = 0;
  shape lhs{}, rhs{};
  // Where, for a failure inside a block: path[0] is the layer in the outer chain, path[1] the branch,
  // path[2] the layer in that branch, and so on. Filled in by the enclosing chains on the way out.
  int depth = 0;
  int path[max_nesting] = {};
  bool truncated = false;  // the path was deeper than max_nesting: its outer steps are lost

  constexpr explicit operator bool() const { return code != error_code::none; }
  friend constexpr bool operator==(const layer_error&, const layer_error&) = default;
};

constexpr layer_error make_error(error_code code, count_t a = 0, count_t b = 0, count_t c = 0, int dim = -1,
                                 param what = param::none, int rank = 0) {
  layer_error e;
  e.rank = rank;
  e.code = code;
  e.a = a;
  e.b = b;
  e.c = c;
  e.dim = dim;
  e.what = what;
  return e;
}

// Prefix a location step (a layer index or a branch index) to an error coming out of a nested chain.
constexpr layer_error at_step(layer_error e, int index) {
  if (!e) return e;
  if (e.depth >= max_nesting) {
    e.truncated = true;
    return e;
  }
  for (int i = e.depth; i > 0; --i) e.path[i] = e.path[i - 1];
  e.path[0] = index;
  ++e.depth;
  return e;
}

}  // namespace ctnn
