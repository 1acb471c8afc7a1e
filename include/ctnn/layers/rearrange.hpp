// ctnn/layers/rearrange.hpp: layers that move elements between positions without arithmetic.
//
//   ctnn::slice_channels<8, 16>    channels [8, 24) of the input: x[:, 8:24] (a branch reading half of its
//                                  block's input: ShuffleNet's x.chunk(2, 1))
//   ctnn::channel_shuffle<2>       ShuffleNet's view(N, 2, C/2, H, W) -> transpose(1, 2) -> view(N, C, H, W)
//   ctnn::pixel_shuffle<2>         [4C, H, W] -> [C, 2H, 2W] (sub-pixel upsampling), PyTorch's PixelShuffle
//   ctnn::pixel_unshuffle<2>       [C, 2H, 2W] -> [4C, H, W], PyTorch's PixelUnshuffle
//   ctnn::depth_to_space<2>        ONNX's DepthToSpace (DCR order, TensorFlow's): [4C, H, W] -> [C, 2H, 2W]
//   ctnn::space_to_depth<2>        ONNX's SpaceToDepth: [C, 2H, 2W] -> [4C, H, W]
//   ctnn::permute<1, 2, 0>         the dims of one sample reordered: [C, H, W] -> [H, W, C], as PyTorch's
//                                  x.permute(0, 2, 3, 1) (dims count within the sample, from 0)
//
// Shape rules: ctnn/shapes/rearrange.hpp.
#pragma once

#include "ctnn/core/shape.hpp"

namespace ctnn {

struct slice_channels_params {
  index_t first = 0, count = 1;
  friend constexpr bool operator==(const slice_channels_params&, const slice_channels_params&) = default;
};
struct channel_shuffle_params {
  index_t groups = 1;
  friend constexpr bool operator==(const channel_shuffle_params&, const channel_shuffle_params&) = default;
};
struct pixel_shuffle_params {
  index_t factor = 1;
  bool inverse = false;  // pixel_unshuffle, space_to_depth
  bool dcr = false;      // ONNX's and TensorFlow's order: the position in the block before the channel
  friend constexpr bool operator==(const pixel_shuffle_params&, const pixel_shuffle_params&) = default;
};
struct permute_params {
  shape dims;  // output dim i is input dim dims[i]
  friend constexpr bool operator==(const permute_params&, const permute_params&) = default;
};

template <index_t First, index_t Count>
struct slice_channels {
  static constexpr slice_channels_params params{First, Count};
  static constexpr const char* name = "slice_channels";
};

template <index_t Groups>
struct channel_shuffle {
  static constexpr channel_shuffle_params params{Groups};
  static constexpr const char* name = "channel_shuffle";
};

template <index_t Factor>
struct pixel_shuffle {
  static constexpr pixel_shuffle_params params{Factor, false};
  static constexpr const char* name = "pixel_shuffle";
};
template <index_t Factor>
struct pixel_unshuffle {
  static constexpr pixel_shuffle_params params{Factor, true};
  static constexpr const char* name = "pixel_unshuffle";
};

template <index_t Factor>
struct depth_to_space {
  static constexpr pixel_shuffle_params params{Factor, false, true};
  static constexpr const char* name = "depth_to_space";
};
template <index_t Factor>
struct space_to_depth {
  static constexpr pixel_shuffle_params params{Factor, true, true};
  static constexpr const char* name = "space_to_depth";
};

template <index_t... Dims>
  requires(sizeof...(Dims) >= 1 && sizeof...(Dims) <= max_rank)
struct permute {
  static constexpr permute_params params{shape{Dims...}};
  static constexpr const char* name = "permute";
};

}  // namespace ctnn
