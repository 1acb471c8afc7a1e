// ctnn/layers/activation.hpp: element-wise layers, softmax and dropout, as declared by the user.
//
//   ctnn::relu, ctnn::relu6, ctnn::sigmoid, ctnn::tanh_activation, ctnn::hardswish, ctnn::silu, ctnn::gelu,
//   ctnn::gelu_tanh (tanh approximation), ctnn::leaky_relu<> (slope 1/100), ctnn::leaky_relu<1, 5>,
//   ctnn::softmax (over channels, dim 0 of a sample), ctnn::softmax_dim<-1>, ctnn::dropout (identity
//   at inference).
//
// Shape rules: ctnn/shapes/activation.hpp.
#pragma once

#include "ctnn/core/shape.hpp"

namespace ctnn {

enum class activation_kind : int { relu, relu6, leaky_relu, sigmoid, tanh, hardswish, silu, gelu, gelu_tanh, identity };

struct activation_params {
  activation_kind kind = activation_kind::relu;
  index_t slope_num = 0, slope_den = 1;  // leaky_relu's negative slope
  friend constexpr bool operator==(const activation_params&, const activation_params&) = default;
};

struct softmax_params {
  int dim = 0;
  friend constexpr bool operator==(const softmax_params&, const softmax_params&) = default;
};

template <activation_kind Kind>
struct activation {
  static constexpr activation_params params{Kind};
};

struct relu : activation<activation_kind::relu> { static constexpr const char* name = "relu"; };
struct relu6 : activation<activation_kind::relu6> { static constexpr const char* name = "relu6"; };
struct sigmoid : activation<activation_kind::sigmoid> { static constexpr const char* name = "sigmoid"; };
// Not `tanh`: under `using namespace ctnn` that name would clash with the C library's ::tanh.
struct tanh_activation : activation<activation_kind::tanh> { static constexpr const char* name = "tanh"; };
struct hardswish : activation<activation_kind::hardswish> { static constexpr const char* name = "hardswish"; };
struct silu : activation<activation_kind::silu> { static constexpr const char* name = "silu"; };
struct gelu : activation<activation_kind::gelu> { static constexpr const char* name = "gelu"; };
struct gelu_tanh : activation<activation_kind::gelu_tanh> { static constexpr const char* name = "gelu_tanh"; };
struct dropout : activation<activation_kind::identity> { static constexpr const char* name = "dropout"; };

template <index_t SlopeNum = 1, index_t SlopeDen = 100>
struct leaky_relu {
  static_assert(SlopeDen > 0, "ctnn::leaky_relu<Num, Den>: the slope's denominator must be positive");
  static constexpr activation_params params{activation_kind::leaky_relu, SlopeNum, SlopeDen};
  static constexpr const char* name = "leaky_relu";
};

template <int Dim>
struct softmax_dim {
  static constexpr softmax_params params{Dim};
  static constexpr const char* name = "softmax";
};
struct softmax : softmax_dim<0> {};

}  // namespace ctnn
