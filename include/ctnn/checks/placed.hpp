// ctnn/checks/placed.hpp: layers and chains placed at their input shape, checked.
//
//   placed_chain<In, chain<L...>>   ::output_shape, ::shapes[i] (input of layer i), ::layer<i>
//   layer_t<net, i>                 layer i at its input: ::input_shape, ::output_shape, ::weight_shape
//   branch_t<layer_t<net, i>, b>    branch b of a residual / concat block, as a placed chain
//
// Instantiating a placed chain checks it: the first layer that breaks its shape rule stops compilation
// with ctnn::invalid_network<...> naming the layer and the values (ctnn/checks/diagnostics.hpp).
#pragma once

#include <array>
#include <cstddef>

#include <boost/mp11/algorithm.hpp>

#include "ctnn/checks/diagnostics.hpp"
#include "ctnn/shapes/graph.hpp"

namespace ctnn {

template <shape In, class Chain, bool Report = true>
struct placed_chain;

namespace detail {
template <class Layer, shape In>
struct placed_mask {};
// Layers that read and write a mask (partial convolution) also report its shapes.
template <class Layer, shape In>
  requires requires { mask_shapes(Layer::params, In); }
struct placed_mask<Layer, In> {
  static constexpr shape mask_shape = mask_shapes(Layer::params, In).in;
  static constexpr shape updated_mask_shape = mask_shapes(Layer::params, In).out;
};
}  // namespace detail

// A layer at its place in a network: what it receives and what it produces.
template <class Layer, shape In>
struct placed_layer : detail::placed_mask<Layer, In> {
  using type = Layer;
  static constexpr shape input_shape = In;
  static constexpr layer_shapes result = layer_rule<Layer>(In);
  static constexpr shape output_shape = result.out;
  static constexpr shape weight_shape = result.weight;  // PyTorch order, rank 0 when none
  static constexpr shape weight_shape_hwio = hwio(result.weight);
  static constexpr shape bias_shape = result.bias;

  // Branch B of a residual or concat block, as a chain placed at the block's input.
  template <std::size_t B, class Block = Layer>
    requires requires { typename Block::branches; } && (B < boost::mp11::mp_size<typename Block::branches>::value)
  using branch = placed_chain<In, boost::mp11::mp_at_c<typename Block::branches, B>, false>;
};

namespace detail {
// Branches are reported by the chain that holds their block, and must not be even instantiated
// for reporting: a `Report && check_chain<...>()` would instantiate the check anyway.
template <bool Report, class Layers, layer_error E>
constexpr bool report_if() {
  if constexpr (Report) {
    return check_chain<Layers, E>();
  } else {
    return true;
  }
}
}  // namespace detail

template <shape In, class... Layers, bool Report>
struct placed_chain<In, chain<Layers...>, Report> {
  using layers = boost::mp11::mp_list<Layers...>;
  static constexpr std::size_t size = sizeof...(Layers);
  static constexpr chain_trace<size> trace = trace_chain<Layers...>(In);
  // Branches are reported by the chain that holds their block; an invalid input by the network.
  static_assert(detail::report_if<Report, layers, trace.error>());

  static constexpr shape input_shape = In;
  static constexpr shape output_shape = trace.output();
  static constexpr const std::array<shape, size + 1>& shapes = trace.shapes;

  template <std::size_t I>
    requires(I < size)
  using layer = placed_layer<boost::mp11::mp_at_c<layers, I>, trace.shapes[I]>;
};

// The first error of a network as a value, without the compile error: for tools and tests that ask
// whether a network is valid (`static_assert(!ctnn::is_valid_network<...>)`).
template <class Input, class... Layers>
constexpr layer_error network_error() {
  if (const layer_error e = input_error(Input::params)) return e;
  return trace_chain<Layers...>(Input::params.dims).error;
}
template <class Input, class... Layers>
inline constexpr bool is_valid_network = !network_error<Input, Layers...>();

template <class Net, std::size_t I>
using layer_t = typename Net::template layer<I>;

template <class PlacedBlock, std::size_t B>
using branch_t = typename PlacedBlock::template branch<B>;

}  // namespace ctnn
