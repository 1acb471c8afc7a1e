// ctnn/plan/training.hpp: the memory of one training step, decided at compile time from the schedule.
//
// A step runs the forward pass keeping what the backward pass will read, the loss, then the nodes'
// backward passes in reverse order. On one time axis (node k's forward at time k, the loss at N, node
// k's backward at 2N - k) every activation lives from the node that writes it to its last reader,
// forward or backward, and every activation gradient from the backward of the last node that reads
// the activation (which zeroes it, then each reader adds its share) to the backward of the node that
// wrote the activation. Both kinds are placed in one arena, largest first, each at the lowest offset
// clear of the placed ones it overlaps (as ctnn/plan/memory.hpp does for inference).
//
// What is trained is a choice (train_all, train_last<K>): a frozen layer computes no weight
// gradient and keeps no activation for one, and no gradient flows below the first trained layer, as in
// Lin et al., "On-Device Training Under 256KB Memory" (NeurIPS 2022). Weight gradients are compact:
// one block per trained node, the same layout as its weights.
//
//   constexpr auto& p = ctnn::training_plan_of<net, ctnn::train_last<2>>;
//   p.arena_elements, p.weight_gradient_elements, p.trained[k], p.value_offset[t], p.gradient_offset[t]
#pragma once

#include <array>
#include <cstddef>

#include "ctnn/core/sort.hpp"
#include "ctnn/plan/memory.hpp"
#include "ctnn/plan/weights.hpp"

CTNN_BEGIN_CONFIG

// Which layers a training step updates.
struct train_all {
  static constexpr int last = -1;  // every layer with parameters
  static constexpr bool input_gradient = false;
  static constexpr bool biases_only = false;
  static constexpr bool batch_statistics = false;
};
// Only the biases (and batch norm's shift), every weight frozen (TinyTL, Cai et al., NeurIPS 2020): a
// bias's gradient is the sum of its output's gradient, so no layer keeps its input for it.
struct train_biases : train_all {
  static constexpr bool biases_only = true;
};
// The last K layers that have parameters (a classifier's head: train_last<1>, its last linear layer).
template <int K>
struct train_last {
  static_assert(K >= 1, "ctnn::train_last<K>: K must be at least 1");
  static constexpr int last = K;
  static constexpr bool input_gradient = false;
  static constexpr bool biases_only = false;
  static constexpr bool batch_statistics = false;
};
// Also the gradient with respect to the network's input (saliency, adversarial examples, a test against
// autograd): every layer's backward then runs.
template <class Scope = train_all>
struct with_input_gradient : Scope {
  static constexpr bool input_gradient = true;
};

// Batch norm in training mode (PyTorch's model.train()): each batch norm normalizes by the mean and biased
// variance of its input over the batch and the positions, and moves its running statistics towards them
// by `momentum` (running = (1 - m) running + m batch, the variance unbiased), 0.1 by default as PyTorch's.
// The samples of a step then run layer by layer together, each with its own copy of the arena.
template <class Scope = train_all, index_t MomentumNum = 1, index_t MomentumDen = 10>
struct with_batch_statistics : Scope {
  static_assert(MomentumNum >= 0 && MomentumDen > 0 && MomentumNum <= MomentumDen,
                "ctnn::with_batch_statistics<Scope, Num, Den>: the momentum Num/Den must be in [0, 1]");
  static constexpr bool batch_statistics = true;
  static constexpr double momentum = static_cast<double>(MomentumNum) / static_cast<double>(MomentumDen);
};

inline constexpr count_t no_gradient = -1;

template <int Nodes>
struct training_plan {
  static constexpr int tensors = Nodes + 1;
  std::array<bool, Nodes + 1> trained{};           // its learned tensors get gradients and are updated
  std::array<bool, Nodes + 1> weights_trained{};   // ... its weight too, not only its bias (train_biases)
  std::array<bool, Nodes + 1> runs_backward{};     // its backward runs (a gradient reaches its output)
  std::array<bool, tensors> needs_gradient{};      // the loss's gradient with respect to tensor t is computed
  std::array<bool, tensors> kept{};                // a backward pass reads tensor t
  std::array<int, tensors> zeroes_gradient{};      // the node whose backward zeroes t's gradient first (-1: none)
  std::array<count_t, tensors> value_offset{};     // tensor t in the arena (tensor 0 is the caller's input)
  std::array<int, tensors> buffer{};               // for the forward runner: caller_input, else in the arena
  std::array<count_t, tensors> size{};             // elements of tensor t
  std::array<count_t, tensors> gradient_offset{};  // its gradient in the arena, or no_gradient
  std::array<count_t, Nodes + 1> weight_gradient{};  // node k's weight gradients in the gradients, or no_gradient
  std::array<count_t, Nodes + 1> bias_gradient{};    // its bias's (inside that block, or alone), or no_gradient
  count_t weight_gradient_elements = 0;
  count_t trained_parameters = 0;  // learned elements the optimizer updates
  count_t arena_elements = 0;
  count_t scratch_elements = 0;  // the largest training_scratch_of (a convolution's matrices)
  // with_batch_statistics: the nodes that normalize over the batch, and their statistics of the step.
  std::array<bool, Nodes + 1> batch_coupled{};
  std::array<count_t, Nodes + 1> statistics_offset{};
  count_t statistics_elements = 0;
};

