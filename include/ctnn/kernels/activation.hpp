// ctnn/kernels/activation.hpp: element-wise activations, PReLU and softmax (declaration:
// ctnn/layers/activation.hpp). Element-wise layers may run in place (y == x).
#pragma once

#include <type_traits>

#include "ctnn/kernels/math.hpp"
#include "ctnn/kernels/quantize.hpp"
#include "ctnn/kernels/target.hpp"
#include "ctnn/kernels/tensor.hpp"
#include "ctnn/shapes/activation.hpp"

namespace ctnn {

// PyTorch's ELU family: scale x for x > 0, else alpha scale (exp(x input_scale) - 1), the product of
// alpha and scale rounded to T as PyTorch does.
template <class T>
constexpr T elu_of(T x, T alpha, T scale, T input_scale) {
  return x > T(0) ? x * scale : math::expm1(x * input_scale) * (alpha * scale);
}

// PyTorch's hardsigmoid divides relu6(x + 3) by 6; other slopes and offsets (ONNX's) clamp a x + b to [0, 1].
template <activation_params P>
inline constexpr bool pytorch_hardsigmoid = P.a_num * 6 == P.a_den && P.b_num * 2 == P.b_den;

// The formulas are PyTorch's; comparisons are written so that NaN propagates as in PyTorch.
template <activation_params P, class T>
constexpr T activate(T x) {
  if constexpr (P.kind == activation_kind::relu) {
    return x < T(0) ? T(0) : x;
  } else if constexpr (P.kind == activation_kind::relu6) {
    return x < T(0) ? T(0) : (x > T(6) ? T(6) : x);
  } else if constexpr (P.kind == activation_kind::leaky_relu) {
    return x > T(0) ? x : x * static_cast<T>(P.a());
  } else if constexpr (P.kind == activation_kind::sigmoid) {
    return T(1) / (T(1) + math::exp(-x));
  } else if constexpr (P.kind == activation_kind::tanh) {
    return math::tanh(x);
  } else if constexpr (P.kind == activation_kind::hardswish) {
    const T r = x + T(3) < T(0) ? T(0) : (x + T(3) > T(6) ? T(6) : x + T(3));
    return x * r / T(6);
  } else if constexpr (P.kind == activation_kind::silu) {
    return x / (T(1) + math::exp(-x));
  } else if constexpr (P.kind == activation_kind::gelu) {
    return T(0.5) * x * (T(1) + math::erf(x * T(0.70710678118654752440)));
  } else if constexpr (P.kind == activation_kind::gelu_tanh) {
    const T inner = T(0.79788456080286535588) * (x + T(0.044715) * x * x * x);
    return T(0.5) * x * (T(1) + math::tanh(inner));
  } else if constexpr (P.kind == activation_kind::elu) {
    return elu_of<T>(x, static_cast<T>(P.a()), static_cast<T>(P.b()), T(1));
  } else if constexpr (P.kind == activation_kind::selu) {
    return elu_of<T>(x, T(1.6732632423543772848170429916717), T(1.0507009873554804934193349852946), T(1));
  } else if constexpr (P.kind == activation_kind::celu) {
    return elu_of<T>(x, static_cast<T>(P.a()), T(1), static_cast<T>(1.0 / P.a()));
  } else if constexpr (P.kind == activation_kind::hardtanh || P.kind == activation_kind::clamp) {
    // torch.clamp's order: a minimum above the maximum gives the maximum everywhere.
    const T low = static_cast<T>(P.a()), high = static_cast<T>(P.b());
    const T v = x < low ? low : x;
    return v > high ? high : v;
  } else if constexpr (P.kind == activation_kind::clamp_min) {
    return x < static_cast<T>(P.a()) ? static_cast<T>(P.a()) : x;
  } else if constexpr (P.kind == activation_kind::clamp_max) {
    return x > static_cast<T>(P.b()) ? static_cast<T>(P.b()) : x;
  } else if constexpr (P.kind == activation_kind::hardsigmoid && pytorch_hardsigmoid<P>) {
    const T r = x + T(3) < T(0) ? T(0) : (x + T(3) > T(6) ? T(6) : x + T(3));
    return r / T(6);
  } else if constexpr (P.kind == activation_kind::hardsigmoid) {
    const T v = static_cast<T>(P.a()) * x + static_cast<T>(P.b());
    return v < T(0) ? T(0) : (v > T(1) ? T(1) : v);
  } else if constexpr (P.kind == activation_kind::softplus) {
    const T beta = static_cast<T>(P.a());
    return x * beta > static_cast<T>(P.b()) ? x : math::log1p(math::exp(x * beta)) / beta;
  } else if constexpr (P.kind == activation_kind::mish) {
    return x * math::tanh(math::log1p(math::exp(x)));
  } else {
    return x;  // identity, dropout at inference
  }
}

template <activation_params P, count_t Size, class T>
constexpr void activation_forward(const T* x, T* y) {
  if (x == y) {  // in place, the usual case: one pointer, so no aliasing question stops vectorization
    for (count_t i = 0; i < Size; ++i) y[i] = activate<P>(y[i]);
  } else {
    for (count_t i = 0; i < Size; ++i) y[i] = activate<P>(x[i]);
  }
}

// The activation a fast kernel applies to what it has just stored (fuse() in ctnn/plan/schedule.hpp
// puts an element-wise activation into the layer before it); no_activation leaves the values alone.
inline constexpr activation_params no_activation{activation_kind::identity};

// GELU, SiLU and sigmoid without a call per element at run time (math::vectorizable): the fast kernels'
// loops over a stored tile vectorize (ConvNeXt's GELU after its linear layers took a quarter of its time
// through the C library's erff). The plain loops keep the C library's functions.
template <activation_params P>
inline constexpr bool has_vectorizable_form =
    P.kind == activation_kind::gelu || P.kind == activation_kind::silu || P.kind == activation_kind::sigmoid;

template <activation_params P, class F>
inline F activate_vectorizable(F x) {
  if constexpr (P.kind == activation_kind::gelu) {
    return math::vectorizable::gelu<F>(x);
  } else if constexpr (P.kind == activation_kind::silu) {
    return x / (1.0f + math::vectorizable::exp<F>(-x));
  } else {
    return 1.0f / (1.0f + math::vectorizable::exp<F>(-x));
  }
}

// A residual a kernel adds to its output as it stores, then clamps (a residual add and the clamp after
// it, computed by the convolution before them: ctnn/plan/schedule.hpp): y = min(max(y + r, low), high),
// in that order, as the add and then the activation would (a NaN stays one).
template <class T>
struct residual_sum {
  const T* addend = nullptr;  // laid out as the output
  T low, high;
};
// The n outputs at y, `at` elements from the output's start, once stored.
template <class T>
constexpr void add_residual(T* y, const residual_sum<T>& sum, count_t at, index_t n) {
  const T* r = sum.addend + at;
  for (index_t i = 0; i < n; ++i) {
    const T v = y[i] + r[i];
    const T raised = v < sum.low ? sum.low : v;
    y[i] = raised > sum.high ? sum.high : raised;
  }
}

template <activation_params P, class T>
constexpr void activate_stored(T* y, index_t count) {
  if constexpr (std::is_same_v<T, float> && has_vectorizable_form<P>) {
    if (!std::is_constant_evaluated()) {
      index_t i = 0;
      if constexpr (simd<T>::available) {
        using vec = simd<T>;
        for (; i + vec::lanes <= count; i += vec::lanes) vec::store(y + i, activate_vectorizable<P>(vec::load(y + i)));
      }
      for (; i < count; ++i) y[i] = activate_vectorizable<P>(y[i]);
      return;
    }
  }
  if constexpr (P.kind != activation_kind::identity)
    for (index_t i = 0; i < count; ++i) y[i] = activate<P>(y[i]);
}

// The piecewise-linear activations on a GNU vector of T, in registers before the store, with the same
// operations as activate<P> (NaN propagates the same way); the others are applied after the store.
template <activation_params P>
inline constexpr bool activates_in_registers =
    P.kind == activation_kind::identity || P.kind == activation_kind::relu || P.kind == activation_kind::relu6 ||
    P.kind == activation_kind::leaky_relu || P.kind == activation_kind::hardswish ||
    P.kind == activation_kind::hardtanh || P.kind == activation_kind::clamp || P.kind == activation_kind::clamp_min ||
    P.kind == activation_kind::clamp_max || P.kind == activation_kind::hardsigmoid;

template <activation_params P, class T, class Vector>
constexpr Vector activate_lanes(Vector x) {
  const Vector zero{}, six = T(6) - zero;
  if constexpr (P.kind == activation_kind::relu) {
    return x < zero ? zero : x;
  } else if constexpr (P.kind == activation_kind::relu6) {
    const Vector low = x < zero ? zero : x;
    return x < zero ? zero : (x > six ? six : low);
  } else if constexpr (P.kind == activation_kind::leaky_relu) {
    return x > zero ? x : x * static_cast<T>(P.a());
  } else if constexpr (P.kind == activation_kind::hardswish) {
    const Vector shifted = x + T(3);
    const Vector r = shifted < zero ? zero : (shifted > six ? six : shifted);
    return x * r / T(6);
  } else if constexpr (P.kind == activation_kind::hardtanh || P.kind == activation_kind::clamp) {
    const Vector low = static_cast<T>(P.a()) - zero, high = static_cast<T>(P.b()) - zero;
    const Vector v = x < low ? low : x;
    return v > high ? high : v;
  } else if constexpr (P.kind == activation_kind::clamp_min) {
    const Vector low = static_cast<T>(P.a()) - zero;
    return x < low ? low : x;
  } else if constexpr (P.kind == activation_kind::clamp_max) {
    const Vector high = static_cast<T>(P.b()) - zero;
    return x > high ? high : x;
  } else if constexpr (P.kind == activation_kind::hardsigmoid && pytorch_hardsigmoid<P>) {
    const Vector shifted = x + T(3);
    return (shifted < zero ? zero : (shifted > six ? six : shifted)) / T(6);
  } else if constexpr (P.kind == activation_kind::hardsigmoid) {
    const Vector v = static_cast<T>(P.a()) * x + static_cast<T>(P.b()), one = T(1) - zero;
    return v < zero ? zero : (v > one ? one : v);
  } else {
    return x;
  }
}

// Softmax along one dim: exp(x - max) / sum, row by row; log_softmax: x - max - log(sum), as PyTorch's
// CPU kernels. Safe in place.
template <softmax_params P, shape In, layout L, class T>
constexpr void softmax_forward(const T* x, T* y) {
  constexpr int dim = normalize_dim(P.dim, In.rank);
  constexpr index_t n = In[dim];
  constexpr count_t rows = In.size() / n;
  shape rest = In;  // the shape of the other dims, to enumerate rows
  rest[dim] = 1;
  for (count_t row = 0; row < rows; ++row) {
    index_t idx[max_rank] = {};
    unravel(row, rest, idx);
    idx[dim] = 0;
    T largest = x[offset_of<L>(In, idx)];
    for (index_t i = 1; i < n; ++i) {
      idx[dim] = i;
      const T v = x[offset_of<L>(In, idx)];
      if (v > largest || math::isnan(v)) largest = v;
    }
    accumulator_t<T> sum{};
    for (index_t i = 0; i < n; ++i) {
      idx[dim] = i;
      const count_t at = offset_of<L>(In, idx);
      const T e = math::exp(x[at] - largest);
      if constexpr (!P.log) y[at] = e;
      sum += e;
    }
    const T log_sum = P.log ? math::log(static_cast<T>(sum)) : T(0);
    for (index_t i = 0; i < n; ++i) {
      idx[dim] = i;
      const count_t at = offset_of<L>(In, idx);
      if constexpr (P.log) {
        y[at] = x[at] - largest - log_sum;
      } else {
        y[at] /= static_cast<T>(sum);
      }
    }
  }
}

// Softmax and log_softmax in an int8 network, as PyTorch's quantized softmax: the float function of the
// dequantized inputs, quantized at the output's quantization. x - max = s (q - q_max), so exp(x - max)
// comes from a table of the 256 possible differences, made once per call.
template <class Node, layout L, activation_params A>
constexpr void run_int8(const softmax_params&, const int8_call& c) {
  constexpr softmax_params P = Node::type::params;
  constexpr shape In = Node::input_shape;
  constexpr int dim = normalize_dim(P.dim, In.rank);
  constexpr index_t n = In[dim];
  constexpr count_t rows = In.size() / n;
  float exp_of_difference[256] = {};  // exp(-s d), d = q_max - q
  for (int d = 0; d < 256; ++d) exp_of_difference[d] = math::exp(-c.in.scale * static_cast<float>(d));
  shape rest = In;
  rest[dim] = 1;
  for (count_t row = 0; row < rows; ++row) {
    index_t idx[max_rank] = {};
    unravel(row, rest, idx);
    std::int32_t largest = -128;
    for (index_t i = 0; i < n; ++i) {
      idx[dim] = i;
      const std::int32_t v = c.x[offset_of<L>(In, idx)];
      largest = v > largest ? v : largest;
    }
    float sum = 0.0f;
    for (index_t i = 0; i < n; ++i) {
      idx[dim] = i;
      sum += exp_of_difference[largest - c.x[offset_of<L>(In, idx)]];
    }
    const float log_sum = P.log ? math::log(sum) : 0.0f;
    for (index_t i = 0; i < n; ++i) {
      idx[dim] = i;
      const count_t at = offset_of<L>(In, idx);
      const int d = largest - c.x[at];
      const float r = P.log ? -c.in.scale * static_cast<float>(d) - log_sum : exp_of_difference[d] / sum;
      c.y[at] = quantize_value(r, c.out);
    }
  }
}

// What a register tile applies before its store: on a scalar, any activation; on a vector, the
// piecewise-linear ones (the rest follow with activate_stored).
template <activation_params P, class T, class Lanes>
constexpr Lanes activate_tile(Lanes x) {
  if constexpr (std::is_arithmetic_v<Lanes>) {
    return activate<P>(x);
  } else if constexpr (activates_in_registers<P>) {
    return activate_lanes<P, T>(x);
  } else {
    return x;
  }
}


template <class Node, layout L, class T>
constexpr void run_plain(const activation_params&, const T* x, const T*, T* y) {
  activation_forward<Node::type::params, Node::input_shape.size()>(x, y);
}

// The gradient with respect to x of an activation whose output's gradient is dy: PyTorch's backward
// formulas, including where a piecewise function's pieces meet (relu, hardtanh and relu6 pass nothing at
// their bounds; clamp passes dy at them; hardswish's middle piece is [-3, 3)).
template <activation_params P, class T>
constexpr T activation_gradient(T x, T dy) {
  if constexpr (P.kind == activation_kind::relu) {
    return x > T(0) ? dy : T(0);
  } else if constexpr (P.kind == activation_kind::relu6) {
    return x <= T(0) || x >= T(6) ? T(0) : dy;
  } else if constexpr (P.kind == activation_kind::leaky_relu) {
    return x > T(0) ? dy : dy * static_cast<T>(P.a());
  } else if constexpr (P.kind == activation_kind::sigmoid) {
    const T s = activate<P>(x);
    return dy * (T(1) - s) * s;
  } else if constexpr (P.kind == activation_kind::tanh) {
    const T t = math::tanh(x);
    return dy * (T(1) - t * t);
  } else if constexpr (P.kind == activation_kind::hardswish) {  // x = 3: dy, as PyTorch's vector path
    return x < T(-3) ? T(0) : (x < T(3) ? dy * (x / T(3) + T(0.5)) : dy);
  } else if constexpr (P.kind == activation_kind::silu) {
    const T s = T(1) / (T(1) + math::exp(-x));
    return dy * s * (T(1) + x * (T(1) - s));
  } else if constexpr (P.kind == activation_kind::gelu) {
    const T cdf = T(0.5) * (T(1) + math::erf(x * T(0.70710678118654752440)));
    const T pdf = math::exp(T(-0.5) * x * x) * T(0.39894228040143267794);
    return dy * (cdf + x * pdf);
  } else if constexpr (P.kind == activation_kind::gelu_tanh) {
    const T beta = T(0.79788456080286535588), kappa = T(0.044715);
    const T t = math::tanh(beta * (x + kappa * x * x * x));
    const T inner_derivative = beta * (T(1) + T(3) * kappa * x * x);
    return dy * (T(0.5) * (T(1) + t) + T(0.5) * x * (T(1) - t * t) * inner_derivative);
  } else if constexpr (P.kind == activation_kind::elu || P.kind == activation_kind::selu ||
                       P.kind == activation_kind::celu) {
    T alpha = T(1), scale = T(1), input_scale = T(1);
    if constexpr (P.kind == activation_kind::elu) {
      alpha = static_cast<T>(P.a());
      scale = static_cast<T>(P.b());
    } else if constexpr (P.kind == activation_kind::selu) {
      alpha = T(1.6732632423543772848170429916717);
      scale = T(1.0507009873554804934193349852946);
    } else {
      alpha = static_cast<T>(P.a());
      input_scale = static_cast<T>(1.0 / P.a());
    }
    return x > T(0) ? dy * scale : dy * (alpha * scale) * input_scale * math::exp(x * input_scale);
  } else if constexpr (P.kind == activation_kind::hardtanh) {
    return x <= static_cast<T>(P.a()) || x >= static_cast<T>(P.b()) ? T(0) : dy;
  } else if constexpr (P.kind == activation_kind::clamp) {
    return x >= static_cast<T>(P.a()) && x <= static_cast<T>(P.b()) ? dy : T(0);
  } else if constexpr (P.kind == activation_kind::clamp_min) {
    return x >= static_cast<T>(P.a()) ? dy : T(0);
  } else if constexpr (P.kind == activation_kind::clamp_max) {
    return x <= static_cast<T>(P.b()) ? dy : T(0);
  } else if constexpr (P.kind == activation_kind::hardsigmoid && pytorch_hardsigmoid<P>) {
    return x > T(-3) && x < T(3) ? dy / T(6) : T(0);
  } else if constexpr (P.kind == activation_kind::hardsigmoid && P.a_num == 0) {
    return T(0);  // a constant
  } else if constexpr (P.kind == activation_kind::hardsigmoid) {
    // a x + b in [0, 1], bounds included (torch.clamp's), decided against the breakpoints, not by
    // computing a x + b: whether a compiler fuses that into an FMA changes its sign right at a bound.
    constexpr double low = -P.b() / P.a(), high = (1.0 - P.b()) / P.a();
    const T from = static_cast<T>(low < high ? low : high), to = static_cast<T>(low < high ? high : low);
    return x >= from && x <= to ? dy * static_cast<T>(P.a()) : T(0);
  } else if constexpr (P.kind == activation_kind::softplus) {
    const T beta = static_cast<T>(P.a()), z = math::exp(x * beta);
    return x * beta > static_cast<T>(P.b()) ? dy : dy * z / (z + T(1));
  } else if constexpr (P.kind == activation_kind::mish) {
    const T s = T(1) / (T(1) + math::exp(-x)), t = math::tanh(math::log1p(math::exp(x)));
    return dy * (t + x * s * (T(1) - t * t));
  } else {
    return dy;
  }
}
template <class Node, layout L, class T>
constexpr void run_backward(const activation_params&, const backward_call<T>& c) {
  constexpr activation_params P = Node::type::params;
  if (c.dx == nullptr) return;
  for (count_t i = 0; i < Node::input_shape.size(); ++i) c.dx[i] += activation_gradient<P>(c.x[i], c.dy[i]);
}
// In an int8 network a clamp on its own keeps its input's quantization (as PyTorch's quantized relu and
// hardtanh) and clamps the integers; after a convolution or linear layer it is fused into their output.
template <class Node, layout L, activation_params A>
  requires(clamps_int8_output<Node::type::params>)
constexpr void run_int8(const activation_params&, const int8_call& c) {
  const output_stage s = output_stage_for<Node::type::params>(c.out);
  for (count_t i = 0; i < Node::output_shape.size(); ++i) {
    const std::int32_t v = c.x[i];
    c.y[i] = static_cast<std::int8_t>(v < s.low ? s.low : (v > s.high ? s.high : v));
  }
}
// Every other element-wise activation in an int8 network: a table of its outputs for the 256 inputs, built
// from the two quantizations (fill_int8_table, by finish_quantization: the float activation of each
// dequantized input, quantized), as PyTorch's quantized sigmoid, tanh, hardswish and ELU compute it.
template <activation_params P>
constexpr void fill_int8_table(const quantization& in, const quantization& out, std::int8_t* table) {
  for (int q = -128; q < 128; ++q) table[q + 128] = quantize_value(activate<P>(dequantize_value(static_cast<std::int8_t>(q), in)), out);
}
template <class Node, layout L, activation_params A>
  requires(!clamps_int8_output<Node::type::params>)
constexpr void run_int8(const activation_params&, const int8_call& c) {
  for (count_t i = 0; i < Node::output_shape.size(); ++i) c.y[i] = c.table[c.x[i] + 128];
}
// PReLU: x for x >= 0, slope x below, with the slope of x's channel (or the one slope).
template <index_t Slopes, shape In, layout L, class T>
constexpr void prelu_forward(const T* x, const T* slopes, T* y) {
  for_each_element<L>(dims_of(In), [&](index_t c, index_t, index_t, index_t, count_t at) {
    y[at] = x[at] > T(0) ? x[at] : slopes[Slopes == 1 ? 0 : c] * x[at];
  });
}

template <class Node, layout L, class T>
constexpr void run_plain(const prelu_params&, const T* x, const T* w, T* y) {
  prelu_forward<Node::type::params.num_parameters, Node::input_shape, L>(x, w, y);
}
// In an int8 network: the float PReLU of the dequantized input, quantized (PyTorch's quantized PReLU).
template <class Node, layout L, activation_params A>
constexpr void run_int8(const prelu_params&, const int8_call& c) {
  constexpr index_t slopes = Node::type::params.num_parameters;
  for_each_element<L>(dims_of(Node::input_shape), [&](index_t ch, index_t, index_t, index_t, count_t at) {
    const float x = dequantize_value(c.x[at], c.in);
    c.y[at] = quantize_value(x > 0.0f ? x : c.floats[slopes == 1 ? 0 : ch] * x, c.out);
  });
}
template <class Node, layout L, class T>
constexpr void run_plain(const softmax_params&, const T* x, const T*, T* y) {
  softmax_forward<Node::type::params, Node::input_shape, L>(x, y);
}

// PReLU's backward: dy below zero scaled by the slope into dx, x dy into the slope's gradient.
template <class Node, layout L, class T>
constexpr void run_backward(const prelu_params&, const backward_call<T>& c) {
  constexpr index_t slopes = Node::type::params.num_parameters;
  for_each_element<L>(dims_of(Node::input_shape), [&](index_t ch, index_t, index_t, index_t, count_t at) {
    const index_t s = slopes == 1 ? 0 : ch;
    const bool positive = c.x[at] > T(0);
    if (c.dx != nullptr) c.dx[at] += positive ? c.dy[at] : c.w[s] * c.dy[at];
    if (c.dw != nullptr && !positive) c.dw[s] += c.x[at] * c.dy[at];
  });
}

// Softmax's backward from its output, row by row: y (dy - sum(dy y)); log_softmax's: dy - exp(y) sum(dy).
template <class Node, layout L, class T>
constexpr void run_backward(const softmax_params&, const backward_call<T>& c) {
  constexpr softmax_params P = Node::type::params;
  constexpr shape In = Node::input_shape;
  constexpr int dim = normalize_dim(P.dim, In.rank);
  constexpr index_t n = In[dim];
  if (c.dx == nullptr) return;
  shape rest = In;
  rest[dim] = 1;
  for (count_t row = 0; row < In.size() / n; ++row) {
    index_t idx[max_rank] = {};
    unravel(row, rest, idx);
    accumulator_t<T> sum{};
    for (index_t i = 0; i < n; ++i) {
      idx[dim] = i;
      const count_t at = offset_of<L>(In, idx);
      sum += P.log ? c.dy[at] : c.dy[at] * c.y[at];
    }
    for (index_t i = 0; i < n; ++i) {
      idx[dim] = i;
      const count_t at = offset_of<L>(In, idx);
      c.dx[at] += P.log ? c.dy[at] - math::exp(c.y[at]) * static_cast<T>(sum) : c.y[at] * (c.dy[at] - static_cast<T>(sum));
    }
  }
}

}  // namespace ctnn
