// ctnn/kernels/train.hpp: one training step's passes on the training plan (ctnn/plan/training.hpp).
//
// The forward pass is the plain runner (ctnn/kernels/run.hpp) on the training plan's offsets, so every
// activation keeps its own place; the backward pass runs the nodes whose output has a gradient, last
// to first. A layer family gives its backward in ctnn/kernels/<family>.hpp, found by argument-dependent
// lookup:
//   run_backward<Node, L>(params, const backward_call<T>&)     adds into dx and dw (ctnn/kernels/tensor.hpp)
// A layer without one stops compilation naming it (facts::has_no_backward_pass_yet). The merges are here.
// A layer that normalizes over the batch (batch norm under ctnn::with_batch_statistics) gives both passes
// over every sample at once:
//   run_batch_forward<Node, L>(params, const batch_call<T>&), run_batch_backward<Node, L>(params, ...)
// and the samples then run layer by layer together, each in its own copy of the arena.
#pragma once

#include <cstddef>
#include <utility>

#include <boost/mp11/algorithm.hpp>

#include "ctnn/checks/diagnostics.hpp"
#include "ctnn/kernels/run.hpp"
#include "ctnn/plan/training.hpp"

CTNN_BEGIN_CONFIG

template <class T>
struct training_run {
  const T* input;  // the caller's input sample
  T* arena;
  const count_t* value_offset;
  const count_t* gradient_offset;
  const bool* kept;
  const schedule_node* nodes;
  const T* weights;
  const count_t* weight_offsets;
  T* weight_gradients;
  const count_t* weight_gradient;  // per node: its block in weight_gradients, or no_gradient
  const count_t* bias_gradient;    // per node: its bias's gradient in weight_gradients, or no_gradient
  T* scratch;                      // the plan's scratch_elements

  constexpr const T* value(int t) const { return t == 0 ? input : arena + value_offset[t]; }
  constexpr const T* kept_value(int t) const { return kept[t] ? value(t) : nullptr; }
  constexpr T* gradient(int t) const { return gradient_offset[t] == no_gradient ? nullptr : arena + gradient_offset[t]; }
  constexpr T* weight_gradients_of(int k) const {
    return weight_gradient[k] == no_gradient ? nullptr : weight_gradients + weight_gradient[k];
  }
  constexpr T* bias_gradient_of(int k) const {
    return bias_gradient[k] == no_gradient ? nullptr : weight_gradients + bias_gradient[k];
  }
};

template <class T>
using backward_function = void (*)(const training_run<T>&, int);
// A batch-coupled node's pass over `samples` samples whose arenas are `stride` apart (sample 0's run given).
template <class T>
using batch_function = void (*)(const training_run<T>&, index_t samples, count_t stride, T* weights, T* statistics,
                                T momentum, int k);

