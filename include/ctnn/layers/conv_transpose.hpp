// ctnn/layers/conv_transpose.hpp: transposed convolution layers, as declared by the user.
//
//   ctnn::conv_transpose2d<32, 2, ctnn::stride<2>>                       doubles H and W
//   ctnn::conv_transpose2d<32, 4, ctnn::stride<2>, ctnn::pad<1>>         doubles H and W
//   ctnn::conv_transpose2d<32, 3, ctnn::stride<2>, ctnn::pad<1>, ctnn::output_padding<1>>
//   ctnn::conv_transpose2d<32, 3, ctnn::stride<2>, ctnn::pad<1>, ctnn::output_size<64, 64>>
//
// output_size<...> asks for an output extent and derives the output padding, as PyTorch's
// forward(x, output_size). pad_begin / pad_end give ONNX-style asymmetric padding (cropped from the
// full output). Shape rule and checks: ctnn/shapes/conv_transpose.hpp.
#pragma once

#include "ctnn/layers/options.hpp"

namespace ctnn {

struct conv_transpose_params {
  int rank = 2;
  index_t out_channels = 0;
  spatial_values kernel;
  spatial_values stride{}, dilation{};
  padding_spec padding{};
  spatial_values output_padding{};
  spatial_values output_size{};  // when set, output_padding is derived from it
  index_t groups = 1;
  bool bias = true;
  index_t in_channels = -1;  // declared input channels, -1 when taken from the input
  friend constexpr bool operator==(const conv_transpose_params&, const conv_transpose_params&) = default;
};

template <int Rank, index_t OutChannels, auto Kernel, class... Options>
struct conv_transpose : layer_options<conv_transpose_params, Options...> {
  static constexpr conv_transpose_params params = configure<conv_transpose_params, Options...>(
      conv_transpose_params{.rank = Rank, .out_channels = OutChannels, .kernel = as_spatial(Kernel)});
  static constexpr const char* name =
      Rank == 1 ? "conv_transpose1d" : Rank == 2 ? "conv_transpose2d" : "conv_transpose3d";
};

template <index_t OutChannels, auto Kernel, class... Options_are_types_like__stride_2__pad_1>
struct conv_transpose1d : conv_transpose<1, OutChannels, Kernel, Options_are_types_like__stride_2__pad_1...> {};
template <index_t OutChannels, auto Kernel, class... Options_are_types_like__stride_2__pad_1>
struct conv_transpose2d : conv_transpose<2, OutChannels, Kernel, Options_are_types_like__stride_2__pad_1...> {};
template <index_t OutChannels, auto Kernel, class... Options_are_types_like__stride_2__pad_1>
struct conv_transpose3d : conv_transpose<3, OutChannels, Kernel, Options_are_types_like__stride_2__pad_1...> {};

}  // namespace ctnn
