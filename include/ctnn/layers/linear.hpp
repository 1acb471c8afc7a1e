// ctnn/layers/linear.hpp: fully connected layers, as declared by the user.
//
//   ctnn::linear<120>                              on [400] -> [120], weight [120, 400], bias [120]
//   ctnn::linear<10, ctnn::in_features<84>, ctnn::no_bias>
//   ctnn::linear<64, ctnn::per_position>           on [C, H, W]: W -> 64 at every (c, h)
//   ctnn::matmul_tensor<2, 4, 3>                   x @ t, t a learned [2, 4, 3]: [2, M, 4] -> [2, M, 3]
//                                                  (torch.matmul with a parameter; ONNX's MatMul of a
//                                                  constant of rank 3 or more)
//
// Like PyTorch's Linear it maps the last dim and keeps the others; on an input of rank > 1 that must be
// asked for (per_position, or a declared in_features), because after a convolution it is nearly always
// a missing flatten. Shape rule: ctnn/shapes/linear.hpp.
#pragma once

#include "ctnn/layers/options.hpp"

namespace ctnn {

struct linear_params {
  index_t out_features = 0;
  index_t in_features = -1;  // declared, -1 when taken from the input
  bool bias = true;
  bool per_position = false;  // asked for on an input of rank > 1
  friend constexpr bool operator==(const linear_params&, const linear_params&) = default;
};

// Linear applied to the last dim at every position of the others, as PyTorch's Linear on a [N, *, F] input.
struct per_position {
  static constexpr void configure(auto& p) requires requires { p.per_position; } { p.per_position = true; }
};

template <index_t OutFeatures, class... Options_are_types_like__stride_2__pad_1>
struct linear : layer_options<linear_params, Options_are_types_like__stride_2__pad_1...> {
  static constexpr linear_params params =
      configure<linear_params, Options_are_types_like__stride_2__pad_1...>(linear_params{.out_features = OutFeatures});
  static constexpr const char* name = "linear";
};

// y = x @ t, t of shape `dims` (rank >= 2): the last two dims a matrix [K, N] applied to the input's rows
// [..., M, K]; t's leading dims broadcast over the input's leading ones, as torch.matmul.
struct matmul_params {
  shape dims;
  friend constexpr bool operator==(const matmul_params&, const matmul_params&) = default;
};

template <index_t... Dims>
  requires(sizeof...(Dims) >= 2 && sizeof...(Dims) <= max_rank)
struct matmul_tensor {
  static constexpr matmul_params params{shape{Dims...}};
  static constexpr const char* name = "matmul_tensor";
};

}  // namespace ctnn
