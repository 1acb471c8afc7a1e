// ctnn/network.hpp: a network type: its input, its layers, and everything the compiler derives.
//
//   using net = ctnn::sequential<ctnn::input<1, 32, 32>, ctnn::conv2d<6, 5>, ctnn::relu, ...>;
//   net::output_shape, net::shapes[i], ctnn::layer_t<net, i>     shapes (ctnn/checks/placed.hpp)
//   net::weights                  every layer's parameters, float (net::weights_of<T> for another T)
//   ctnn::memory_plan_of<net>     where every activation lives (ctnn/plan/memory.hpp); with prepared
//                                 weights, ctnn::fused_memory_plan_of<net>
//   ctnn::static_arena<net> a;    the activations' memory, sizeof known at compile time
//   net::forward(w, x, a)         runs the network: no heap, no exceptions, no virtual calls
//   ctnn::prepare<net>(w)         the weights repacked for the fast kernels; forward(prepared, x, a)
//   net::params, net::macs, net::weight_bytes, net::arena_bytes, ctnn::summary_of<net>   its costs
//
// Instantiating the network checks it: the first layer that breaks its shape rule stops compilation
// with ctnn::invalid_network<...> naming the layer and the values (ctnn/checks/diagnostics.hpp).
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <type_traits>

#include "ctnn/analysis/summary.hpp"
#include "ctnn/checks/placed.hpp"
#include "ctnn/kernels/forward.hpp"
#include "ctnn/plan/memory.hpp"
#include "ctnn/plan/weights.hpp"

namespace ctnn {

template <class Net, class T = float>
struct static_arena;

// The memory plan of a network, computed when first used (a class member would be computed with
// every network type, even one that is only shape-checked).
template <class Net>
inline constexpr auto memory_plan_of = make_memory_plan<typename Net::chain_type, Net::memory_layout>();

// The plan forward runs on with prepared weights: fused groups (ctnn/plan/lowering.hpp) as one step.
template <class Net>
inline constexpr auto fused_memory_plan_of = make_memory_plan<typename Net::chain_type, Net::memory_layout, true>();

// Room for either plan: one arena serves both kinds of weights.
template <class Net>
inline constexpr count_t arena_elements_of = memory_plan_of<Net>.arena_elements > fused_memory_plan_of<Net>.arena_elements
                                                 ? memory_plan_of<Net>.arena_elements
                                                 : fused_memory_plan_of<Net>.arena_elements;

// Every layer's figures (ctnn/analysis/summary.hpp), also computed when first used.
template <class Net>
inline constexpr auto summary_of = make_summary<typename Net::chain_type>();

// The first argument must be the input: sequential<input<C, H, W>, layers...>.
template <class Input, class... Layers>
  requires input_declaration<Input>
struct sequential : placed_chain<Input::params.dims, chain<Layers...>, !input_error(Input::params)> {
  using chain_type = placed_chain<Input::params.dims, chain<Layers...>, !input_error(Input::params)>;
  static_assert(check_input_declaration<Input, input_error(Input::params)>());

  using input = Input;
  static constexpr index_t batch = Input::params.batch;
  static constexpr layout memory_layout = Input::params.memory;
  static constexpr count_t input_size = chain_type::input_shape.size();
  static constexpr count_t output_size = chain_type::output_shape.size();

  // Totals, for static_assert: learned parameters (PyTorch's parameters()), multiply-accumulates
  // (ctnn/analysis/cost.hpp), the bytes of every float weight and buffer, and of the activation arena.
  // Explicitly typed, so each is computed only when used.
  static constexpr count_t params = summary_of<sequential>.params;
  static constexpr count_t macs = summary_of<sequential>.macs;
  static constexpr count_t weight_bytes =
      (summary_of<sequential>.params + summary_of<sequential>.buffers) * static_cast<count_t>(sizeof(float));
  static constexpr count_t arena_bytes = arena_elements_of<sequential> * static_cast<count_t>(sizeof(float));

  template <class T>
  using weights_of = chain_weights_t<chain_type, T>;
  // The same weights repacked for the fast kernels (ctnn/kernels/prepared.hpp): ctnn::prepare<net>(w).
  template <class T>
  using prepared_weights_of = prepared_chain_t<chain_type, memory_layout, T>;
  // A class, not an alias, so that a network that is only shape-checked never builds its weights type.
  struct weights : weights_of<float> {};


  // Runs one sample: `x` holds input_size elements in the network's layout; the result is a view of
  // output_size elements in `arena`, valid until the arena's next use.
  // With net::weights, the plain loops; with prepared weights, the fast kernels.
  template <class W, class X, class T>
    requires std::is_base_of_v<weights_of<T>, W> || std::is_same_v<prepared_weights_of<T>, W>
  static constexpr std::span<const T, output_size> forward(const W& w, const X& x, static_arena<sequential, T>& arena) {
    constexpr bool prepared = std::is_same_v<prepared_weights_of<T>, W>;
    constexpr auto& plan = prepared ? fused_memory_plan_of<sequential> : memory_plan_of<sequential>;
    const std::span<const T, input_size> in(x);
    detail::run_state<T, plan.steps.size()> state{plan, in.data(), arena.data.data()};
    if constexpr (prepared) {
      detail::run_chain<chain_type, memory_layout>(state, w);
    } else {
      detail::run_chain<chain_type, memory_layout>(state, static_cast<const weights_of<T>&>(w));
    }
    const int result = plan.steps.size() == 0 ? 0 : plan.steps[plan.steps.size() - 1].output;
    return std::span<const T, output_size>(state.read(result), output_size);
  }
};

// The same network with its activations in another memory layout (shapes and weights are unchanged):
//   using fast = ctnn::relayout_t<lenet, ctnn::layout::nhwc>;
template <class Net, layout L>
struct relayout;
template <index_t... Dims, class... Layers, layout L>
struct relayout<sequential<input<Dims...>, Layers...>, L> {
  using type = sequential<typename input<Dims...>::template with<std::conditional_t<L == layout::nhwc, nhwc, nchw>>,
                          Layers...>;
};
template <class Net, layout L>
using relayout_t = typename relayout<Net, L>::type;

// Repacks a network's weights for the fast kernels; constexpr, so constant weights are packed by the
// compiler.
template <class Net, class T = float>
constexpr typename Net::template prepared_weights_of<T> prepare(const typename Net::template weights_of<T>& w) {
  typename Net::template prepared_weights_of<T> p{};
  detail::pack_chain<typename Net::chain_type, Net::memory_layout>(w, p);
  return p;
}

// The memory every activation of one forward pass lives in. Holds no state between runs.
template <class Net, class T>
struct static_arena {
  static constexpr count_t elements = arena_elements_of<Net>;
  alignas(64) std::array<T, elements> data{};
};

}  // namespace ctnn