namespace impl {
// Each node's backward_reads and training scratch, from its type (visitors of the schedule).
struct list_backward_reads {
  using value_type = backward_reads;
  static constexpr bool uses_followers = false;
  template <class Node, class N1, class N2, class N3>
  static constexpr backward_reads of() {
    return backward_reads_of(Node::type::params);
  }
};
// A count each layer's family gives (Hook::of), 0 for a block: the visitor of the schedule behind the two below.
template <class Hook>
struct list_layer_counts {
  using value_type = count_t;
  static constexpr bool uses_followers = false;
  template <class Node, class N1, class N2, class N3>
  static constexpr count_t of() {
    if constexpr (block_layer<typename Node::type>) {
      return 0;
    } else {
      return Hook::of(Node::type::params, Node::input_shape);
    }
  }
};
struct batch_statistics_hook {
  template <class P>
  static constexpr count_t of(const P& p, const shape& in) { return batch_statistics_of(p, in); }
};
struct training_scratch_hook {
  template <class P>
  static constexpr count_t of(const P& p, const shape& in) { return training_scratch_of(p, in); }
};
using list_batch_statistics = list_layer_counts<batch_statistics_hook>;
using list_training_scratch = list_layer_counts<training_scratch_hook>;

// One buffer to place: [first, last] on the step's time axis.
struct lifetime {
  int first = 0, last = 0;
  count_t size = 0;
};

// Largest first, each at the lowest offset clear of the placed buffers whose lifetimes overlap it.
// Quadratic in the buffers: a network trained on a device has tens of layers, not thousands.
template <int Count>
constexpr count_t place_lifetimes(const lifetime* items, count_t* at) {
  std::array<int, Count + 1> order_storage{}, busy_storage{};
  std::array<count_t, Count + 1> size_storage{};
  std::array<bool, Count + 1> placed_storage{};
  int *order = order_storage.data(), *busy = busy_storage.data();
  count_t* size = size_storage.data();
  bool* placed = placed_storage.data();
  for (int i = 0; i < Count; ++i) {
    order[i] = i;
    size[i] = items[i].size;
  }
  sort_indices(order, Count, size, /*descending=*/true);
  count_t total = 0;
  for (int i = 0; i < Count; ++i) {
    const int me = order[i];
    if (items[me].size == 0) continue;
    int count = 0;
    for (int j = 0; j < Count; ++j)
      if (placed[j] && items[j].first <= items[me].last && items[me].first <= items[j].last) busy[count++] = j;
    sort_indices(busy, count, at, /*descending=*/false);
    count_t candidate = 0;
    for (int j = 0; j < count; ++j) {
      const int other = busy[j];
      if (candidate + items[me].size <= at[other]) break;
      if (at[other] + items[other].size > candidate) candidate = at[other] + items[other].size;
    }
    at[me] = candidate;
    placed[me] = true;
    if (candidate + items[me].size > total) total = candidate + items[me].size;
  }
  return total;
}

template <class Net, class Scope>
struct build_training_plan {
  using schedule = schedule_of<Net>;
  static constexpr int N = schedule::value.node_count;
  static constexpr training_plan<N> value = [] {
    training_plan<N> p;
    const schedule_node* nodes = schedule::value.nodes.data();
    const backward_reads* reads = node_table<schedule, list_backward_reads>.data();
    const count_t* statistics = node_table<schedule, list_batch_statistics>.data();
    for (int k = 0; k < N; ++k) {
      p.batch_coupled[k] = Scope::batch_statistics && statistics[k] > 0;
      p.statistics_offset[k] = p.statistics_elements;
      if (p.batch_coupled[k]) p.statistics_elements += statistics[k];
    }
    // Trained: the layers with learned parameters, or the last K of them, or those with a bias.
    const auto& tensors = parameter_layout_of<Net>::value.tensors;
    const auto has_bias = [&](int k) {
      for (int i = nodes[k].first_tensor; i < nodes[k].first_tensor + nodes[k].tensor_count; ++i)
        if (tensors[i].learned && same_text(tensors[i].suffix, "bias")) return true;
      return false;
    };
    int with_parameters = 0;
    for (int k = 0; k < N; ++k) with_parameters += nodes[k].kind == node_kind::layer && nodes[k].params > 0 ? 1 : 0;
    const int last = Scope::last;
    int seen = 0;
    for (int k = 0; k < N; ++k) {
      if (nodes[k].kind != node_kind::layer || nodes[k].params == 0) continue;
      p.trained[k] = Scope::biases_only ? has_bias(k) : last < 0 || seen >= with_parameters - last;
      p.weights_trained[k] = p.trained[k] && !Scope::biases_only;
      ++seen;
    }
    // A tensor needs its gradient when a trained node wrote it or anything it was computed from.
    p.needs_gradient[0] = Scope::input_gradient;
    p.size[0] = Net::input_shape.size();
    for (int k = 0; k < N; ++k) p.size[k + 1] = nodes[k].out.size();
    for (int k = 0; k < N; ++k) {
      bool needs = p.trained[k];
      for (int i = 0; i < nodes[k].input_count; ++i) needs = needs || p.needs_gradient[nodes[k].inputs[i]];
      p.needs_gradient[k + 1] = needs;
      p.runs_backward[k] = needs;
    }
    // Node k's backward reads its input: for the input's gradient, for its weight's, or (normalizing over
    // the batch) for both.
    const auto reads_input = [&](int k) {
      return reads[k].input || p.batch_coupled[k] || (reads[k].input_for_weights && p.weights_trained[k]);
    };
    for (int t = 0; t <= N; ++t) p.zeroes_gradient[t] = -1;
    for (int k = 0; k < N; ++k) {
      if (!p.runs_backward[k]) continue;
      for (int i = 0; i < nodes[k].input_count; ++i) {
        const int t = nodes[k].inputs[i];
        if (p.needs_gradient[t] && k > p.zeroes_gradient[t]) p.zeroes_gradient[t] = k;
        if (reads_input(k)) p.kept[t] = true;
      }
      if (reads[k].output) p.kept[k + 1] = true;
    }
    // Lifetimes: item t - 1 is tensor t's value, item N + t its gradient (item N: the input's).
    std::array<lifetime, 2 * N + 2> items{};
    for (int t = 1; t <= N; ++t) items[t - 1] = {t - 1, t - 1, align_up(nodes[t - 1].out.size())};
    for (int k = 0; k < N; ++k)
      for (int i = 0; i < nodes[k].input_count; ++i) {
        const int t = nodes[k].inputs[i];
        if (t == 0) continue;
        lifetime& v = items[t - 1];
        if (k > v.last) v.last = k;
        if (p.runs_backward[k] && p.kept[t] && reads_input(k) && 2 * N - k > v.last)
          v.last = 2 * N - k;
      }
    if (N > 0) {
      lifetime& result = items[N - 1];
      result.last = 2 * N + 1;  // the loss reads it, and the caller after the step (training::output)
      for (int k = 0; k < N; ++k)
        if (p.runs_backward[k] && reads[k].output && 2 * N - k > items[k].last) items[k].last = 2 * N - k;
    }
    for (int t = 0; t <= N; ++t) {
      if (!p.needs_gradient[t]) continue;
      const int from = t == N ? N : 2 * N - p.zeroes_gradient[t];
      const int to = t == 0 ? 2 * N + 1 : 2 * N - (t - 1);  // the input's outlives the step
      items[N + t] = {from, to, align_up(p.size[t])};
    }
    std::array<count_t, 2 * N + 2> at{};
    p.arena_elements = place_lifetimes<2 * N + 1>(items.data(), at.data());
    for (int t = 0; t <= N; ++t) {
      if (t > 0) p.value_offset[t] = at[t - 1];
      p.gradient_offset[t] = p.needs_gradient[t] ? at[N + t] : no_gradient;
    }
    p.buffer[0] = caller_input;
    // Weight gradients: one block per node whose weight is trained, its tensors' layout (the bias's gradient
    // inside it); with train_biases only the bias's. The optimizer updates the learned tensors (with
    // train_biases, the biases).
    for (int k = 0; k <= N; ++k) {
      p.weight_gradient[k] = p.bias_gradient[k] = no_gradient;
      if (k == N || !p.trained[k]) continue;
      if (p.weights_trained[k]) p.weight_gradient[k] = p.weight_gradient_elements;
      for (int i = nodes[k].first_tensor; i < nodes[k].first_tensor + nodes[k].tensor_count; ++i) {
        const bool bias = tensors[i].learned && same_text(tensors[i].suffix, "bias");
        if (bias) p.bias_gradient[k] = p.weight_gradient_elements;
        if (p.weights_trained[k] || bias) p.weight_gradient_elements += tensors[i].size;
        if (tensors[i].learned && (p.weights_trained[k] || bias)) p.trained_parameters += tensors[i].size;
      }
    }
    const count_t* scratch = node_table<schedule, list_training_scratch>.data();
    for (int k = 0; k < N; ++k) p.scratch_elements = scratch[k] > p.scratch_elements ? scratch[k] : p.scratch_elements;
    return p;
  }();
};
}  // namespace impl

template <class Net, class Scope = train_all>
inline constexpr const auto& training_plan_of = impl::build_training_plan<Net, Scope>::value;

CTNN_END_CONFIG
