// ctnn/kernels/activation.hpp: element-wise activations and softmax (declaration:
// ctnn/layers/activation.hpp). Element-wise layers may run in place (y == x).
#pragma once

#include <type_traits>

#include "ctnn/kernels/math.hpp"
#include "ctnn/kernels/tensor.hpp"
#include "ctnn/shapes/activation.hpp"

namespace ctnn {

// The formulas are PyTorch's; comparisons are written so that NaN propagates as in PyTorch.
template <activation_params P, class T>
constexpr T activate(T x) {
  if constexpr (P.kind == activation_kind::relu) {
    return x < T(0) ? T(0) : x;
  } else if constexpr (P.kind == activation_kind::relu6) {
    return x < T(0) ? T(0) : (x > T(6) ? T(6) : x);
  } else if constexpr (P.kind == activation_kind::leaky_relu) {
    return x > T(0) ? x : x * static_cast<T>(static_cast<double>(P.slope_num) / static_cast<double>(P.slope_den));
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

template <activation_params P, class T>
constexpr void activate_stored(T* y, index_t count) {
  if constexpr (P.kind != activation_kind::identity)
    for (index_t i = 0; i < count; ++i) y[i] = activate<P>(y[i]);
}

// The piecewise-linear activations on a GNU vector of T, in registers before the store, with the same
// operations as activate<P> (NaN propagates the same way); the others are applied after the store.
template <activation_params P>
inline constexpr bool activates_in_registers =
    P.kind == activation_kind::identity || P.kind == activation_kind::relu || P.kind == activation_kind::relu6 ||
    P.kind == activation_kind::leaky_relu || P.kind == activation_kind::hardswish;

template <activation_params P, class T, class Vector>
constexpr Vector activate_lanes(Vector x) {
  const Vector zero{}, six = T(6) - zero;
  if constexpr (P.kind == activation_kind::relu) {
    return x < zero ? zero : x;
  } else if constexpr (P.kind == activation_kind::relu6) {
    const Vector low = x < zero ? zero : x;
    return x < zero ? zero : (x > six ? six : low);
  } else if constexpr (P.kind == activation_kind::leaky_relu) {
    return x > zero ? x : x * static_cast<T>(static_cast<double>(P.slope_num) / static_cast<double>(P.slope_den));
  } else if constexpr (P.kind == activation_kind::hardswish) {
    const Vector shifted = x + T(3);
    const Vector r = shifted < zero ? zero : (shifted > six ? six : shifted);
    return x * r / T(6);
  } else {
    return x;
  }
}

// Softmax along one dim: exp(x - max) / sum, row by row; safe in place.
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
      y[at] = math::exp(x[at] - largest);
      sum += y[at];
    }
    for (index_t i = 0; i < n; ++i) {
      idx[dim] = i;
      y[offset_of<L>(In, idx)] /= static_cast<T>(sum);
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
template <class Node, layout L, class T>
constexpr void run_plain(const softmax_params&, const T* x, const T*, T* y) {
  softmax_forward<Node::type::params, Node::input_shape, L>(x, y);
}

}  // namespace ctnn
