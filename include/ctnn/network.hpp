// ctnn/network.hpp: a network type: its input, its layers, and everything the compiler derives.
//
//   using net = ctnn::sequential<ctnn::input<1, 32, 32>, ctnn::conv2d<6, 5>, ctnn::relu, ...>;
//   net::output_shape, net::shapes[i], ctnn::layer_t<net, i>     shapes (ctnn/checks/placed.hpp)
//   net::params, net::macs, net::weight_bytes, net::arena_bytes   totals, for static_assert
//   net::weights, net::prepared                                   float parameters, as loaded / repacked
//   ctnn::static_arena<net::weights> a;                           activations, size known at compile time
//   net::forward(w, x, y, a)                                      x -> y: no heap, no exceptions
//   net::input_from_nchw(nchw, x), net::output_to_nchw(y, nchw)   PyTorch's order <-> the network's layout
//   net::quantized q; net::forward(q, x8, y8, a8)                int8 (ctnn/plan/quantized.hpp, ctnn/calibrate.hpp)
//   net::prepared_quantized p; prepare_into(q, p)                 int8 weights packed once (ctnn/kernels/run_int8.hpp)
//
// Instantiating the network checks it: the first layer that breaks its rule stops compilation with
// ctnn::facts::invalid_network(...) naming the layer and the values (ctnn/checks/diagnostics.hpp). An
// invalid network's shapes are unknown and its counts unknown_count, which compare as any value, so the
// user's own static_asserts add no second error.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

#include "ctnn/checks/placed.hpp"
#include "ctnn/kernels/prepared.hpp"
#include "ctnn/kernels/run.hpp"
#include "ctnn/kernels/run_int8.hpp"
#include "ctnn/plan/memory.hpp"
#include "ctnn/plan/schedule.hpp"
#include "ctnn/plan/weights.hpp"

namespace ctnn {

// A count of an invalid network: it has already failed with a ctnn error, so every comparison holds and
// it converts to 1, and nothing that uses it fails a second time.
struct unknown_count {
  constexpr unknown_count() = default;
  constexpr explicit unknown_count(count_t) {}
  constexpr operator count_t() const { return 1; }
};
#define CTNN_UNKNOWN_COMPARISON(op)                                                         \
  template <class V>                                                                        \
    requires std::is_arithmetic_v<V>                                                        \
  constexpr bool operator op(unknown_count, V) { return true; }                             \
  template <class V>                                                                        \
    requires std::is_arithmetic_v<V>                                                        \
  constexpr bool operator op(V, unknown_count) { return true; }
CTNN_UNKNOWN_COMPARISON(==)
CTNN_UNKNOWN_COMPARISON(!=)
CTNN_UNKNOWN_COMPARISON(<)
CTNN_UNKNOWN_COMPARISON(<=)
CTNN_UNKNOWN_COMPARISON(>)
CTNN_UNKNOWN_COMPARISON(>=)
#undef CTNN_UNKNOWN_COMPARISON

}  // namespace ctnn

CTNN_BEGIN_CONFIG

template <class Weights>
struct static_arena;

namespace impl {
template <class Input, class Layers, layer_error E, bool InputValid = !input_error(Input::params)>
struct network_facts {
  using type = detail::located_facts<Layers, E>;
};
template <class Input, class Layers, layer_error E>
struct network_facts<Input, Layers, E, false> {
  using type = detail::input_facts<Input, E>;
};
struct no_facts {
  using type = boost::mp11::mp_list<>;
};

template <bool Valid>
using count_of = std::conditional_t<Valid, count_t, unknown_count>;

// The elements of the arena a plan needs; the plans are computed only for valid networks.
template <class Net, bool Fused>
constexpr count_t arena_elements() {
  if constexpr (Net::valid) {
    return memory_plan_for<Net, Fused>.arena_elements;
  } else {
    return 0;
  }
}

// A static_arena's argument: weights, or a network, meaning its float weights.
template <class X>
struct arena_weights {
  using type = X;
};
template <class X>
  requires requires { typename X::chain_type; }
struct arena_weights<X> {
  using type = typename X::weights;
};

template <class W>
inline constexpr bool is_prepared = false;
template <class Net, class T>
inline constexpr bool is_prepared<prepared_weights_of<Net, T>> = true;
}  // namespace impl