namespace impl {
template <class Node, layout L, class T>
concept has_backward = requires(const backward_call<T>& c) { run_backward<Node, L>(Node::type::params, c); };

template <class Node, layout L, class T, std::size_t... B>
constexpr void merge_backward(const training_run<T>& s, int k, std::index_sequence<B...>) {
  using Block = typename Node::type;
  const schedule_node& n = s.nodes[k];
  const T* dy = s.gradient(k + 1);
  if constexpr (Block::kind == block_kind::multiply) {
    multiply_backward<Node::template branch<0>::output_shape, Node::template branch<1>::output_shape, L>(
        s.value(n.inputs[0]), s.value(n.inputs[1]), dy, s.gradient(n.inputs[0]), s.gradient(n.inputs[1]));
  } else if constexpr (Block::kind == block_kind::unpool) {  // the pool family's, found by its parameters
    merge_backward<Node, L>(Block::params, s.value(n.inputs[1]), dy, s.gradient(n.inputs[0]));
  } else if constexpr (Block::kind == block_kind::concat) {
    index_t first = 0;
    ((concat_part_backward<Node::template branch<B>::output_shape, Node::output_shape, L>(dy, first,
                                                                                       s.gradient(n.inputs[B])),
      first += Node::template branch<B>::output_shape[0]),
     ...);
  } else {  // add, chain: the same gradient to every input
    (pass_gradient<Node::output_shape.size()>(dy, s.gradient(n.inputs[B])), ...);
  }
}

template <class Node, layout L, class T>
constexpr void backward_node(const training_run<T>& s, int k) {
  using Layer = typename Node::type;
  if constexpr (block_layer<Layer>) {
    merge_backward<Node, L>(s, k, std::make_index_sequence<boost::mp11::mp_size<typename Layer::branches>::value>{});
  } else {
    const int in = s.nodes[k].inputs[0];
    const backward_call<T> c{s.kept_value(in), s.kept_value(k + 1), s.gradient(k + 1), s.gradient(in),
                             s.weights + s.weight_offsets[k], s.weight_gradients_of(k), s.bias_gradient_of(k),
                             s.scratch};
    run_backward<Node, L>(Layer::params, c);
  }
}

// Training's forward of a node: its family's run_training_forward where it has one (with the scratch), else
// the plain loops.
template <class Node, layout L, class T>
concept has_training_forward = requires(const T* x, T* y) {
  run_training_forward<Node, L>(Node::type::params, x, x, y, y);
};
template <class Node, layout L, class T>
constexpr void training_forward_node(const training_run<T>& s, int k) {
  using Layer = typename Node::type;
  const T* x = s.value(s.nodes[k].inputs[0]);
  run_training_forward<Node, L>(Layer::params, x, s.weights + s.weight_offsets[k], const_cast<T*>(s.value(k + 1)), s.scratch);
}
template <layout L, class T>
struct training_forward_for {
  using value_type = backward_function<T>;
  static constexpr bool uses_followers = false;
  template <class Node, class N1, class N2, class N3>
  static constexpr backward_function<T> of() {
    if constexpr (!block_layer<typename Node::type> && has_training_forward<Node, L, T>) {
      return &training_forward_node<Node, L, T>;
    } else {
      return nullptr;  // the plain runner's
    }
  }
};

// A batch-coupled node's passes (the nodes whose batch_statistics_of is not 0).
template <class Node, layout L, class T, bool Forward>
constexpr void batch_node(const training_run<T>& s, index_t samples, count_t stride, T* weights, T* statistics,
                          T momentum, int k) {
  const int in = s.nodes[k].inputs[0];
  batch_call<T> c;
  c.samples = samples;
  c.x = s.value(in);
  c.x_stride = in == 0 ? count_t{Node::input_shape.size()} : stride;
  c.y = const_cast<T*>(s.value(k + 1));
  c.dy = s.gradient(k + 1);
  c.dx = s.gradient(in);
  c.stride = stride;
  c.w = weights + s.weight_offsets[k];
  c.dw = s.weight_gradients_of(k);
  c.db = s.bias_gradient_of(k);
  c.statistics = statistics;
  c.momentum = momentum;
  if constexpr (Forward) {
    run_batch_forward<Node, L>(Node::type::params, c);
  } else {
    run_batch_backward<Node, L>(Node::type::params, c);
  }
}
template <class Node, layout L, class T>
concept has_batch_passes = requires(const batch_call<T>& c) {
  run_batch_forward<Node, L>(Node::type::params, c);
  run_batch_backward<Node, L>(Node::type::params, c);
};
template <layout L, class T, index_t Batch, bool Forward>
struct batch_pass_for {
  using value_type = batch_function<T>;
  static constexpr bool uses_followers = false;
  template <class Node, class N1, class N2, class N3>
  static constexpr batch_function<T> of() {
    using Layer = typename Node::type;
    if constexpr (block_layer<Layer>) {
      return nullptr;
    } else if constexpr (batch_statistics_of(Layer::params, Node::input_shape) == 0) {
      return nullptr;
    } else {
      constexpr long long values = static_cast<long long>(Batch) * dims_of(Node::input_shape).spatial_size();
      static_assert(detail::require<(values > 1), boost::mp11::mp_list<facts::batch_statistics, Layer,
                                                                        facts::values_per_channel<values>,
                                                                        facts::expected_more_than_1_value_per_channel_when_training>>());
      static_assert(has_batch_passes<Node, L, T>, "a layer with batch statistics gives run_batch_forward and run_batch_backward");
      return &batch_node<Node, L, T, Forward>;
    }
  }
};

// The backward of each node (a visitor of the schedule).
template <layout L, class T>
struct backward_for {
  using value_type = backward_function<T>;
  static constexpr bool uses_followers = false;
  template <class Node, class N1, class N2, class N3>
  static constexpr backward_function<T> of() {
    using Layer = typename Node::type;
    constexpr bool runs = [] {
      if constexpr (block_layer<Layer>) {
        return true;
      } else {
        return has_backward<Node, L, T>;
      }
    }();
    static_assert(detail::require<runs, boost::mp11::mp_list<facts::backward_pass, Layer, facts::has_no_backward_pass_yet>>());
    if constexpr (runs) {
      return &backward_node<Node, L, T>;
    } else {
      return nullptr;
    }
  }
};
}  // namespace impl

