// ctnn/layers/reshape.hpp: layers that only change how a sample's elements are shaped.
//
//   ctnn::flatten                       [16, 5, 5] -> [400]
//   ctnn::flatten_dims<1>               [16, 5, 5] -> [16, 25]   (dims of one sample, from 0)
//   ctnn::reshape<4, -1>                [16, 5, 5] -> [4, 100]   (one -1 is inferred)
//
// Dims count within one sample: PyTorch's nn.Flatten(start_dim=1) is flatten_dims<0>.
// Shape rules: ctnn/shapes/reshape.hpp.
#pragma once

#include "ctnn/core/shape.hpp"

namespace ctnn {

struct flatten_params {
  int start = 0, end = -1;  // negative counts from the last dim
  friend constexpr bool operator==(const flatten_params&, const flatten_params&) = default;
};

struct reshape_params {
  shape target;  // may hold one -1
  friend constexpr bool operator==(const reshape_params&, const reshape_params&) = default;
};

template <int Start = 0, int End = -1>
struct flatten_dims {
  static constexpr flatten_params params{Start, End};
  static constexpr const char* name = "flatten";
};
struct flatten : flatten_dims<> {};

template <index_t... Dims>
  requires(sizeof...(Dims) >= 1 && sizeof...(Dims) <= max_rank)
struct reshape {
  static constexpr reshape_params params{shape{Dims...}};
  static constexpr const char* name = "reshape";
};

}  // namespace ctnn
