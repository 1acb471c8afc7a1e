// ctnn/layers/reduce.hpp: reductions over chosen dims of a sample.
//
//   ctnn::reduce_mean<0>              x.mean(1): [C, H, W] -> [H, W] (dims count within the sample, from 0;
//                                     negative from the end, as PyTorch's dim=-1)
//   ctnn::reduce_mean_keepdim<0>      x.mean(1, keepdim=True): [C, H, W] -> [1, H, W] (ONNX's ReduceMean)
//   ctnn::reduce_sum<1, 2>            x.sum((2, 3)): [C, H, W] -> [C]
//   ctnn::reduce_max<-1>, ctnn::reduce_min_keepdim<...>, ...
//
// Mean, sum, max and min, each with and without keepdim. Max and min propagate NaN, as PyTorch's.
// Shape rules and checks: ctnn/shapes/reduce.hpp.
#pragma once

#include "ctnn/core/shape.hpp"

namespace ctnn {

enum class reduce_kind : int { mean, sum, max, min };

struct reduce_params {
  reduce_kind kind = reduce_kind::mean;
  shape dims;              // as written: each in -rank .. rank - 1
  bool keep_dims = false;  // PyTorch's keepdim: a reduced dim stays, of extent 1
  friend constexpr bool operator==(const reduce_params&, const reduce_params&) = default;
};

template <reduce_kind Kind, bool KeepDims, index_t... Dims>
  requires(sizeof...(Dims) >= 1 && sizeof...(Dims) <= max_rank)
struct reduce {
  static constexpr reduce_params params{Kind, shape{Dims...}, KeepDims};
  static constexpr const char* name = Kind == reduce_kind::mean  ? "reduce_mean"
                                      : Kind == reduce_kind::sum ? "reduce_sum"
                                      : Kind == reduce_kind::max ? "reduce_max"
                                                                 : "reduce_min";
};

template <index_t... Dims> using reduce_mean = reduce<reduce_kind::mean, false, Dims...>;
template <index_t... Dims> using reduce_mean_keepdim = reduce<reduce_kind::mean, true, Dims...>;
template <index_t... Dims> using reduce_sum = reduce<reduce_kind::sum, false, Dims...>;
template <index_t... Dims> using reduce_sum_keepdim = reduce<reduce_kind::sum, true, Dims...>;
template <index_t... Dims> using reduce_max = reduce<reduce_kind::max, false, Dims...>;
template <index_t... Dims> using reduce_max_keepdim = reduce<reduce_kind::max, true, Dims...>;
template <index_t... Dims> using reduce_min = reduce<reduce_kind::min, false, Dims...>;
template <index_t... Dims> using reduce_min_keepdim = reduce<reduce_kind::min, true, Dims...>;

}  // namespace ctnn
