// ctnn/layers/conv.hpp: convolution layers, as declared by the user.
//
//   ctnn::conv2d<64, 3>                                     64 outputs, 3x3, stride 1, no padding, bias
//   ctnn::conv2d<64, 3, ctnn::stride<2>, ctnn::pad<1>>      the usual downsampling conv
//   ctnn::conv2d<64, ctnn::kernel<1, 7>, ctnn::pad_same>    1x7 kernel, PyTorch padding="same"
//   ctnn::conv2d<32, 3, ctnn::groups<8>, ctnn::no_bias>
//   ctnn::depthwise_conv2d<3, ctnn::pad<1>>                 groups = in channels, multiplier 1
//
// Shape rule and checks: ctnn/shapes/conv.hpp.
#pragma once

#include <type_traits>

#include "ctnn/layers/options.hpp"

namespace ctnn {

struct conv_params {
  int rank = 2;                // spatial dims
  index_t out_channels = 0;    // 0 for depthwise, where it is multiplier * in channels
  spatial_values kernel;
  spatial_values stride{}, dilation{};  // empty: 1
  padding_spec padding{};
  index_t groups = 1;
  bool depthwise = false;      // groups = in channels, out = multiplier * in
  index_t multiplier = 1;
  bool bias = true;
  index_t in_channels = -1;    // declared input channels, -1 when taken from the input
  friend constexpr bool operator==(const conv_params&, const conv_params&) = default;
};

// Depthwise channel multiplier (output channels per input channel); depthwise layers only.
template <index_t M>
struct channel_multiplier {
  static constexpr void configure(auto& p) requires requires { p.multiplier; } { p.multiplier = M; }
};
namespace detail {
struct make_depthwise {
  static constexpr void configure(auto& p) { p.depthwise = true; }
};
}  // namespace detail

// A kernel is written as an integer (every dim) or ctnn::kernel<...>.
template <class K>
concept kernel_spec = std::is_same_v<std::remove_cvref_t<K>, int> || std::is_same_v<std::remove_cvref_t<K>, spatial_values>;

template <int Rank, index_t OutChannels, auto Kernel, class... Options>
  requires kernel_spec<decltype(Kernel)>
struct conv : layer_options<conv_params, Options...> {
  static constexpr conv_params params =
      configure<conv_params, Options...>(conv_params{.rank = Rank, .out_channels = OutChannels, .kernel = as_spatial(Kernel)});
  static constexpr const char* name = Rank == 1 ? "conv1d" : Rank == 2 ? "conv2d" : "conv3d";
};

// The options' parameter name is the hint a compiler prints for PyTorch's positional habit
// (`conv2d<16, 3, 2, 1>` or `conv2d<3, 16, 3>`): options are types.
template <index_t OutChannels, auto Kernel, class... Options_are_types_like__stride_2__pad_1>
struct conv1d : conv<1, OutChannels, Kernel, Options_are_types_like__stride_2__pad_1...> {};
template <index_t OutChannels, auto Kernel, class... Options_are_types_like__stride_2__pad_1>
struct conv2d : conv<2, OutChannels, Kernel, Options_are_types_like__stride_2__pad_1...> {};
template <index_t OutChannels, auto Kernel, class... Options_are_types_like__stride_2__pad_1>
struct conv3d : conv<3, OutChannels, Kernel, Options_are_types_like__stride_2__pad_1...> {};

template <auto Kernel, class... Options_are_types_like__stride_2__pad_1>
struct depthwise_conv1d : conv<1, 0, Kernel, detail::make_depthwise, Options_are_types_like__stride_2__pad_1...> {
  static constexpr const char* name = "depthwise_conv1d";
};
template <auto Kernel, class... Options_are_types_like__stride_2__pad_1>
struct depthwise_conv2d : conv<2, 0, Kernel, detail::make_depthwise, Options_are_types_like__stride_2__pad_1...> {
  static constexpr const char* name = "depthwise_conv2d";
};
template <auto Kernel, class... Options_are_types_like__stride_2__pad_1>
struct depthwise_conv3d : conv<3, 0, Kernel, detail::make_depthwise, Options_are_types_like__stride_2__pad_1...> {
  static constexpr const char* name = "depthwise_conv3d";
};

}  // namespace ctnn
