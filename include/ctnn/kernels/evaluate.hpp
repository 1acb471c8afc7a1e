// ctnn/kernels/evaluate.hpp: a network run inside the compiler, a layer (or a part of one) per constant.
//
//   static constexpr net::weights w = ...;                     constants with static storage
//   static constexpr std::array<float, net::input_size> x = ...;
//   constexpr auto y = ctnn::constant_forward<net, w, x>();    std::array<float, net::output_size>
//   static_assert(ctnn::top_class(y) == 7);                    a test that runs while compiling
//
// One constant evaluation for a whole network runs out of the compilers' default budgets past about
// 100k multiply-accumulates. Here each node's output is a constant of its own (a variable template),
// and a convolution or linear layer of more than compile_time_part_macs multiply-accumulates is split
// by output channels into parts, each again its own constant, so every evaluation stays within the
// defaults (g++-12: -fconstexpr-ops-limit 2^33 and -fconstexpr-loop-limit 262,144 per loop; clang-16:
// -fconstexpr-steps 1,048,576) whatever the network's size. The plain loops run, the same code as at
// run time (ctnn/kernels/run.hpp), so the results are bit-identical to forward(w, ...) built with
// -ffp-contract=off.
#pragma once

#include <array>
#include <cstddef>
#include <iterator>
#include <type_traits>
#include <utility>

#include "ctnn/kernels/run.hpp"
#include "ctnn/plan/weights.hpp"

CTNN_BEGIN_CONFIG

// Multiply-accumulates per constant evaluation: clang-16 counts about 12 steps for each one of the
// plain convolution (LeNet-5: 4.82M steps for 417k), and its default limit is 2^20 steps.
inline constexpr count_t compile_time_part_macs = 50000;

namespace impl {
template <class Node, layout L, class T>
concept runs_channels = requires(const T* x, T* y) {
  run_plain_channels<Node, L>(Node::type::params, x, x, y, index_t{}, index_t{});
};

template <class T>
struct channel_runner {
  void (*run)(const run_state<T>&, int, index_t, index_t) = nullptr;
  bool splits = false;
};

template <class Node, layout L, class T>
constexpr void run_channels(const run_state<T>& s, int k, index_t first, index_t last) {
  run_plain_channels<Node, L>(Node::type::params, s.read(s.nodes[k].inputs[0]), s.weights_of(k), s.write(k + 1), first,
                              last);
}

// Which nodes can compute some of their output channels (a visitor of the schedule).
template <layout L, class T>
struct channels_for {
  using value_type = channel_runner<T>;
  static constexpr bool uses_followers = false;
  template <class Node, class N1, class N2, class N3>
  static constexpr channel_runner<T> of() {
    if constexpr (block_layer<typename Node::type>) {
      return {};
    } else if constexpr (runs_channels<Node, L, T>) {
      return {&run_channels<Node, L, T>, true};
    } else {
      return {};
    }
  }
};

template <class Net, const auto& W, const auto& X>
struct constant_run {
  using T = typename std::remove_cvref_t<decltype(W)>::value_type;
  using schedule = schedule_of<Net>;
  static constexpr const auto& s = schedule::value;
  static constexpr int nodes = s.node_count;
  static constexpr layout L = Net::memory_layout;
  static constexpr const auto& kernels = node_table<schedule, kernel_for<false, L, T>>;
  static constexpr const auto& channel_kernels = node_table<schedule, channels_for<L, T>>;

  static constexpr shape shape_of(int tensor) { return tensor == 0 ? Net::input_shape : s.nodes[tensor - 1].out; }

  // How many constants node k's output is computed in.
  static constexpr index_t parts_of(int k) {
    if (!channel_kernels[k].splits) return 1;
    const count_t parts = (s.nodes[k].macs + compile_time_part_macs - 1) / compile_time_part_macs;
    const index_t channels = s.nodes[k].out[0];
    return parts <= 1 ? 1 : parts >= channels ? channels : static_cast<index_t>(parts);
  }
  // Output channels per part (the last may have fewer).
  static constexpr index_t channels_per_part(int k) { return (s.nodes[k].out[0] + parts_of(k) - 1) / parts_of(k); }