// The first argument must be the input: sequential<input<C, H, W>, layers...>.
template <class Input, class... Layers>
  requires input_declaration<Input>
struct sequential {
  using input = Input;
  using layers = boost::mp11::mp_list<Layers...>;
  static constexpr std::size_t size = sizeof...(Layers);
  static constexpr bool input_valid = !input_error(Input::params);
  using chain_type = placed_chain<input_valid ? Input::params.dims : unknown_shape(), chain<Layers...>>;

  static constexpr layer_error error = input_valid ? chain_type::trace.error : input_error(Input::params);
  static constexpr bool valid = !error;
  // The one ctnn error of an invalid network; its facts are computed only then.
  static_assert(detail::require<valid, typename std::conditional_t<valid, impl::no_facts,
                                                                     impl::network_facts<Input, layers, error>>::type>());

  static constexpr index_t batch = Input::params.batch;
  static constexpr layout memory_layout = Input::params.memory;
  static constexpr shape input_shape = input_valid ? Input::params.dims : unknown_shape();
  static constexpr shape output_shape = valid ? chain_type::output_shape : unknown_shape();
  static constexpr const std::array<shape, size + 1>& shapes = chain_type::shapes;
  using index = typename chain_type::index;
  template <std::size_t I>
  using layer = detail::layer_at<chain_type, I>;

  // Totals, for static_assert: elements of the input and output of one sample, learned parameters
  // (PyTorch's parameters()), multiply-accumulates (the convention of ctnn/shapes/<family>.hpp: bias
  // adds not counted), bytes of every float weight and buffer, and of the activation arena of forward
  // on plain and on prepared weights.
  static constexpr impl::count_of<input_valid> input_size = impl::count_of<input_valid>(input_shape.size());
  static constexpr impl::count_of<valid> output_size = impl::count_of<valid>(output_shape.size());
  static constexpr impl::count_of<valid> params = impl::count_of<valid>(chain_type::trace.params);
  static constexpr impl::count_of<valid> buffers = impl::count_of<valid>(chain_type::trace.buffers);
  static constexpr impl::count_of<valid> macs = impl::count_of<valid>(chain_type::trace.macs);
  static constexpr impl::count_of<valid> weight_bytes =
      impl::count_of<valid>((chain_type::trace.params + chain_type::trace.buffers) * count_t{sizeof(float)});
  static constexpr impl::count_of<valid> arena_bytes =
      impl::count_of<valid>(impl::arena_elements<sequential, false>() * count_t{sizeof(float)});
  static constexpr impl::count_of<valid> prepared_arena_bytes =
      impl::count_of<valid>(impl::arena_elements<sequential, true>() * count_t{sizeof(float)});
  // int8: the weights (one byte each, biases four) and the arena of the int8 forward (the plain plan, in bytes).
  static constexpr impl::count_of<valid> quantized_arena_bytes =
      impl::count_of<valid>(impl::arena_elements<sequential, false>());

  template <class T>
  using weights_of = ctnn::weights_of<sequential, T>;
  template <class T>
  using prepared_weights_of = ctnn::prepared_weights_of<sequential, T>;
  using weights = weights_of<float>;
  using prepared = prepared_weights_of<float>;
  using quantized = quantized_weights_of<sequential>;
  using prepared_quantized = prepared_quantized_of<sequential>;

  // Runs one sample: x holds input_size elements in the network's layout, y receives output_size. With
  // weights (PyTorch's order) the plain loops; with prepared weights the fast kernels. x and y must not
  // overlap each other or the arena.
  template <class W, class A>
    requires(std::is_same_v<W, weights_of<typename W::value_type>> ||
             std::is_same_v<W, prepared_weights_of<typename W::value_type>>)
  static constexpr std::span<typename W::value_type, output_size> forward(
      const W& w, std::span<const typename W::value_type, input_size> x,
      std::span<typename W::value_type, output_size> y, static_arena<A>& arena) {
    static_assert(static_arena<A>::template fits<W>(), "ctnn: the arena is smaller than this network's plan needs");
    run<W>(w, x.data(), y.data(), arena.data.data());
    return y;
  }

