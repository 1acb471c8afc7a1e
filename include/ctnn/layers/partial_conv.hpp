// ctnn/layers/partial_conv.hpp: partial convolution (Liu et al., "Image Inpainting for Irregular Holes
// Using Partial Convolutions"), as declared by the user.
//
//   ctnn::partial_conv2d<64, 7, ctnn::stride<2>, ctnn::pad<3>>
//   ctnn::partial_conv2d<64, 3, ctnn::pad<1>, ctnn::multi_channel_mask>
//
// out = W^T (X * M) * (k_area / sum(M)) + b where sum(M) > 0 over the window, else 0; the updated mask is
// 1 where sum(M) > 0. The mask is [1, spatial...] ([C_in, spatial...] with multi_channel_mask); the updated
// mask [1, o...] ([C_out, o...]). Takes every convolution option. Shape rule: ctnn/shapes/partial_conv.hpp.
#pragma once

#include "ctnn/layers/conv.hpp"

namespace ctnn {

struct partial_conv_params : conv_params {
  bool multi_channel_mask = false;
  friend constexpr bool operator==(const partial_conv_params&, const partial_conv_params&) = default;
};

template <int Rank, index_t OutChannels, auto Kernel, class... Options>
struct partial_conv : layer_options<partial_conv_params, Options...> {
  static constexpr partial_conv_params params = [] {
    partial_conv_params p;
    p.rank = Rank;
    p.out_channels = OutChannels;
    p.kernel = as_spatial(Kernel);
    return configure<partial_conv_params, Options...>(p);
  }();
  static constexpr const char* name =
      Rank == 1 ? "partial_conv1d" : Rank == 2 ? "partial_conv2d" : "partial_conv3d";
};

template <index_t OutChannels, auto Kernel, class... Options_are_types_like__stride_2__pad_1>
struct partial_conv1d : partial_conv<1, OutChannels, Kernel, Options_are_types_like__stride_2__pad_1...> {};
template <index_t OutChannels, auto Kernel, class... Options_are_types_like__stride_2__pad_1>
struct partial_conv2d : partial_conv<2, OutChannels, Kernel, Options_are_types_like__stride_2__pad_1...> {};
template <index_t OutChannels, auto Kernel, class... Options_are_types_like__stride_2__pad_1>
struct partial_conv3d : partial_conv<3, OutChannels, Kernel, Options_are_types_like__stride_2__pad_1...> {};

}  // namespace ctnn
