// ctnn/layers/pool.hpp: pooling layers, as declared by the user.
//
//   ctnn::max_pool2d<2>                                       2x2 windows, stride 2
//   ctnn::max_pool2d<3, ctnn::stride<2>, ctnn::pad<1>>        ResNet stem
//   ctnn::max_pool2d<3, ctnn::stride<2>, ctnn::ceil_mode>     GoogLeNet
//   ctnn::avg_pool2d<3, ctnn::stride<1>, ctnn::pad<1>, ctnn::exclude_pad>
//   ctnn::global_avg_pool                                     [C, ...] -> [C, 1, ...]
//   ctnn::adaptive_avg_pool2d<7>, ctnn::adaptive_max_pool2d<4, 3>
//   ctnn::max_unpool<ctnn::max_pool2d<2>, Inner...>           SegNet: max_unpool2d(Inner(pool(x)), indices)
//
// The stride defaults to the kernel, as in PyTorch. Shape rules and checks: ctnn/shapes/pool.hpp.
#pragma once

#include "ctnn/layers/graph.hpp"
#include "ctnn/layers/options.hpp"

namespace ctnn {

enum class pool_kind : int { max, average };

struct max_pool_params {
  int rank = 2;
  spatial_values kernel;
  spatial_values stride{}, dilation{};  // stride empty: the kernel
  padding_spec padding{};
  bool ceil_mode = false;
  friend constexpr bool operator==(const max_pool_params&, const max_pool_params&) = default;
};

struct avg_pool_params {
  int rank = 2;
  spatial_values kernel;
  spatial_values stride{};
  padding_spec padding{};
  bool ceil_mode = false;
  bool count_include_pad = true;  // PyTorch's default: padded zeros count in the divisor
  friend constexpr bool operator==(const avg_pool_params&, const avg_pool_params&) = default;
};

// Adaptive pooling to a fixed output extent: window j covers [floor(j*i/o), ceil((j+1)*i/o)).
struct adaptive_pool_params {
  int rank = 2;
  pool_kind kind = pool_kind::average;
  spatial_values output_size;
  friend constexpr bool operator==(const adaptive_pool_params&, const adaptive_pool_params&) = default;
};

// Pooling over every spatial position, for any rank: [C, ...] -> [C, 1, ...] (AdaptiveAvgPool(1)).
struct global_pool_params {
  pool_kind kind = pool_kind::average;
  friend constexpr bool operator==(const global_pool_params&, const global_pool_params&) = default;
};

template <int Rank, auto Kernel, class... Options>
struct max_pool : layer_options<max_pool_params, Options...> {
  static constexpr max_pool_params params =
      configure<max_pool_params, Options...>(max_pool_params{.rank = Rank, .kernel = as_spatial(Kernel)});
  static constexpr const char* name = Rank == 1 ? "max_pool1d" : Rank == 2 ? "max_pool2d" : "max_pool3d";
};
template <int Rank, auto Kernel, class... Options>
struct avg_pool : layer_options<avg_pool_params, Options...> {
  static constexpr avg_pool_params params =
      configure<avg_pool_params, Options...>(avg_pool_params{.rank = Rank, .kernel = as_spatial(Kernel)});
  static constexpr const char* name = Rank == 1 ? "avg_pool1d" : Rank == 2 ? "avg_pool2d" : "avg_pool3d";
};

template <auto Kernel, class... Options_are_types_like__stride_2__pad_1> struct max_pool1d : max_pool<1, Kernel, Options_are_types_like__stride_2__pad_1...> {};
template <auto Kernel, class... Options_are_types_like__stride_2__pad_1> struct max_pool2d : max_pool<2, Kernel, Options_are_types_like__stride_2__pad_1...> {};
template <auto Kernel, class... Options_are_types_like__stride_2__pad_1> struct max_pool3d : max_pool<3, Kernel, Options_are_types_like__stride_2__pad_1...> {};
template <auto Kernel, class... Options_are_types_like__stride_2__pad_1> struct avg_pool1d : avg_pool<1, Kernel, Options_are_types_like__stride_2__pad_1...> {};
template <auto Kernel, class... Options_are_types_like__stride_2__pad_1> struct avg_pool2d : avg_pool<2, Kernel, Options_are_types_like__stride_2__pad_1...> {};
template <auto Kernel, class... Options_are_types_like__stride_2__pad_1> struct avg_pool3d : avg_pool<3, Kernel, Options_are_types_like__stride_2__pad_1...> {};

template <int Rank, pool_kind Kind, index_t... OutputSize>
struct adaptive_pool {
  static constexpr adaptive_pool_params params{Rank, Kind, spatial_v<OutputSize...>};
  static constexpr const char* name = Kind == pool_kind::max ? "adaptive_max_pool" : "adaptive_avg_pool";
};
template <index_t... O> struct adaptive_avg_pool1d : adaptive_pool<1, pool_kind::average, O...> {
  static constexpr const char* name = "adaptive_avg_pool1d";
};
template <index_t... O> struct adaptive_avg_pool2d : adaptive_pool<2, pool_kind::average, O...> {
  static constexpr const char* name = "adaptive_avg_pool2d";
};
template <index_t... O> struct adaptive_avg_pool3d : adaptive_pool<3, pool_kind::average, O...> {
  static constexpr const char* name = "adaptive_avg_pool3d";
};
template <index_t... O> struct adaptive_max_pool1d : adaptive_pool<1, pool_kind::max, O...> {
  static constexpr const char* name = "adaptive_max_pool1d";
};
template <index_t... O> struct adaptive_max_pool2d : adaptive_pool<2, pool_kind::max, O...> {
  static constexpr const char* name = "adaptive_max_pool2d";
};
template <index_t... O> struct adaptive_max_pool3d : adaptive_pool<3, pool_kind::max, O...> {
  static constexpr const char* name = "adaptive_max_pool3d";
};

struct global_avg_pool {
  static constexpr global_pool_params params{pool_kind::average};
  static constexpr const char* name = "global_avg_pool";
};
struct global_max_pool {
  static constexpr global_pool_params params{pool_kind::max};
  static constexpr const char* name = "global_max_pool";
};

template <class Pooled, class Input, class Pool>
struct max_unpool_params {};

// Inner between a max pooling and its unpooling (PyTorch's MaxUnpool with the pooling's indices and
// output_size = x's size): the output has x's shape, zero but where a window's maximum was, which gets
// Inner's value for that window. The indices are not stored: the merge finds each window's maximum in x
// again (the first in window order, as PyTorch's index), so the block reads x and Inner's output.
template <class Pool, class... Inner>
struct max_unpool {
  using self = max_unpool;
  using branches = boost::mp11::mp_list<chain<Pool, Inner...>, chain<>>;
  static constexpr block_kind kind = block_kind::unpool;
  static constexpr max_unpool_params<chain<Pool, Inner...>, chain<>, Pool> params{};
  static constexpr const char* name = "max_unpool";
};

}  // namespace ctnn