  // The same on memory the caller placed (a linker section, tightly coupled memory): Bytes must hold
  // the plan's arena, and the memory must be aligned for the element type.
  template <class W, std::size_t Bytes>
    requires(std::is_same_v<W, weights_of<typename W::value_type>> ||
             std::is_same_v<W, prepared_weights_of<typename W::value_type>>)
  static std::span<typename W::value_type, output_size> forward(const W& w,
                                                                std::span<const typename W::value_type, input_size> x,
                                                                std::span<typename W::value_type, output_size> y,
                                                                std::span<std::byte, Bytes> arena) {
    using T = typename W::value_type;
    static_assert(Bytes != std::dynamic_extent, "ctnn: pass the arena as a span of static extent");
    static_assert(count_t{Bytes} >= arena_elements_for<W>() * count_t{sizeof(T)},
                  "ctnn: the arena is smaller than this network's plan needs (net::arena_bytes, net::prepared_arena_bytes)");
    if (reinterpret_cast<std::uintptr_t>(arena.data()) % alignof(T) != 0) __builtin_trap();  // a misaligned arena
    run<W>(w, x.data(), y.data(), reinterpret_cast<T*>(arena.data()));
    return y;
  }

  // Runs one sample in int8 (ctnn/kernels/run_int8.hpp): x quantized as q.input_quantization(), y as
  // q.output_quantization(). With prepared_quantized (prepare_into(q, p)) the x86 kernels read weights
  // packed once instead of packing them per call: the same outputs.
  template <class Q, class A>
    requires(std::is_same_v<Q, quantized> || std::is_same_v<Q, prepared_quantized>)
  static constexpr std::span<std::int8_t, output_size> forward(const Q& q, std::span<const std::int8_t, input_size> x,
                                                               std::span<std::int8_t, output_size> y, static_arena<A>& arena) {
    static_assert(static_arena<A>::template fits<quantized>(),
                  "ctnn: the arena is not an int8 arena of this network's plan (ctnn::static_arena<net::quantized>)");
    if constexpr (valid) run_int8_schedule<sequential>(q, x.data(), y.data(), arena.data.data());
    return y;
  }
  template <class Q, std::size_t Bytes>
    requires(std::is_same_v<Q, quantized> || std::is_same_v<Q, prepared_quantized>)
  static std::span<std::int8_t, output_size> forward(const Q& q, std::span<const std::int8_t, input_size> x,
                                                     std::span<std::int8_t, output_size> y, std::span<std::byte, Bytes> arena) {
    static_assert(Bytes != std::dynamic_extent, "ctnn: pass the arena as a span of static extent");
    static_assert(count_t{Bytes} >= quantized_arena_bytes,
                  "ctnn: the arena is smaller than this network's plan needs (net::quantized_arena_bytes)");
    if constexpr (valid) run_int8_schedule<sequential>(q, x.data(), y.data(), reinterpret_cast<std::int8_t*>(arena.data()));
    return y;
  }

  // The caller's tensors in PyTorch's channel-first order (NCHW, one sample) to and from the network's
  // layout: a transpose for NHWC, a copy for NCHW. T is float unless named (input_from_nchw<double>).
  template <class T = float>
  static constexpr void input_from_nchw(std::span<const std::type_identity_t<T>, input_size> nchw,
                                        std::span<std::type_identity_t<T>, input_size> x) {
    convert_channel_first<memory_layout, true>(input_shape, nchw.data(), x.data());
  }
  template <class T = float>
  static constexpr void output_to_nchw(std::span<const std::type_identity_t<T>, output_size> y,
                                       std::span<std::type_identity_t<T>, output_size> nchw) {
    convert_channel_first<memory_layout, false>(output_shape, y.data(), nchw.data());
  }

  template <class W>
  static constexpr count_t arena_elements_for() {
    return impl::arena_elements<sequential, impl::is_prepared<W>>();
  }

  // One of part.count threads running one forward together (ctnn::forward_parallel, ctnn/parallel.hpp):
  // each calls this with its own part.index and the same other arguments; the fast convolution and
  // linear kernels with enough work split their output among the parts, everything else runs in part 0,
  // and sync() is called where a shared call begins or ends: it must return only when every part has
  // reached it (a barrier).
  template <class W, class A, class Sync>
  static void forward_part(const W& w, std::span<const typename W::value_type, input_size> x,
                           std::span<typename W::value_type, output_size> y, static_arena<A>& arena, work_part part,
                           Sync&& sync) {
    static_assert(static_arena<A>::template fits<W>(), "ctnn: the arena is smaller than this network's plan needs");
    run<W>(w, x.data(), y.data(), arena.data.data(), no_observer{}, part, sync);
  }

