// ctnn/kernels/forward.hpp: runs a placed chain step by step, in the order of its memory plan.
//
// Each layer's kernel gets pointers into the arena (or to the caller's input) from the plan; weights
// come from the chain's weight tuple (ctnn/plan/weights.hpp). Long chains run from a table of
// per-layer functions, as everywhere else in ctnn, so that no fold limits the network's length.
#pragma once

#include <cstddef>
#include <type_traits>
#include <utility>

#include "ctnn/kernels/activation.hpp"
#include "ctnn/kernels/batch_norm.hpp"
#include "ctnn/kernels/conv.hpp"
#include "ctnn/kernels/conv_transpose.hpp"
#include "ctnn/kernels/linear.hpp"
#include "ctnn/kernels/merge.hpp"
#include "ctnn/kernels/pad.hpp"
#include "ctnn/kernels/partial_conv.hpp"
#include "ctnn/kernels/pool.hpp"
#include "ctnn/kernels/prepared.hpp"
#include "ctnn/kernels/reshape.hpp"
#include "ctnn/kernels/upsample.hpp"
#include "ctnn/plan/memory.hpp"
#include "ctnn/plan/weights.hpp"

namespace ctnn {

namespace detail {

template <class T, count_t W, count_t B>
constexpr const T* bias_of(const layer_weights<T, W, B>& w) {
  if constexpr (B > 0) {
    return w.bias.data();
  } else {
    return nullptr;
  }
}

// One atomic layer's kernel. `x` may equal `y` only for the layers whose storage allows it.
template <class Layer, shape In, layout L, class W, class T>
constexpr void run_kernel(const W& w, const T* x, T* y) {
  constexpr auto p = Layer::params;
  using P = std::remove_cvref_t<decltype(p)>;
  constexpr shape out = placed_layer<Layer, In>::output_shape;
  if constexpr (detail::is_packed_taps<W> && std::is_same_v<P, conv_params>) {
    conv_nhwc_tiled<p, In>(x, w, y);
  } else if constexpr (detail::is_packed_taps<W> && std::is_same_v<P, conv_transpose_params>) {
    conv_transpose_nhwc_phased<p, In>(x, w, y);
  } else if constexpr (detail::is_packed_depthwise<W>) {
    depthwise_nhwc<p, In>(x, w, y);
  } else if constexpr (detail::is_packed_linear<W>) {
    linear_packed<In[0], p.out_features>(x, w, y);
  } else if constexpr (std::is_same_v<P, conv_params>) {
    conv_forward<p, In, L>(x, w.weight.data(), bias_of(w), y);
  } else if constexpr (std::is_same_v<P, partial_conv_params>) {
    partial_conv_padding_forward<p, In, L>(x, w.weight.data(), bias_of(w), y);
  } else if constexpr (std::is_same_v<P, conv_transpose_params>) {
    conv_transpose_forward<p, In, L>(x, w.weight.data(), bias_of(w), y);
  } else if constexpr (std::is_same_v<P, linear_params>) {
    linear_forward<p, In, L>(x, w.weight.data(), bias_of(w), y);
  } else if constexpr (std::is_same_v<P, max_pool_params>) {
    max_pool_forward<p, In, L>(x, y);
  } else if constexpr (std::is_same_v<P, avg_pool_params>) {
    avg_pool_forward<p, In, L>(x, y);
  } else if constexpr (std::is_same_v<P, adaptive_pool_params>) {
    adaptive_pool_forward<p, In, L>(x, y);
  } else if constexpr (std::is_same_v<P, global_pool_params>) {
    global_pool_forward<p, In, L>(x, y);
  } else if constexpr (std::is_same_v<P, upsample_params>) {
    upsample_forward<p, In, L>(x, y);
  } else if constexpr (std::is_same_v<P, pad_params>) {
    pad_forward<p, In, L>(x, y);
  } else if constexpr (std::is_same_v<P, crop_params>) {
    crop_forward<p, In, L>(x, y);
  } else if constexpr (std::is_same_v<P, activation_params>) {
    activation_forward<p, In.size()>(x, y);
  } else if constexpr (std::is_same_v<P, softmax_params>) {
    softmax_forward<p, In, L>(x, y);
  } else if constexpr (std::is_same_v<P, batch_norm_params>) {
    batch_norm_forward<In, L>(x, w.weight.data(), w.bias.data(), w.running_mean.data(), w.running_var.data(), y);
  } else if constexpr (std::is_same_v<P, flatten_params> || std::is_same_v<P, reshape_params> ||
                       std::is_same_v<P, identity::params_t>) {
    if (x != y) copy_reshaped<In, out, L>(x, y);
  } else {
    static_assert(sizeof(P) == 0, "ctnn: no kernel for this layer");
  }
}

template <class T, int Steps>
struct run_state {
  const memory_plan<Steps>& plan;
  const T* input;  // the caller's input, tensor 0 and its aliases
  T* arena;
  int step = 0;

  constexpr const T* read(int tensor) const { return plan.external(tensor) ? input : arena + plan.offset(tensor); }
  constexpr T* write(int tensor) const { return plan.external(tensor) ? nullptr : arena + plan.offset(tensor); }
};

template <class Placed, layout L, class Weights, class T, int Steps>
constexpr void run_chain(run_state<T, Steps>& s, const Weights& w);

template <class Layer, shape In, layout L, class W, class T, int Steps>
constexpr void run_layer(run_state<T, Steps>& s, const W& w) {
  using placed = placed_layer<Layer, In>;
  if constexpr (is_chain<Layer>) {
    run_chain<typename placed::template branch<0>, L>(s, std::get<0>(w));
  } else if constexpr (requires { typename Layer::branches; }) {
    constexpr std::size_t n = boost::mp11::mp_size<typename Layer::branches>::value;
    [&]<std::size_t... B>(std::index_sequence<B...>) {
      (run_chain<typename placed::template branch<B>, L>(s, std::get<B>(w)), ...);
    }(std::make_index_sequence<n>{});
    const plan_step& step = s.plan.steps[s.step++];
    T* y = s.write(step.output);
    if constexpr (is_residual<Layer>) {
      add_forward<placed::output_shape.size()>(s.read(step.inputs[0]), s.read(step.inputs[1]), y);
    } else {
      index_t first = 0;
      [&]<std::size_t... B>(std::index_sequence<B...>) {
        ((concat_part<placed::template branch<B>::output_shape, placed::output_shape, L>(s.read(step.inputs[B]), first, y),
          first += placed::template branch<B>::output_shape[0]),
         ...);
      }(std::make_index_sequence<n>{});
    }
  } else {
    const plan_step& step = s.plan.steps[s.step++];
    T* y = s.write(step.output);
    const T* x = s.read(step.inputs[0]);
    if (y == nullptr) return;  // an alias of the caller's input: nothing to move
    run_kernel<Layer, In, L>(w, x, y);
  }
}

template <class Placed, layout L, class Weights, class T, int Steps>
constexpr void run_chain(run_state<T, Steps>& s, const Weights& w) {
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    using run = void (*)(run_state<T, Steps>&, const Weights&);
    const run table[sizeof...(I) + 1] = {
        [](run_state<T, Steps>& state, const Weights& all) {
          run_layer<boost::mp11::mp_at_c<typename Placed::layers, I>, Placed::trace.shapes[I], L>(state, std::get<I>(all));
        }...,
        nullptr};
    for (std::size_t i = 0; i != sizeof...(I); ++i) table[i](s, w);
  }(std::make_index_sequence<Placed::size>{});
}

}  // namespace detail

}  // namespace ctnn