  // Node K's output, all of it or (Part of several) its channels [first, last), in an array of its size.
  template <int K, index_t Part>
  static constexpr auto run_part() {
    constexpr count_t held = [] {
      count_t total = 0;
      for (int i = 0; i < s.nodes[K].input_count; ++i)
        total += s.nodes[K].inputs[i] == 0 ? 0 : shape_of(s.nodes[K].inputs[i]).size();
      return total;
    }();
    // The node's inputs (the caller's input stays where it is) side by side in an arena of their own.
    std::array<T, held + 1> arena{};
    std::array<count_t, nodes + 1> offsets{};
    std::array<int, nodes + 1> buffers{};
    buffers[0] = caller_input;
    buffers[K + 1] = caller_output;
    count_t at = 0;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      ((s.nodes[K].inputs[I] != 0 ? place(tensor<s.nodes[K].inputs[I]>, arena.data(), at, offsets[s.nodes[K].inputs[I]])
                                  : void()),
       ...);
    }(std::make_index_sequence<s.nodes[K].input_count>{});
    std::array<T, shape_of(K + 1).size()> out{};
    const run_state<T> state{X.data(), out.data(), arena.data(), offsets.data(), buffers.data(), s.nodes.data(),
                             W.values.data(), plain_weight_offsets<Net>.data()};
    if constexpr (parts_of(K) == 1) {
      kernels[K].run(state, K);
    } else {
      constexpr index_t first = Part * channels_per_part(K), channels = s.nodes[K].out[0];
      channel_kernels[K].run(state, K, first, first + channels_per_part(K) < channels ? first + channels_per_part(K) : channels);
    }
    return out;
  }
  template <class A>
  static constexpr void place(const A& from, T* arena, count_t& at, count_t& offset) {
    offset = at;
    for (std::size_t i = 0; i < from.size(); ++i) arena[at + static_cast<count_t>(i)] = from[i];
    at += static_cast<count_t>(from.size());
  }

  template <int K, index_t Part>
  static constexpr auto part = run_part<K, Part>();

  // Node K's output from its parts: element e is in channel e / spatial (NCHW) or e % C (NHWC).
  template <int K>
  static constexpr auto assemble() {
    if constexpr (parts_of(K) == 1) {
      return part<K, 0>;
    } else {
      constexpr shape o = shape_of(K + 1);
      constexpr index_t per = channels_per_part(K);
      constexpr count_t spatial = o.size() / o[0];
      std::array<T, o.size()> out{};
      [&]<index_t... P>(std::integer_sequence<index_t, P...>) {
        (copy_channels(part<K, P>, out, P * per, (P + 1) * per, o[0], spatial), ...);
      }(std::make_integer_sequence<index_t, parts_of(K)>{});
      return out;
    }
  }
  template <class A>
  static constexpr void copy_channels(const A& from, A& to, index_t first, index_t last, index_t channels,
                                      count_t spatial) {
    for (std::size_t e = 0; e < to.size(); ++e) {
      const auto i = static_cast<count_t>(e);
      const count_t c = L == layout::nhwc ? i % channels : i / spatial;
      if (c >= first && c < last) to[e] = from[e];
    }
  }

  // Tensor t: the input for 0, node t - 1's output after.
  template <int Tensor>
  static constexpr auto compute() {
    if constexpr (Tensor == 0) {
      std::array<T, Net::input_shape.size()> x{};
      for (std::size_t i = 0; i < x.size(); ++i) x[i] = X[i];
      return x;
    } else {
      return assemble<Tensor - 1>();
    }
  }
  template <int Tensor>
  static constexpr auto tensor = compute<Tensor>();
};
}  // namespace impl

// The network's output for input X with weights W (a weights_of<Net, T>), computed by the compiler.
template <class Net, const auto& W, const auto& X>
  requires(std::is_same_v<std::remove_cvref_t<decltype(W)>, weights_of<Net, typename std::remove_cvref_t<decltype(W)>::value_type>>)
constexpr auto constant_forward() {
  return impl::constant_run<Net, W, X>::template tensor<schedule_of<Net>::value.node_count>;
}

// The index of the largest value (the first of equals): a classifier's decision.
template <class A>
constexpr std::size_t top_class(const A& y) {
  std::size_t best = 0;
  for (std::size_t i = 1; i < std::size(y); ++i)
    if (y[i] > y[best]) best = i;
  return best;
}

CTNN_END_CONFIG