  // How many kernel calls forward_part shares among threads on weights W (the others run in part 0).
  template <class W>
  static constexpr int shared_calls() {
    if constexpr (!valid) {
      return 0;
    } else {
      using schedule = schedule_of<sequential>;
      constexpr const auto& kernels = kernel_table<schedule, impl::is_prepared<W>, memory_layout, typename W::value_type>;
      int shared = 0;
      for (int k = 0; k < schedule::value.node_count; ++k) shared += kernels[k].splits ? 1 : 0;
      return shared;
    }
  }

  // forward with observe(node, nodes) called after each kernel call (ctnn/analysis/profile.hpp).
  template <class W, class A, class Observer>
  static void forward_observed(const W& w, std::span<const typename W::value_type, input_size> x,
                               std::span<typename W::value_type, output_size> y, static_arena<A>& arena,
                               Observer&& observe) {
    static_assert(static_arena<A>::template fits<W>(), "ctnn: the arena is smaller than this network's plan needs");
    run<W>(w, x.data(), y.data(), arena.data.data(), observe);
  }

 private:
  template <class W, class T, class Observer = no_observer, class Sync = no_sync>
  static constexpr void run(const W& w, const T* x, T* y, T* arena, Observer&& observe = {}, work_part part = {},
                            Sync&& sync = {}) {
    if constexpr (valid) {
      constexpr bool prepared = impl::is_prepared<W>;
      using schedule = schedule_of<sequential>;
      constexpr const auto& plan = memory_plan_for<sequential, prepared>;
      const count_t* weight_offsets = nullptr;
      if constexpr (prepared) {
        weight_offsets = W::layout_type::offsets.data();
      } else {
        weight_offsets = plain_weight_offsets<sequential>.data();
      }
      const run_state<T> s{x, y, arena, plan.offsets.data(), plan.buffer.data(), schedule::value.nodes.data(),
                           w.values.data(), weight_offsets, part};
      if constexpr (schedule::value.node_count == 0) {  // a network without layers returns its input
        if (part.index == 0)
          for (count_t i = 0; i < output_size; ++i) y[i] = x[i];
      }
      run_schedule<schedule, prepared, memory_layout>(s, observe, sync);
    }
  }
};

// The memory every activation of one forward pass lives in, sized for the plan of Weights (a
// network's weights or prepared weights; a network means its float weights). Holds no state between
// runs. An arena over CTNN_MAX_ARENA_BYTES (ctnn/core/config.hpp) is a ctnn error.
template <class Weights>
struct static_arena {
  using weights_type = typename impl::arena_weights<Weights>::type;
  using network = typename weights_type::network;
  using value_type = typename weights_type::value_type;
  static constexpr count_t elements = network::template arena_elements_for<weights_type>();
  static constexpr count_t bytes = elements * count_t{sizeof(value_type)};
  static_assert(detail::require<(bytes <= CTNN_MAX_ARENA_BYTES),
                                boost::mp11::mp_list<facts::arena_bytes<bytes>, facts::exceed_max_arena_bytes<CTNN_MAX_ARENA_BYTES>>>());
  // Empty past the limit: the error above is the only one.
  static constexpr count_t held = bytes <= CTNN_MAX_ARENA_BYTES ? elements : 0;
  alignas(64) std::array<value_type, held> data{};

  // Whether it is big enough for forward on weights W of the same element type.
  template <class W>
  static constexpr bool fits() {
    return std::is_same_v<typename W::value_type, value_type> && network::template arena_elements_for<W>() <= held;
  }
};

// The same network with its activations in another memory layout (shapes and weights are unchanged):
//   using fast = ctnn::relayout_t<lenet, ctnn::layout::nhwc>;
template <class Net, layout L>
struct relayout;
template <class Input, class... Layers, layout L>
struct relayout<sequential<Input, Layers...>, L> {
  using type = sequential<typename Input::plain::template with<batch<Input::params.batch>,
                                                              std::conditional_t<L == layout::nhwc, nhwc, nchw>>,
                          Layers...>;
};
template <class Net, layout L>
using relayout_t = typename relayout<Net, L>::type;

CTNN_END_CONFIG
