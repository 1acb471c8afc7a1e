// ctnn/layers/activation.hpp: element-wise layers, softmax and dropout, as declared by the user.
//
//   ctnn::relu, ctnn::relu6, ctnn::sigmoid, ctnn::tanh_activation, ctnn::hardswish, ctnn::silu, ctnn::gelu,
//   ctnn::gelu_tanh (tanh approximation), ctnn::leaky_relu<> (slope 1/100), ctnn::leaky_relu<1, 5>,
//   ctnn::elu<> (alpha 1), ctnn::elu<1, 2> (alpha 1/2), ctnn::elu<A, B, S, T> (alpha A/B, scale S/T: ONNX's
//   Selu with its own alpha and gamma), ctnn::selu, ctnn::celu<> (alpha 1), ctnn::celu<3, 2>,
//   ctnn::hardtanh<> ([-1, 1]), ctnn::hardtanh<Min, Max, Den> (clamp to [Min/Den, Max/Den]), ctnn::clamp<Min,
//   Max, Den> (the same, named as PyTorch's torch.clamp), ctnn::clamp_min<Num, Den>, ctnn::clamp_max<Num, Den>
//   (one bound), ctnn::hardsigmoid (PyTorch's: relu6(x + 3) / 6),
//   ctnn::hardsigmoid_affine<A, B, C, D> (ONNX's: clamp(A/B x + C/D, 0, 1)), ctnn::softplus<> (beta 1,
//   threshold 20), ctnn::softplus<BetaNum, BetaDen, Threshold>, ctnn::mish,
//   ctnn::prelu<> (one learned slope), ctnn::prelu<64> (one per channel of 64: a layer with a weight),
//   ctnn::softmax (over channels, dim 0 of a sample), ctnn::softmax_dim<-1>, ctnn::log_softmax,
//   ctnn::log_softmax_dim<-1>, ctnn::dropout (identity at inference).
//
// Constants are fractions of integers, so they are exact template arguments (an importer writes a float32
// constant as the exact fraction it is). Shape rules: ctnn/shapes/activation.hpp.
#pragma once

#include "ctnn/core/shape.hpp"

namespace ctnn {

enum class activation_kind : int {
  relu, relu6, leaky_relu, sigmoid, tanh, hardswish, silu, gelu, gelu_tanh, elu, selu, celu, hardtanh, clamp,
  clamp_min, clamp_max, hardsigmoid, softplus, mish, identity
};

// Two constants a and b, as fractions: leaky_relu's slope (a); elu's alpha (a) and scale (b); celu's
// alpha (a); hardtanh's bounds (a, b); hardsigmoid's slope (a) and offset (b); softplus's beta (a) and
// threshold (b).
struct activation_params {
  activation_kind kind = activation_kind::relu;
  index_t a_num = 0, a_den = 1, b_num = 0, b_den = 1;
  friend constexpr bool operator==(const activation_params&, const activation_params&) = default;

  constexpr double a() const { return static_cast<double>(a_num) / static_cast<double>(a_den); }
  constexpr double b() const { return static_cast<double>(b_num) / static_cast<double>(b_den); }
};

struct softmax_params {
  int dim = 0;
  bool log = false;  // log_softmax
  friend constexpr bool operator==(const softmax_params&, const softmax_params&) = default;
};

// PReLU: max(0, x) + slope min(0, x), with one learned slope or one per channel.
struct prelu_params {
  index_t num_parameters = 1;
  friend constexpr bool operator==(const prelu_params&, const prelu_params&) = default;
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

struct selu : activation<activation_kind::selu> { static constexpr const char* name = "selu"; };
struct mish : activation<activation_kind::mish> { static constexpr const char* name = "mish"; };

template <index_t SlopeNum = 1, index_t SlopeDen = 100>
struct leaky_relu {
  static constexpr activation_params params{activation_kind::leaky_relu, SlopeNum, SlopeDen};
  static constexpr const char* name = "leaky_relu";
};

template <index_t AlphaNum = 1, index_t AlphaDen = 1, index_t ScaleNum = 1, index_t ScaleDen = 1>
struct elu {
  static constexpr activation_params params{activation_kind::elu, AlphaNum, AlphaDen, ScaleNum, ScaleDen};
  static constexpr const char* name = "elu";
};

template <index_t AlphaNum = 1, index_t AlphaDen = 1>
struct celu {
  static constexpr activation_params params{activation_kind::celu, AlphaNum, AlphaDen};
  static constexpr const char* name = "celu";
};

template <index_t MinNum = -1, index_t MaxNum = 1, index_t Den = 1>
struct hardtanh {
  static constexpr activation_params params{activation_kind::hardtanh, MinNum, Den, MaxNum, Den};
  static constexpr const char* name = "hardtanh";
};
// torch.clamp(x, min, max) = min(max(x, min), max): any two bounds (min > max gives max everywhere).
template <index_t MinNum, index_t MaxNum, index_t Den = 1>
struct clamp {
  static constexpr activation_params params{activation_kind::clamp, MinNum, Den, MaxNum, Den};
  static constexpr const char* name = "clamp";
};

// torch.clamp with one bound: clamp_min<Num, Den> = max(x, Num/Den), clamp_max<Num, Den> = min(x, Num/Den).
template <index_t Num, index_t Den = 1>
struct clamp_min {
  static constexpr activation_params params{activation_kind::clamp_min, Num, Den};
  static constexpr const char* name = "clamp_min";
};
template <index_t Num, index_t Den = 1>
struct clamp_max {
  static constexpr activation_params params{activation_kind::clamp_max, 0, 1, Num, Den};
  static constexpr const char* name = "clamp_max";
};

template <index_t SlopeNum = 1, index_t SlopeDen = 6, index_t OffsetNum = 1, index_t OffsetDen = 2>
struct hardsigmoid_affine {
  static constexpr activation_params params{activation_kind::hardsigmoid, SlopeNum, SlopeDen, OffsetNum, OffsetDen};
  static constexpr const char* name = "hardsigmoid";
};
struct hardsigmoid : hardsigmoid_affine<> {};

template <index_t BetaNum = 1, index_t BetaDen = 1, index_t Threshold = 20>
struct softplus {
  static constexpr activation_params params{activation_kind::softplus, BetaNum, BetaDen, Threshold, 1};
  static constexpr const char* name = "softplus";
};

template <index_t NumParameters = 1>
struct prelu {
  static constexpr prelu_params params{NumParameters};
  static constexpr const char* name = "prelu";
};

template <int Dim>
struct softmax_dim {
  static constexpr softmax_params params{Dim};
  static constexpr const char* name = "softmax";
};
struct softmax : softmax_dim<0> {};
template <int Dim>
struct log_softmax_dim {
  static constexpr softmax_params params{Dim, true};
  static constexpr const char* name = "log_softmax";
};
struct log_softmax : log_softmax_dim<0> {};

}  // namespace ctnn
