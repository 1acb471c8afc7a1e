// ctnn/layers/graph.hpp: the structure of a network: its input, chains of layers and branches.
//
//   ctnn::input<3, 224, 224>                         one sample: C, then spatial dims
//   ctnn::input<3, 224, 224>::with<ctnn::batch<8>, ctnn::nhwc>
//   ctnn::chain<L...>                                layers applied one after the other
//   ctnn::residual<Main, Shortcut = chain<>>         Main(x) + Shortcut(x), shapes must be equal; the
//                                                    empty chain is the identity shortcut
//   ctnn::concat<B...>                               B0(x), B1(x), ... joined along the channels
//   ctnn::multiply<Main, Gate>                       Main(x) * Gate(x), the gate's dims of extent 1
//                                                    broadcast (squeeze-and-excitation: a [C, 1, 1] gate)
//   ctnn::squeeze_excitation<C, S, ...>              x * sigmoid(conv1x1(relu(conv1x1(avg_pool(x))))),
//                                                    torchvision's SqueezeExcitation (ctnn/layers/blocks.hpp)
//
// A branch is a chain<...> or a single layer; a chain is also a layer. A block can be given a name by
// deriving from it, `struct stem : ctnn::chain<...> {};`: diagnostics and summaries then print `stem`
// instead of the whole chain. Shape rules: ctnn/shapes/graph.hpp.
#pragma once

#include <boost/mp11/list.hpp>

#include "ctnn/core/shape.hpp"

namespace ctnn {

enum class layout : int { nchw, nhwc };  // NCHW also stands for NCL / NCDHW, NHWC for NLC / NDHWC.

template <index_t N>
struct batch {
  static constexpr index_t batch_size = N;
};
struct nchw {
  static constexpr layout memory = layout::nchw;
};
struct nhwc {
  static constexpr layout memory = layout::nhwc;
};

namespace detail {
template <class T>
concept input_option = requires { T::batch_size; } || requires { T::memory; };
}  // namespace detail

struct input_params {
  shape dims;
  index_t batch = 1;
  layout memory = layout::nchw;
  bool repeated_batch = false, repeated_layout = false;  // an option kind given twice (batch<2>, batch<8>): an error
};

namespace detail {
template <class... Options>
constexpr input_params configure_input(input_params p) {
  int batches = 0, layouts = 0;
  ([&] {
    if constexpr (requires { Options::batch_size; }) {
      p.batch = Options::batch_size;
      ++batches;
    } else {
      p.memory = Options::memory;
      ++layouts;
    }
  }(), ...);
  p.repeated_batch = batches > 1;
  p.repeated_layout = layouts > 1;
  return p;
}
}  // namespace detail

// The network input, one sample: dims are channel-first whatever the layout, so that shapes read the
// same in NCHW and NHWC networks; the layout decides the activations' memory order and, for prepared
// weights, their packing. The batch size is what forward_batch and the summaries use.
//   ctnn::input<1, 32, 32>                             batch 1, NCHW
//   ctnn::input<1, 32, 32>::with<ctnn::batch<8>, ctnn::nhwc>
template <index_t... Dims>
  requires(sizeof...(Dims) <= max_rank)  // deeper ranks are reported by the input check, up to here
struct input {
  static constexpr input_params params{shape{Dims...}, 1, layout::nchw};
  static constexpr const char* name = "input";
  using plain = input;

  template <class... Options>
    requires(detail::input_option<Options> && ...)
  struct with {
    static constexpr input_params params = detail::configure_input<Options...>({shape{Dims...}, 1, layout::nchw});
    static constexpr const char* name = "input";
    using plain = input;  // the same input without options
  };
};

template <class T>
concept input_declaration = requires { T::params.dims; T::params.batch; };

// The layer that returns its input: an identity branch of a concat, a placeholder.
struct identity_layer {
  struct params_t {
    friend constexpr bool operator==(const params_t&, const params_t&) = default;
  };
  static constexpr params_t params{};
  static constexpr const char* name = "identity";
};

// What kind of block a layer with branches is; the merge that joins its branches.
// (unpool: ctnn::max_unpool, declared with the pooling layers, ctnn/layers/pool.hpp)
enum class block_kind : int { chain, add, concat, multiply, unpool };

template <class... Layers>
struct chain_params {};

// A chain is also a layer, so that a network can be written from named parts:
//   using encoder = chain<conv2d<64, 3, pad<1>>, relu>;   sequential<input<3, 64, 64>, encoder, ...>
template <class... Layers>
struct chain {
  using self = chain;
  using layers = boost::mp11::mp_list<Layers...>;
  using branches = boost::mp11::mp_list<chain>;  // as a layer, a chain is a block of one branch
  static constexpr block_kind kind = block_kind::chain;
  static constexpr chain_params<Layers...> params{};
  static constexpr const char* name = "chain";
};

namespace detail {
template <class B>
struct as_chain {
  using type = chain<B>;
};
template <class B>
  requires(requires { typename B::layers; })  // a chain, or a block named by deriving from one
struct as_chain<B> {
  using type = B;
};
}  // namespace detail

// A branch written as a single layer means a chain of that one layer.
template <class Branch>
using as_chain_t = typename detail::as_chain<Branch>::type;

template <class... Branches>
struct residual_params {};
template <class... Branches>
struct concat_params {};

template <class Main, class Shortcut = chain<>>
struct residual {
  using self = residual;
  using branches = boost::mp11::mp_list<as_chain_t<Main>, as_chain_t<Shortcut>>;
  static constexpr block_kind kind = block_kind::add;
  static constexpr residual_params<as_chain_t<Main>, as_chain_t<Shortcut>> params{};
  static constexpr const char* name = "residual";
};

template <class... Branches>
struct multiply_params {};

// The gate scales the main branch: y = Main(x) * Gate(x), each dim of the gate equal to the main
// branch's or 1 (broadcast), as PyTorch's `x * scale` with scale of shape [C, 1, 1].
template <class Main, class Gate>
struct multiply {
  using self = multiply;
  using branches = boost::mp11::mp_list<as_chain_t<Main>, as_chain_t<Gate>>;
  static constexpr block_kind kind = block_kind::multiply;
  static constexpr multiply_params<as_chain_t<Main>, as_chain_t<Gate>> params{};
  static constexpr const char* name = "multiply";
};

template <class... Branches>
struct concat {
  using self = concat;
  using branches = boost::mp11::mp_list<as_chain_t<Branches>...>;
  static constexpr block_kind kind = block_kind::concat;
  static constexpr concat_params<as_chain_t<Branches>...> params{};
  static constexpr const char* name = "concat";
};

// A layer made of branches: residual, concat, multiply, max_unpool, or a chain used as a layer (named or
// not). `self` is the block template's own instantiation (what a named block derives from).
template <class Layer>
concept block_layer = requires {
  typename Layer::branches;
  typename Layer::self;
  Layer::kind;
};

}  // namespace ctnn
