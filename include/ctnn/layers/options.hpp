// ctnn/layers/options.hpp: the optional arguments of layers, as types.
//
//   ctnn::conv2d<64, 3, ctnn::stride<2>, ctnn::pad<1>, ctnn::no_bias>
//
// Options are types so that a layer prints as the user wrote it in a diagnostic. Each option writes
// one field of a layer's parameter struct; a layer accepts exactly the options whose field it has, so
// `ctnn::ceil_mode` on a convolution is rejected by its rule, naming the layer's position, the option and
// conv_params. Per-dim options take one value (every dim) or one per dim (D, H, W); the layer's check
// reports a wrong count.
#pragma once

#include <boost/mp11/list.hpp>

#include "ctnn/core/spatial.hpp"

namespace ctnn {

enum class padding_mode : int {
  explicit_pad,  // pad / pad_begin / pad_end
  valid,         // no padding
  same,          // PyTorch padding="same": stride 1, total d(k-1), the odd element at the end
  tf_same,       // TensorFlow "SAME": out = ceil(in / stride), for any stride; the odd element after
  tf_same_lower, // ONNX's SAME_LOWER: the same padding, the odd element before
  full,          // total d(k-1) on each side: every partial overlap, out = in + d(k-1) (stride 1)
};

struct padding_spec {
  padding_mode mode = padding_mode::explicit_pad;
  spatial_values begin{1, {0}};
  spatial_values end{1, {0}};
  // Which spellings were used (pad, pad_begin, pad_end, a mode): pad with pad_begin, or a mode with
  // explicit padding, is a conflict the shape rule reports rather than a silent last-one-wins.
  int spellings = 0;
  friend constexpr bool operator==(const padding_spec&, const padding_spec&) = default;
};

inline constexpr int spelt_pad = 1, spelt_pad_begin = 2, spelt_pad_end = 4, spelt_mode = 8, spelt_second_mode = 16;

constexpr bool conflicting(const padding_spec& p) {
  const int s = p.spellings;
  const bool symmetric = s & spelt_pad, sided = s & (spelt_pad_begin | spelt_pad_end), mode = s & spelt_mode;
  return (symmetric && sided) || (mode && (symmetric || sided)) || (s & spelt_second_mode);
}


// An option applies to a parameter struct P when its `configure(P&)` is well-formed.
template <class Option, class Params>
concept option_for = requires(Params& p) { Option::configure(p); };

// Applies the options a layer accepts. One it does not accept is skipped here and reported by the
// layer's shape rule (error_code::option_not_accepted), so that the diagnostic names the layer's
// position in the network, not only its parameter struct.
template <class Params, class... Options>
constexpr Params configure(Params p) {
  ([&] {
    if constexpr (option_for<Options, Params>) Options::configure(p);
  }(), ...);
  return p;
}

// Position of the first option in Options that Params does not accept, -1 when every one applies.
template <class Params, class... Options>
constexpr int first_unaccepted_option() {
  int at = -1, i = 0;
  ((at < 0 && !option_for<Options, Params> ? at = i : 0, ++i), ...);
  return at;
}

// What every layer declaration derives from: its parameters and the options it was written with.
//   options              the option types, for diagnostics
//   unaccepted_option    -1, or the position of an option the layer does not have
template <class Params, class... Options>
struct layer_options {
  using options = boost::mp11::mp_list<Options...>;
  static constexpr int unaccepted_option = first_unaccepted_option<Params, Options...>();
};

// ---- window geometry -------------------------------------------------------------------------
template <index_t... V>
struct stride {
  static constexpr void configure(auto& p) requires requires { p.stride; } { p.stride = spatial_v<V...>; }
};
template <index_t... V>
struct dilation {
  static constexpr void configure(auto& p) requires requires { p.dilation; } { p.dilation = spatial_v<V...>; }
};
// Symmetric padding, one value for all dims or one per dim.
template <index_t... V>
struct pad {
  static constexpr void configure(auto& p) requires requires { p.padding.begin; } {
    p.padding.mode = padding_mode::explicit_pad;
    p.padding.begin = spatial_v<V...>;
    p.padding.end = spatial_v<V...>;
    p.padding.spellings |= spelt_pad;
  }
};
// Asymmetric padding: before the first and after the last element of each spatial dim (top/left and
// bottom/right in 2d), in dim order D, H, W.
template <index_t... V>
struct pad_begin {
  static constexpr void configure(auto& p) requires requires { p.padding.begin; } {
    p.padding.mode = padding_mode::explicit_pad;
    p.padding.begin = spatial_v<V...>;
    p.padding.spellings |= spelt_pad_begin;
  }
};
template <index_t... V>
struct pad_end {
  static constexpr void configure(auto& p) requires requires { p.padding.end; } {
    p.padding.mode = padding_mode::explicit_pad;
    p.padding.end = spatial_v<V...>;
    p.padding.spellings |= spelt_pad_end;
  }
};
template <padding_mode M>
struct padding_mode_option {
  static constexpr void configure(auto& p) requires requires { p.padding.mode; } {
    p.padding.spellings |= (p.padding.spellings & spelt_mode) ? spelt_second_mode : spelt_mode;
    p.padding.mode = M;
  }
};
struct pad_valid : padding_mode_option<padding_mode::valid> {};
struct pad_same : padding_mode_option<padding_mode::same> {};
struct pad_tf_same : padding_mode_option<padding_mode::tf_same> {};
struct pad_tf_same_lower : padding_mode_option<padding_mode::tf_same_lower> {};
struct pad_full : padding_mode_option<padding_mode::full> {};

// ---- channels ----------------------------------------------------------------------------------
template <index_t G>
struct groups {
  static constexpr void configure(auto& p) requires requires { p.groups; } { p.groups = G; }
};
// Declares the input channel count the layer expects; the network is rejected when it differs.
template <index_t C>
struct in_channels {
  static constexpr void configure(auto& p) requires requires { p.in_channels; } { p.in_channels = C; }
};
// Declares the input feature count of a linear layer (PyTorch's in_features).
template <index_t F>
struct in_features {
  static constexpr void configure(auto& p) requires requires { p.in_features; } { p.in_features = F; }
};
// Normalizations: the epsilon added to the variance, Num / Den; PyTorch's affine=False, or affine=True
// where a layer's default is False (instance norm).
template <index_t Num, index_t Den>
  requires(Den >= 1)
struct eps_ratio {
  static constexpr void configure(auto& p) requires requires { p.eps_num; } {
    p.eps_num = Num;
    p.eps_den = Den;
  }
};
struct no_affine {
  static constexpr void configure(auto& p) requires requires { p.affine; } { p.affine = false; }
};
struct affine {
  static constexpr void configure(auto& p) requires requires { p.affine; } { p.affine = true; }
};

struct no_bias {
  static constexpr void configure(auto& p) requires requires { p.bias; } { p.bias = false; }
};

// ---- transposed convolution --------------------------------------------------------------------
template <index_t... V>
struct output_padding {
  static constexpr void configure(auto& p) requires requires { p.output_padding; } {
    p.output_padding = spatial_v<V...>;
  }
};
// The output extent wanted; the layer derives its output padding (transposed conv) or its scale
// (upsampling) from it.
template <index_t... V>
struct output_size {
  static constexpr void configure(auto& p) requires requires { p.output_size; } { p.output_size = spatial_v<V...>; }
};

// ---- pooling -----------------------------------------------------------------------------------
struct ceil_mode {
  static constexpr void configure(auto& p) requires requires { p.ceil_mode; } { p.ceil_mode = true; }
};
// Average pooling divides by the number of real (unpadded) elements, as count_include_pad=False.
struct exclude_pad {
  static constexpr void configure(auto& p) requires requires { p.count_include_pad; } { p.count_include_pad = false; }
};

// ---- upsampling --------------------------------------------------------------------------------
// Integer scale per dim (or one for all).
template <index_t... V>
struct scale_factor {
  static constexpr void configure(auto& p) requires requires { p.scale_num; } { p.scale_num = spatial_v<V...>; }
};
// The denominators of per-dim rational scales: scale_factor<3, 2>, scale_den<2, 1> is (1.5, 2).
template <index_t... V>
struct scale_den {
  static constexpr void configure(auto& p) requires requires { p.scale_den; } { p.scale_den = spatial_v<V...>; }
};
// Rational scale Num/Den for every dim, e.g. scale_ratio<3, 2> = 1.5.
template <index_t Num, index_t Den>
struct scale_ratio {
  static constexpr void configure(auto& p) requires requires { p.scale_num; } {
    p.scale_num = spatial_v<Num>;
    p.scale_den = spatial_v<Den>;
  }
};
struct align_corners {
  static constexpr void configure(auto& p) requires requires { p.align_corners; } { p.align_corners = true; }
};

// ---- padding layers ----------------------------------------------------------------------------
// Value of constant padding, Num/Den (default 0).
template <index_t Num, index_t Den = 1>
  requires(Den >= 1)
struct fill_value {
  static constexpr void configure(auto& p) requires requires { p.fill_num; } {
    p.fill_num = Num;
    p.fill_den = Den;
  }
};

// ---- cropping ----------------------------------------------------------------------------------
template <index_t... V>
struct crop {
  static constexpr void configure(auto& p) requires requires { p.crop_begin; } {
    p.crop_begin = spatial_v<V...>;
    p.crop_end = spatial_v<V...>;
  }
};
template <index_t... V>
struct crop_begin {
  static constexpr void configure(auto& p) requires requires { p.crop_begin; } { p.crop_begin = spatial_v<V...>; }
};
template <index_t... V>
struct crop_end {
  static constexpr void configure(auto& p) requires requires { p.crop_end; } { p.crop_end = spatial_v<V...>; }
};

// ---- partial convolution -----------------------------------------------------------------------
// One mask channel per input channel instead of one mask for all channels.
struct multi_channel_mask {
  static constexpr void configure(auto& p) requires requires { p.multi_channel_mask; } { p.multi_channel_mask = true; }
};

}  // namespace ctnn