// The forward pass on the training plan: the plain runner's node functions, or the family's training forward.
template <class Net, class T>
constexpr void run_training_forward_node(const run_state<T>& f, const training_run<T>& s, int k) {
  using schedule = schedule_of<Net>;
  constexpr const auto& plain = node_table<schedule, impl::kernel_for<false, Net::memory_layout, T>>;
  constexpr const auto& own = node_table<schedule, impl::training_forward_for<Net::memory_layout, T>>;
  if (own[k] != nullptr) {
    own[k](s, k);
  } else {
    plain[k].run(f, k);
  }
}
template <class Net, class T>
constexpr void run_training_forward_schedule(const run_state<T>& f, const training_run<T>& s) {
  for (int k = 0; k < schedule_of<Net>::value.node_count; ++k) run_training_forward_node<Net>(f, s, k);
}

// The backward pass of every node that has a gradient to pass, last to first. A tensor's gradient is
// zeroed by the first node (in this order) that adds into it; the network's result's gradient (the
// loss's) must be in place.
template <class Net, class Scope, class T>
constexpr void zero_input_gradients(const training_run<T>& s, int k) {
  constexpr const auto& plan = training_plan_of<Net, Scope>;
  const schedule_node& n = s.nodes[k];
  for (int i = 0; i < n.input_count; ++i) {
    const int t = n.inputs[i];
    if (plan.zeroes_gradient[t] != k) continue;
    T* g = s.gradient(t);
    for (count_t e = 0; e < plan.size[t]; ++e) g[e] = T(0);
  }
}
template <class Net, class Scope, class T>
constexpr void run_backward_schedule(const training_run<T>& s) {
  using schedule = schedule_of<Net>;
  constexpr const auto& plan = training_plan_of<Net, Scope>;
  constexpr const auto& table = node_table<schedule, impl::backward_for<Net::memory_layout, T>>;
  for (int k = schedule::value.node_count - 1; k >= 0; --k) {
    if (!plan.runs_backward[k]) continue;
    zero_input_gradients<Net, Scope>(s, k);
    table[k](s, k);
  }
}

// Sample b of a batch whose sample 0 is `run`: its input net::input_size elements on, its copy of the
// arena `stride` elements on (derived when needed: no table of runs on the stack).
template <class Net, class Run>
constexpr Run sample_run(Run run, index_t b, count_t stride) {
  run.input += count_t{b} * Net::input_size;
  run.arena += count_t{b} * stride;
  return run;
}

// With batch statistics: `samples` samples (sample 0 given as f and s, the others derived by sample_run) go
// through each node together, so a batch norm sees the whole batch. weights: the network's, whose running
// statistics the forward moves.
template <class Net, class Scope, class T>
constexpr void run_training_forward_batch(const run_state<T>& f, const training_run<T>& s, index_t samples,
                                          count_t stride, T* weights, T* statistics) {
  using schedule = schedule_of<Net>;
  constexpr const auto& plan = training_plan_of<Net, Scope>;
  constexpr const auto& coupled = node_table<schedule, impl::batch_pass_for<Net::memory_layout, T, Net::batch, true>>;
  for (int k = 0; k < schedule::value.node_count; ++k) {
    if (plan.batch_coupled[k]) {
      coupled[k](s, samples, stride, weights, statistics + plan.statistics_offset[k], static_cast<T>(Scope::momentum), k);
    } else {
      for (index_t b = 0; b < samples; ++b)
        run_training_forward_node<Net>(sample_run<Net>(f, b, stride), sample_run<Net>(s, b, stride), k);
    }
  }
}
template <class Net, class Scope, class T>
constexpr void run_backward_batch(const training_run<T>& s, index_t samples, count_t stride, T* weights, T* statistics) {
  using schedule = schedule_of<Net>;
  constexpr const auto& plan = training_plan_of<Net, Scope>;
  constexpr const auto& table = node_table<schedule, impl::backward_for<Net::memory_layout, T>>;
  constexpr const auto& coupled = node_table<schedule, impl::batch_pass_for<Net::memory_layout, T, Net::batch, false>>;
  for (int k = schedule::value.node_count - 1; k >= 0; --k) {
    if (!plan.runs_backward[k]) continue;
    for (index_t b = 0; b < samples; ++b) zero_input_gradients<Net, Scope>(sample_run<Net>(s, b, stride), k);
    if (plan.batch_coupled[k]) {
      coupled[k](s, samples, stride, weights, statistics + plan.statistics_offset[k], T(0), k);
    } else {
      for (index_t b = 0; b < samples; ++b) table[k](sample_run<Net>(s, b, stride), k);
    }
  }
}

CTNN_END_CONFIG
