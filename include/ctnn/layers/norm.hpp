// ctnn/layers/norm.hpp: normalizations by the statistics of each sample (batch norm, which uses running
// statistics, is ctnn/layers/batch_norm.hpp), and the learned per-channel scale of ConvNeXt.
//
//   ctnn::layer_norm<96>                    PyTorch's LayerNorm(96): over the last dim, which must be 96
//   ctnn::layer_norm<0>                     the same, the extent taken from the input
//   ctnn::layer_norm_over<2>                LayerNorm(x.shape[-2:]): over the last 2 dims
//   ctnn::channel_layer_norm<>              over the channels at each position: torchvision's LayerNorm2d
//                                           (ConvNeXt), a LayerNorm(C) of x.permute(0, 2, 3, 1)
//   ctnn::group_norm<8>                     GroupNorm(8, C): over each group of C/8 channels and all positions
//   ctnn::instance_norm2d<>                 InstanceNorm2d(C): over each channel's positions, no affine
//   ctnn::instance_norm2d<ctnn::affine>     InstanceNorm2d(C, affine=True); also 1d and 3d
//   ctnn::layer_scale                       x * gamma, gamma [C, 1, 1] learned (ConvNeXt's layer_scale)
//   ctnn::multiply_tensor<4, 1>             x * t, t a tensor of shape [4, 1] broadcast over [..., 4, W]
//   ctnn::add_tensor<5>                     x + t, t of shape [5] broadcast over the last dim (PyTorch's
//                                           `x + buffer`; ONNX's Add of a constant)
//   ctnn::constant_tensor<1, 64>            t itself, whatever the input: a branch of a concat, as ViT's
//                                           class token (`torch.cat([cls_token, x], 1)` on [N, 64] tokens:
//                                           concat<constant_tensor<1, 64>, chain<>>) or ONNX's Concat
//                                           with a constant
//
// Options: ctnn::eps_ratio<1, 1000000> (eps = 1e-6; default 1e-5, PyTorch's), ctnn::no_affine
// (elementwise_affine=False). Weights in state_dict order: weight, bias, each of the normalized shape
// (layer norms) or [C] (the others). Shape rules: ctnn/shapes/norm.hpp.
#pragma once

#include "ctnn/layers/options.hpp"

namespace ctnn {

enum class norm_kind : int { layer, channel_layer, group, instance };

struct norm_params {
  norm_kind kind = norm_kind::layer;
  int dims = 1;           // layer: how many trailing dims are normalized
  index_t extent = 0;     // layer_norm<D>: the last dim's extent, checked (0: any)
  index_t group_count = 1;  // group norm (not `groups`: that is the convolution option's field)
  int rank = 0;           // instance norm: spatial rank of its input
  index_t eps_num = 1, eps_den = 100000;
  bool affine = true;
  friend constexpr bool operator==(const norm_params&, const norm_params&) = default;

  constexpr double eps() const { return static_cast<double>(eps_num) / static_cast<double>(eps_den); }
};

template <index_t Extent, class... Options>
struct layer_norm : layer_options<norm_params, Options...> {
  static constexpr norm_params params = configure<norm_params, Options...>({.kind = norm_kind::layer, .extent = Extent});
  static constexpr const char* name = "layer_norm";
};
template <int Dims, class... Options>
struct layer_norm_over : layer_options<norm_params, Options...> {
  static constexpr norm_params params = configure<norm_params, Options...>({.kind = norm_kind::layer, .dims = Dims});
  static constexpr const char* name = "layer_norm";
};
template <class... Options>
struct channel_layer_norm : layer_options<norm_params, Options...> {
  static constexpr norm_params params = configure<norm_params, Options...>({.kind = norm_kind::channel_layer});
  static constexpr const char* name = "channel_layer_norm";
};
template <index_t Groups, class... Options>
struct group_norm : layer_options<norm_params, Options...> {
  static constexpr norm_params params = configure<norm_params, Options...>({.kind = norm_kind::group, .group_count = Groups});
  static constexpr const char* name = "group_norm";
};
template <int Rank, class... Options>
struct instance_norm : layer_options<norm_params, Options...> {
  static constexpr norm_params params =
      configure<norm_params, Options...>({.kind = norm_kind::instance, .rank = Rank, .affine = false});
  static constexpr const char* name = Rank == 1 ? "instance_norm1d" : Rank == 2 ? "instance_norm2d" : "instance_norm3d";
};
template <class... Options> struct instance_norm1d : instance_norm<1, Options...> {};
template <class... Options> struct instance_norm2d : instance_norm<2, Options...> {};
template <class... Options> struct instance_norm3d : instance_norm<3, Options...> {};

// A tensor of the layer's own combined with the input element by element, broadcast as PyTorch
// broadcasts: its dims align with the input's last ones, each equal or 1.
struct tensor_op_params {
  shape dims;
  bool add = false;  // x + t, else x * t
  friend constexpr bool operator==(const tensor_op_params&, const tensor_op_params&) = default;
};
template <index_t... Dims>
  requires(sizeof...(Dims) >= 1 && sizeof...(Dims) <= max_rank)
struct multiply_tensor {
  static constexpr tensor_op_params params{shape{Dims...}, false};
  static constexpr const char* name = "multiply_tensor";
};
template <index_t... Dims>
  requires(sizeof...(Dims) >= 1 && sizeof...(Dims) <= max_rank)
struct add_tensor {
  static constexpr tensor_op_params params{shape{Dims...}, true};
  static constexpr const char* name = "add_tensor";
};

// A tensor of the layer's own as its output, its input unread: a weight like any other (loaded, trained).
struct constant_tensor_params {
  shape dims;
  friend constexpr bool operator==(const constant_tensor_params&, const constant_tensor_params&) = default;
};
template <index_t... Dims>
  requires(sizeof...(Dims) >= 1 && sizeof...(Dims) <= max_rank)
struct constant_tensor {
  static constexpr constant_tensor_params params{shape{Dims...}};
  static constexpr const char* name = "constant_tensor";
};

struct layer_scale_params {
  friend constexpr bool operator==(const layer_scale_params&, const layer_scale_params&) = default;
};
struct layer_scale {
  static constexpr layer_scale_params params{};
  static constexpr const char* name = "layer_scale";
};

}  // namespace ctnn
