// ctnn/checks/placed.hpp: layers and chains placed at their input shape.
//
//   placed_chain_t<In, chain<L...>>   ::output_shape, ::shapes[i] (input of layer i), ::layer<i>
//   layer_t<net, i>                   layer i at its input: ::input_shape, ::output_shape, ::weight_shape
//   branch_t<layer_t<net, i>, b>      branch b of a residual / concat block, as a placed chain
//
// Placing does not report: the network (ctnn/network.hpp) turns its first error into the compile
// error. Past that error every shape is unknown (ctnn/core/shape.hpp), so that asking for it adds no
// second error. An index out of range is a ctnn error of its own.
#pragma once

#include <array>
#include <cstddef>

#include <boost/mp11/algorithm.hpp>

#include "ctnn/checks/diagnostics.hpp"
#include "ctnn/core/type_tree.hpp"
#include "ctnn/shapes/graph.hpp"

namespace ctnn {

template <shape In, class Chain>
struct placed_chain;

// A chain, or a block named by deriving from one, placed at In.
template <shape In, class Chain>
using placed_chain_t = placed_chain<In, boost::mp11::mp_rename<typename Chain::layers, chain>>;

namespace detail {
template <class Layer, shape In>
struct placed_mask {};
// Layers that read and write a mask (partial convolution) also report its shapes.
template <class Layer, shape In>
  requires(!In.unknown && requires { mask_shapes(Layer::params, In); })
struct placed_mask<Layer, In> {
  static constexpr shape mask_shape = mask_shapes(Layer::params, In).in;
  static constexpr shape updated_mask_shape = mask_shapes(Layer::params, In).out;
};

template <class Layer>
constexpr layer_shapes rule_at(const shape& in) {
  if (in.unknown) return fail(layer_error{});  // past an error: nothing is known, nothing reported
  return layer_rule<Layer>(in);
}
}  // namespace detail

// A layer at its place in a network: what it receives and what it produces.
template <class Layer, shape In>
struct placed_layer : detail::placed_mask<Layer, In> {
  using type = Layer;
  static constexpr shape input_shape = In;
  static constexpr layer_shapes result = detail::rule_at<Layer>(In);
  static constexpr bool valid = !In.unknown && !result.error;
  static constexpr shape output_shape = valid ? result.out : unknown_shape();
  static constexpr shape weight_shape = valid ? result.weight : unknown_shape();  // PyTorch order, rank 0 when none
  static constexpr shape weight_shape_hwio = valid ? hwio(result.weight) : unknown_shape();
  static constexpr shape bias_shape = valid ? result.bias : unknown_shape();

  // Branch B of a residual or concat block, as a chain placed at the block's input.
  template <std::size_t B, class Block = Layer>
    requires block_layer<Block> && (B < boost::mp11::mp_size<typename Block::branches>::value)
  using branch = placed_chain_t<In, boost::mp11::mp_at_c<typename Block::branches, B>>;
};

namespace detail {
// Layer i of a chain with the trace's shape i: expanded once, in lockstep, keyed by the trace's type.
template <class Trace, class Index, class... Layers>
struct place_layers;
template <class Trace, std::size_t... I, class... Layers>
struct place_layers<Trace, std::index_sequence<I...>, Layers...> {
  using type = boost::mp11::mp_list<placed_layer<Layers, Trace::value.shapes[I]>...>;
};
template <shape In, class... Layers>
struct traced {
  static constexpr chain_trace<sizeof...(Layers)> value = trace_chain<Layers...>(In);
};
}  // namespace detail

namespace detail {
// Layer I of a placed chain, or a ctnn error when I is out of range. Aliases only when in range: a
// class per index would cost a thousand instantiations for a thousand lookups.
template <bool InRange>
struct layer_lookup {
  template <class Placed, std::size_t I>
  using at = typename Placed::index::tree::template at<I>;
};
template <class Placed, std::size_t I>
struct layer_out_of_range;
template <>
struct layer_lookup<false> {
  template <class Placed, std::size_t I>
  using at = typename layer_out_of_range<Placed, I>::type;
};
template <class Placed, std::size_t I>
using layer_at = typename layer_lookup<(I < Placed::size)>::template at<Placed, I>;
}  // namespace detail

template <shape In, class... Layers>
struct placed_chain<In, chain<Layers...>> {
  using layers = boost::mp11::mp_list<Layers...>;
  static constexpr std::size_t size = sizeof...(Layers);
  static constexpr const chain_trace<size>& trace = detail::traced<In, Layers...>::value;

  static constexpr shape input_shape = In;
  static constexpr shape output_shape = trace.output();
  static constexpr const std::array<shape, size + 1>& shapes = trace.shapes;

  // Every layer placed at its input, in order, and a tree for finding layer i in O(log N): built on
  // first use (a member alias would be built with every chain).
  struct index {
    using placed_layers =
        typename detail::place_layers<detail::traced<In, Layers...>, std::index_sequence_for<Layers...>, Layers...>::type;
    using tree = type_tree<placed_layers>;
  };
  template <std::size_t I>
  using layer = detail::layer_at<placed_chain, I>;
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

namespace detail {
// A placed layer that is not there: every shape unknown, so that nothing else fails.
struct missing_layer {
  static constexpr const char* name = "missing";
};

template <class Placed, std::size_t I>
struct layer_out_of_range {
  static_assert(require<false, boost::mp11::mp_list<facts::layer_index<I>, facts::out_of_range_for_size<Placed::size>>>());
  using type = placed_layer<missing_layer, unknown_shape()>;
};
template <class PlacedBlock, std::size_t B>
struct branch_lookup {
  using block_type = typename PlacedBlock::type;
  static constexpr std::size_t count = [] {
    if constexpr (block_layer<block_type>) {
      return boost::mp11::mp_size<typename block_type::branches>::value;
    } else {
      return std::size_t{0};
    }
  }();
  static constexpr bool in_range = B < count;
  static_assert(require<in_range, boost::mp11::mp_list<facts::branch_index<B>, facts::out_of_range_for_size<count>>>());
  template <bool InRange, int = 0>
  struct pick {
    using type = typename PlacedBlock::template branch<B>;
  };
  template <int Unused>
  struct pick<false, Unused> {
    using type = placed_chain<unknown_shape(), chain<>>;
  };
  using type = typename pick<in_range>::type;
};
}  // namespace detail

// Layer I of a network (or of a placed chain, such as a branch) at its place.
template <class Net, std::size_t I>
using layer_t = detail::layer_at<Net, I>;

// Branch B of a placed block layer, as a placed chain.
template <class PlacedBlock, std::size_t B>
using branch_t = typename detail::branch_lookup<PlacedBlock, B>::type;

}  // namespace ctnn
