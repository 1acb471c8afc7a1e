// ctnn/plan/weights.hpp: one aggregate holding every layer's parameters, sized by the shape stage.
//
//   net::weights w;                         float; net::weights_of<double> for another element type
//   std::get<0>(w).weight                   layer 0's weight, PyTorch order (conv OIHW, linear [out, in])
//   std::get<i>(w).bias
//   std::get<b>(std::get<i>(w))             branch b of a block layer i: the tuple of its layers' weights
//   load_weights(w, flat)                   fills everything from PyTorch's state_dict order
//
// Batch norm holds weight, bias, running_mean and running_var. Layers without parameters hold nothing.
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <tuple>
#include <utility>

#include <boost/mp11/algorithm.hpp>

#include "ctnn/checks/placed.hpp"
#include "ctnn/layers/batch_norm.hpp"

namespace ctnn {

template <class T, count_t WeightSize, count_t BiasSize>
struct layer_weights {
  std::array<T, WeightSize> weight{};
  std::array<T, BiasSize> bias{};
};

template <class T, count_t Channels>
struct batch_norm_weights {
  std::array<T, Channels> weight{}, bias{}, running_mean{}, running_var{};
};

struct no_weights {};

namespace detail {
template <class Placed, class T>
struct chain_weights;

// Elements of a parameter tensor; a rank-0 shape means "none" here, not a scalar.
constexpr count_t parameter_elements(const shape& s) { return s.rank == 0 ? 0 : s.size(); }

template <class Layer, shape In, class T>
struct weights_for {
  using placed = placed_layer<Layer, In>;
  using type = std::conditional_t<(placed::weight_shape.rank > 0),
                                  layer_weights<T, parameter_elements(placed::weight_shape),
                                                parameter_elements(placed::bias_shape)>,
                                  no_weights>;
};
template <int Rank, index_t C, shape In, class T>
struct weights_for<batch_norm<Rank, C>, In, T> {
  using type = batch_norm_weights<T, In[0]>;
};
template <index_t C, shape In, class T>
struct weights_for<batch_norm1d<C>, In, T> : weights_for<batch_norm<1, C>, In, T> {};
template <index_t C, shape In, class T>
struct weights_for<batch_norm2d<C>, In, T> : weights_for<batch_norm<2, C>, In, T> {};
template <index_t C, shape In, class T>
struct weights_for<batch_norm3d<C>, In, T> : weights_for<batch_norm<3, C>, In, T> {};

// A block (residual, concat, or a chain used as a layer) holds one tuple per branch.
template <class Layer, shape In, class T>
  requires requires { typename Layer::branches; }
struct weights_for<Layer, In, T> {
  using placed = placed_layer<Layer, In>;
  template <class B>
  using branch_weights = typename chain_weights<typename placed::template branch<B::value>, T>::type;
  using type = boost::mp11::mp_apply<
      std::tuple, boost::mp11::mp_transform<branch_weights,
                                            boost::mp11::mp_iota_c<boost::mp11::mp_size<typename Layer::branches>::value>>>;
};

template <class Placed, class T, class = std::make_index_sequence<Placed::size>>
struct chain_weights_impl;
template <class Placed, class T, std::size_t... I>
struct chain_weights_impl<Placed, T, std::index_sequence<I...>> {
  using type = std::tuple<
      typename weights_for<boost::mp11::mp_at_c<typename Placed::layers, I>, Placed::trace.shapes[I], T>::type...>;
};
template <class Placed, class T>
struct chain_weights : chain_weights_impl<Placed, T> {};
}  // namespace detail

// The weights of a placed chain (a network or a branch) with element type T.
template <class Placed, class T>
using chain_weights_t = typename detail::chain_weights<Placed, T>::type;

// ---- visiting every parameter array in PyTorch's state_dict order ------------------------------
// f(std::span<T>) for each array: weight, bias (batch norm: weight, bias, running_mean, running_var),
// layer after layer, branches in order.
template <class T, count_t W, count_t B, class F>
constexpr void for_each_array(layer_weights<T, W, B>& w, F&& f) {
  f(std::span<T>(w.weight));
  if constexpr (B > 0) f(std::span<T>(w.bias));
}
template <class T, count_t C, class F>
constexpr void for_each_array(batch_norm_weights<T, C>& w, F&& f) {
  f(std::span<T>(w.weight));
  f(std::span<T>(w.bias));
  f(std::span<T>(w.running_mean));
  f(std::span<T>(w.running_var));
}
template <class F>
constexpr void for_each_array(no_weights&, F&&) {}
template <class... W, class F>
constexpr void for_each_array(std::tuple<W...>& w, F&& f) {
  // A table of visitors, not a fold: networks may have more layers than a fold may expand.
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    using visit = void (*)(std::tuple<W...>&, F&);
    const visit table[sizeof...(W) + 1] = {
        [](std::tuple<W...>& all, F& g) { for_each_array(std::get<I>(all), g); }..., nullptr};
    for (std::size_t i = 0; i != sizeof...(W); ++i) table[i](w, f);
  }(std::index_sequence_for<W...>{});
}

struct load_result {
  bool ok = false;
  count_t expected = 0;  // numbers the weights hold
  count_t given = 0;     // numbers supplied
};

// Fills `w` from one flat array in PyTorch's state_dict order (num_batches_tracked left out). Refuses
// a wrong count and leaves `w` untouched then.
template <class Weights, class T>
constexpr load_result load_weights(Weights& w, std::span<const T> flat) {
  load_result r;
  r.given = static_cast<count_t>(flat.size());
  for_each_array(w, [&](auto array) { r.expected += static_cast<count_t>(array.size()); });
  if (r.expected != r.given) return r;
  std::size_t at = 0;
  for_each_array(w, [&](auto array) {
    for (auto& v : array) v = static_cast<std::remove_reference_t<decltype(v)>>(flat[at++]);
  });
  r.ok = true;
  return r;
}

}  // namespace ctnn
