// ctnn/kernels/forward.hpp: runs a placed chain step by step, in the order of its memory plan.
//
// Each layer's kernel gets pointers into the arena (or to the caller's input) from the plan; weights
// come from the chain's weight tuple (ctnn/plan/weights.hpp). With prepared weights, the fast kernels
// also compute the layers the plan fused into them (ctnn/plan/lowering.hpp). Long chains run from a
// table of per-layer functions, as everywhere else in ctnn, so that no fold limits the network's length.
#pragma once

#include <cstddef>
#include <type_traits>
#include <utility>

#include "ctnn/kernels/activation.hpp"
#include "ctnn/kernels/batch_norm.hpp"
#include "ctnn/kernels/conv.hpp"
#include "ctnn/kernels/conv_transpose.hpp"
#include "ctnn/kernels/depthwise_pointwise.hpp"
#include "ctnn/kernels/linear.hpp"
#include "ctnn/kernels/merge.hpp"
#include "ctnn/kernels/pad.hpp"
#include "ctnn/kernels/partial_conv.hpp"
#include "ctnn/kernels/pool.hpp"
#include "ctnn/kernels/prepared.hpp"
#include "ctnn/kernels/reshape.hpp"
#include "ctnn/kernels/upsample.hpp"
#include "ctnn/plan/lowering.hpp"
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

template <class W>
inline constexpr bool is_prepared = is_packed_taps<W> || is_packed_depthwise<W> || is_packed_linear<W>;

// One atomic layer's kernel. `x` may equal `y` only for the layers whose storage allows it. A: the
// activation fused after a fast kernel (prepared weights), if any.
template <class Layer, shape In, layout L, activation_params A = no_activation, class W, class T>
constexpr void run_kernel(const W& w, const T* x, T* y) {
  constexpr auto p = Layer::params;
  using P = std::remove_cvref_t<decltype(p)>;
  constexpr shape out = placed_layer<Layer, In>::output_shape;
  static_assert(is_prepared<W> || A.kind == activation_kind::identity, "ctnn: only fast kernels fuse an activation");
  if constexpr (detail::is_packed_taps<W> && std::is_same_v<P, conv_params>) {
    conv_nhwc_tiled<p, In, A>(x, w, y);
  } else if constexpr (detail::is_packed_taps<W> && std::is_same_v<P, conv_transpose_params>) {
    conv_transpose_nhwc_phased<p, In, A>(x, w, y);
  } else if constexpr (detail::is_packed_depthwise<W>) {
    depthwise_nhwc<p, In, A>(x, w, y);
  } else if constexpr (detail::is_packed_linear<W>) {
    linear_packed<In[0], p.out_features, A>(x, w, y);
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
  int skip = 0;  // steps a fused kernel has already computed

  constexpr const T* read(int tensor) const { return plan.external(tensor) ? input : arena + plan.offset(tensor); }
  constexpr T* write(int tensor) const { return plan.external(tensor) ? nullptr : arena + plan.offset(tensor); }
};

// The layers after layer I that its kernel computes: the plan's fusion, when the weights are prepared
// (the plain loops run every layer on its own).
template <class Placed, std::size_t I, layout L, class Weights>
constexpr int fused_steps() {
  return is_prepared<std::tuple_element_t<I, Weights>> ? fused_after<Placed, L, I>() : 0;
}

// Layer I of a placed chain and the layers after it that the plan fused into it, in one kernel.
template <class Placed, std::size_t I, layout L, class Weights, class T>
constexpr void run_fused(const Weights& all, const T* x, T* y) {
  using head = layer_at<Placed, I>;
  constexpr shape in = Placed::trace.shapes[I];
  constexpr fusion f = fusion_of<Placed, L, I>();
  if constexpr (f.pointwise == 0) {  // a kernel and its activation
    run_kernel<head, in, L, activation_of<layer_at<Placed, I + 1>>()>(std::get<I>(all), x, y);
  } else {  // depthwise [+ activation] + pointwise [+ activation]
    constexpr std::size_t pointwise = I + f.pointwise;
    constexpr activation_params after_depthwise = activation_of<layer_at<Placed, I + 1>>();
    constexpr activation_params after_pointwise =
        f.layers > f.pointwise ? activation_of<layer_at<Placed, pointwise + 1>>() : no_activation;
    depthwise_pointwise_nhwc<head::params, in, layer_at<Placed, pointwise>::params, after_depthwise, after_pointwise>(
        x, std::get<I>(all), std::get<pointwise>(all), y);
  }
}

template <class Placed, layout L, class Weights, class T, int Steps>
constexpr void run_chain(run_state<T, Steps>& s, const Weights& w);

template <class Placed, std::size_t I, layout L, class Weights, class T, int Steps>
constexpr void run_layer(run_state<T, Steps>& s, const Weights& all) {
  using Layer = boost::mp11::mp_at_c<typename Placed::layers, I>;
  using placed = typename Placed::template layer<I>;
  const auto& w = std::get<I>(all);
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
  } else if (s.skip > 0) {
    --s.skip;
    ++s.step;
  } else {
    constexpr int fused = fused_steps<Placed, I, L, Weights>();
    const plan_step& step = s.plan.steps[s.step];
    T* y = s.write(s.plan.steps[s.step + fused].output);  // a fused group writes its last step's output
    const T* x = s.read(step.inputs[0]);
    s.step += 1;
    s.skip = fused;
    if (y == nullptr) return;  // an alias of the caller's input: nothing to move
    if constexpr (fused == 0) {
      run_kernel<Layer, placed::input_shape, L>(w, x, y);
    } else {
      run_fused<Placed, I, L>(all, x, y);
    }
  }
}

template <class Placed, layout L, class Weights, class T, int Steps>
constexpr void run_chain(run_state<T, Steps>& s, const Weights& w) {
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    using run = void (*)(run_state<T, Steps>&, const Weights&);
    const run table[sizeof...(I) + 1] = {&run_layer<Placed, I, L, Weights, T, Steps>..., nullptr};
    for (std::size_t i = 0; i != sizeof...(I); ++i) table[i](s, w);
  }(std::make_index_sequence<Placed::size>{});
}

}  // namespace detail

}  // namespace ctnn
