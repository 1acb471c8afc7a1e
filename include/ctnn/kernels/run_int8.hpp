// ctnn/kernels/run_int8.hpp: an int8 network runs: its schedule node after node on the plain memory plan
// (in bytes), reading the data of ctnn/plan/quantized.hpp.
//
// A layer family gives its int8 kernel in ctnn/kernels/<family>.hpp, found by argument-dependent lookup:
//   run_int8<Node, L, A>(params, const int8_call&)   A: the clamp fused into its output stage, or identity
// A layer without one stops compilation naming it (facts::has_no_int8_kernel_yet). The merges are here: a
// residual add and a concat rescale their inputs into the output's quantization, a product (a
// squeeze-and-excitation gate) requantizes the product of its inputs (ctnn/kernels/merge.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>
#include <utility>

#include <boost/mp11/algorithm.hpp>

#include "ctnn/checks/diagnostics.hpp"
#include "ctnn/kernels/activation.hpp"
#include "ctnn/kernels/int8_x86.hpp"
#include "ctnn/kernels/merge.hpp"
#include "ctnn/kernels/quantize.hpp"
#include "ctnn/kernels/run.hpp"
#include "ctnn/plan/quantized.hpp"

CTNN_BEGIN_CONFIG

namespace impl {
using table_filler = void (*)(const quantization&, const quantization&, std::int8_t*);
// The table filler of each node that runs by a table (a visitor of the schedule).
struct table_filler_for {
  using value_type = table_filler;
  static constexpr bool uses_followers = false;
  template <class Node, class N1, class N2, class N3>
  static constexpr table_filler of() {
    if constexpr (describe_int8<layout::nchw>::template of<Node, void, void, void>().lookup) {
      return &fill_int8_table<Node::type::params>;
    } else {
      return nullptr;
    }
  }
};
}  // namespace impl

// What q derives from its data: the tensors that keep their input's quantization set to it (for a layer
// with a batch norm or clamp fused, the group's last tensor is the one that counts), the multipliers, the
// kernel biases (b - z_in sum w) and the activation tables. A constant evaluation: an imported header's
// weights get theirs from the compiler. In place for a network whose data would not fit the stack twice
// (MobileNetV3's is 2.5 MB; finish_quantization(q) takes and returns a copy, for constants).
template <class Net>
constexpr void finish_quantization_in_place(quantized_weights_of<Net>& q) {
  using Q = quantized_weights_of<Net>;
  const auto& s = schedule_of<Net>::value;
  const auto& fillers = node_table<schedule_of<Net>, impl::table_filler_for>;
  for (int k = 0; k < Q::layout_type::nodes; ++k) {
    const int8_node& n = Q::layout.node[k];
    const quantization in = q.activations[s.nodes[k].inputs[0]];
    if (n.keeps_quantization) {
      q.activations[k + 1] = in;
      continue;
    }
    if (n.lookup) {
      fillers[k](in, q.activations[k + 1], q.tables.data() + n.table * 256);
      continue;
    }
    if (n.softmax || n.in_float) continue;
    if (n.merge_count == 0)  // (an add's fused clamp keeps the add's quantization)
      for (int j = 1; j <= n.fused; ++j) q.activations[k + j] = q.activations[k + 1 + n.fused];
    const double out = q.activations[k + 1].scale;
    const count_t per_channel = n.channel_count > 0 ? n.weight_count / n.channel_count : 0;
    for (index_t c = 0; c < n.channel_count; ++c) {
      q.multipliers[n.channels + c] = quantize_multiplier(static_cast<double>(in.scale) *
                                                          static_cast<double>(q.weight_scales[n.channels + c]) / out);
      std::int32_t sum = 0;
      const std::int8_t* w = q.weights.data() + n.weights;  // not operator[]: see quantized_from_layers
      for (count_t i = 0; i < per_channel; ++i) sum += w[channel_weight(n, c, i)];
      q.kernel_biases[n.channels + c] = q.biases[n.channels + c] - in.zero_point * sum;
    }
    if (n.merge_count == 0) continue;
    const int inputs = s.nodes[k].input_count;
    if (s.nodes[k].kind == node_kind::add) {
      double largest = 0.0;
      for (int b = 0; b < inputs; ++b) {
        const double scale = q.activations[s.nodes[k].inputs[b]].scale;
        largest = scale > largest ? scale : largest;
      }
      for (int b = 0; b < inputs; ++b)
        q.merge_multipliers[n.merges + b] = quantize_multiplier(q.activations[s.nodes[k].inputs[b]].scale / (2.0 * largest));
      q.merge_multipliers[n.merges + inputs] = merge_multiplier(2.0 * largest / out);
    } else if (s.nodes[k].kind == node_kind::multiply) {
      q.merge_multipliers[n.merges] = quantize_multiplier(static_cast<double>(q.activations[s.nodes[k].inputs[0]].scale) *
                                                          q.activations[s.nodes[k].inputs[1]].scale / out);
    } else {
      for (int b = 0; b < inputs; ++b)
        q.merge_multipliers[n.merges + b] = merge_multiplier(q.activations[s.nodes[k].inputs[b]].scale / out);
    }
  }
}
template <class Net>
constexpr quantized_weights_of<Net> finish_quantization(quantized_weights_of<Net> q) {
  finish_quantization_in_place(q);
  return q;
}

// An int8 network from its layers' data, as a quantization tool lists it (PyTorch's torch.ao modules, in
// ctnn's node order): the input's quantization; every convolution's and linear layer's int8 weights,
// weight scales and int32 biases one after another; each such layer's output quantization (its fused
// clamp's, or its folded batch norm's), each add's, concat's and multiply's, and each other
// activation's (sigmoid, tanh, hardswish, ..., softmax) and each layer computed in float (a normalization,
// a batch norm not folded, PReLU, ...), in node order; those layers' float parameters, one after another
// in node order, each in state_dict order. The rest by finish_quantization.
// Constexpr: a header of such arrays becomes a constant in flash. Too few or too many values for the
// network trap (a compile error in a constant).
template <class Net>
constexpr quantized_weights_of<Net> quantized_from_layers(const quantization& input, std::span<const std::int8_t> weights,
                                                         std::span<const float> weight_scales,
                                                         std::span<const std::int32_t> biases,
                                                         std::span<const quantization> layer_outputs,
                                                         std::span<const quantization> merge_outputs,
                                                         std::span<const quantization> activation_outputs = {},
                                                         std::span<const float> float_parameters = {}) {
  using Q = quantized_weights_of<Net>;
  Q q{};
  if (weights.size() != q.weights.size() || weight_scales.size() != q.weight_scales.size() ||
      biases.size() != q.biases.size() || float_parameters.size() != q.float_parameters.size())
    __builtin_trap();
  // Through pointers: in a constant expression std::array::operator[] is two calls per element, and an
  // imported LeNet-5 has 61,470 weights (clang's default budget is 2^20 steps).
  std::int8_t* to_weights = q.weights.data();
  float* to_scales = q.weight_scales.data();
  std::int32_t* to_biases = q.biases.data();
  const std::int8_t* from_weights = weights.data();
  for (std::size_t i = 0; i < weights.size(); ++i) to_weights[i] = from_weights[i];
  for (std::size_t i = 0; i < weight_scales.size(); ++i) to_scales[i] = weight_scales.data()[i];
  for (std::size_t i = 0; i < biases.size(); ++i) to_biases[i] = biases.data()[i];
  float* to_floats = q.float_parameters.data();
  for (std::size_t i = 0; i < float_parameters.size(); ++i) to_floats[i] = float_parameters.data()[i];
  q.activations[0] = input;
  std::size_t layer = 0, merge = 0, lookup = 0;
  for (int k = 0; k < Q::layout_type::nodes; ++k) {
    const int8_node& n = Q::layout.node[k];
    if (n.channel_count > 0) {
      if (layer >= layer_outputs.size()) __builtin_trap();
      q.activations[k + 1 + n.fused] = layer_outputs[layer++];
    }
    if (n.merge_count > 0) {
      if (merge >= merge_outputs.size()) __builtin_trap();
      q.activations[k + 1] = merge_outputs[merge++];
    }
    if (n.lookup || n.softmax || n.in_float) {
      if (lookup >= activation_outputs.size()) __builtin_trap();
      q.activations[k + 1] = activation_outputs[lookup++];
    }
  }
  if (layer != layer_outputs.size() || merge != merge_outputs.size() || lookup != activation_outputs.size())
    __builtin_trap();
  finish_quantization_in_place(q);
  return q;
}

struct int8_state {
  run_state<std::int8_t> tensors;  // where each tensor is
  const std::int8_t* weights;
  const std::int32_t* biases;
  const std::int32_t* kernel_biases;
  const fixed_multiplier* multipliers;
  const fixed_multiplier* merge_multipliers;
  const std::int8_t* tables;
  const float* float_parameters;
  const quantization* activations;
  const int8_node* layout;
  const std::byte* prepared = nullptr;           // prepare_into's blocks, or null
  const count_t* prepared_offsets = nullptr;     // each node's block in them (of size 0: none)
};
using int8_function = void (*)(const int8_state&, int);

namespace impl {
template <class Node, layout L, activation_params A>
concept has_int8_kernel = requires(const int8_call& c) { run_int8<Node, L, A>(Node::type::params, c); };
template <class Node, layout L>
concept has_int8_preparation = requires { int8_prepared_bytes<Node, L>(Node::type::params); };

// Node k's parameters as its kernel reads them, its input x and output y: s's prepared block for it if
// there is one.
constexpr int8_call int8_call_of(const int8_state& s, int k, const std::int8_t* x, std::int8_t* y) {
  const int8_node& n = s.layout[k];
  const int in = s.tensors.nodes[k].inputs[0], out = k + 1 + n.fused;
  const std::byte* prepared = nullptr;
  if (s.prepared && s.prepared_offsets[k + 1] > s.prepared_offsets[k]) prepared = s.prepared + s.prepared_offsets[k];
  return int8_call{x, y, s.activations[in], s.activations[out], s.weights + n.weights, s.biases + n.channels,
                   s.multipliers + n.channels, s.kernel_biases + n.channels, s.tables + n.table * 256, prepared,
                   s.float_parameters + n.floats};
}

// A layer: its family's kernel, writing the fused clamp's output when there is one.
template <class Node, layout L, activation_params A>
constexpr void run_int8_layer(const int8_state& s, int k) {
  const std::int8_t* x = s.tensors.read(s.tensors.nodes[k].inputs[0]);
  std::int8_t* y = s.tensors.write(k + 1 + s.layout[k].fused);
  if (x == y && s.tensors.nodes[k].how == storage::alias) return;  // the output is the input: nothing moves
  run_int8<Node, L, A>(Node::type::params, int8_call_of(s, k, x, y));
}

template <class Node, layout L, std::size_t... B>
constexpr void run_int8_merge(const int8_state& s, int k) {
  using Block = typename Node::type;
  const schedule_node& n = s.tensors.nodes[k];
  std::int8_t* y = s.tensors.write(k + 1 + s.layout[k].fused);  // an add's fused clamp's output
  const quantization& out = s.activations[k + 1];
  const fixed_multiplier* m = s.merge_multipliers + s.layout[k].merges;
  if constexpr (Block::kind == block_kind::add) {
    const output_stage stage = output_stage_of(s.layout[k].clamp, out);
#if CTNN_INT8_X86  // (a vector at a time: the scalar loop took 40% of the int8 ResNet-18)
    if (!std::is_constant_evaluated())
      return x86_int8::add(s.tensors.read(n.inputs[0]), s.activations[n.inputs[0]].zero_point, s.tensors.read(n.inputs[1]),
                           s.activations[n.inputs[1]].zero_point, m, stage, y, Node::output_shape.size());
#endif
    add_int8<Node::output_shape.size()>(s.tensors.read(n.inputs[0]), s.activations[n.inputs[0]],
                                        s.tensors.read(n.inputs[1]), s.activations[n.inputs[1]], m, stage, y);
  } else if constexpr (Block::kind == block_kind::multiply) {
    multiply_int8<Node::template branch<0>::output_shape, Node::template branch<1>::output_shape, L>(
        s.tensors.read(n.inputs[0]), s.activations[n.inputs[0]], s.tensors.read(n.inputs[1]), s.activations[n.inputs[1]],
        m[0], out, y);
  } else if constexpr (Block::kind == block_kind::concat) {
    index_t first = 0;
    ((concat_part_int8<Node::template branch<B>::output_shape, Node::output_shape, L>(
          s.tensors.read(n.inputs[B]), s.activations[n.inputs[B]], m[B], out, first, y),
      first += Node::template branch<B>::output_shape[0]),
     ...);
  } else {
    copy_forward<Node::output_shape.size()>(s.tensors.read(n.inputs[0]), y);
  }
}

// The clamp a layer with weights fuses into its output stage: the one after it, or after the batch norm
// after it (the rule of ctnn/plan/quantized.hpp's layout, on types); identity when none.
template <class Node, class N1, class N2, layout L>
constexpr activation_params fused_int8_clamp() {
  constexpr int8_traits t = describe_int8<L>::template of<Node, N1, N2, void>();
  if constexpr (t.fused == 2) {
    return N2::type::params;
  } else if constexpr (t.fused == 1 && !t.batch_norm) {
    return N1::type::params;
  } else {
    return no_activation;
  }
}

// The int8 kernel of each node (a visitor of the schedule).
template <layout L>
struct int8_kernel_for {
  using value_type = int8_function;
  static constexpr bool uses_followers = true;
  template <class Node, class N1, class N2, class N3>
  static constexpr int8_function of() {
    using Layer = typename Node::type;
    if constexpr (block_layer<Layer>) {
      constexpr bool runs = Layer::kind == block_kind::add || Layer::kind == block_kind::concat ||
                            Layer::kind == block_kind::multiply || Layer::kind == block_kind::chain;
      static_assert(detail::require<runs, boost::mp11::mp_list<facts::int8_forward, Layer, facts::has_no_int8_kernel_yet>>());
      return merge_function<Node>(std::make_index_sequence<boost::mp11::mp_size<typename Layer::branches>::value>{});
    } else {
      constexpr activation_params A = fused_int8_clamp<Node, N1, N2, L>();
      // A batch norm runs folded into the layer before it, else it is the schedule's lone_batch_norm.
      constexpr bool folded_only = lowering_at<Node, L>().channel_affine;
      static_assert(detail::require<has_int8_kernel<Node, L, A> || folded_only,
                                    boost::mp11::mp_list<facts::int8_forward, Layer, facts::has_no_int8_kernel_yet>>());
      if constexpr (has_int8_kernel<Node, L, A>) {
        return &run_int8_layer<Node, L, A>;
      } else {
        return nullptr;
      }
    }
  }
  template <class Node, std::size_t... B>
  static constexpr int8_function merge_function(std::index_sequence<B...>) {
    return &run_int8_merge<Node, L, B...>;
  }
};
}  // namespace impl

// The x86 int8 kernels' weights packed once (the fp32 counterpart is ctnn/kernels/prepared.hpp):
//
//   static net::prepared_quantized p;       // ctnn::prepared_quantized_of<net>
//   ctnn::prepare_into(q, p);                // q: net::quantized, finished; p keeps a copy of it
//   net::forward(p, x8, y8, arena8);         // the same outputs as forward(q, ...), bit for bit
//
// A node whose kernel packs its weights per call (the x86 matrix product, depthwise and Winograd kernels:
// int8_prepared_bytes, prepare_int8 in ctnn/kernels/<family>.hpp) gets a block, each aligned to 64 bytes;
// every other node none. Where no kernel packs (Cortex-M, the portable kernels) the blocks are empty.
namespace impl {
struct int8_node_preparation {
  count_t bytes = 0;
  void (*prepare)(const int8_call&, std::byte*) = nullptr;
};
template <class Node, layout L>
void prepare_int8_node(const int8_call& c, std::byte* block) {
  prepare_int8<Node, L>(Node::type::params, c, block);
}
template <layout L>
struct int8_preparation_for {
  using value_type = int8_node_preparation;
  static constexpr bool uses_followers = false;
  template <class Node, class N1, class N2, class N3>
  static constexpr int8_node_preparation of() {
    if constexpr (!block_layer<typename Node::type> && has_int8_preparation<Node, L>) {
      constexpr count_t bytes = int8_prepared_bytes<Node, L>(Node::type::params);
      return {bytes, bytes > 0 ? &prepare_int8_node<Node, L> : nullptr};
    } else {
      return {};
    }
  }
};
template <class Net>
struct int8_prepared_layout {
  static constexpr int nodes = schedule_of<Net>::value.node_count;
  static constexpr const auto& preparation = node_table<schedule_of<Net>, int8_preparation_for<Net::memory_layout>>;
  // Where each node's block starts; offsets[nodes] is the total.
  static constexpr auto offsets = [] {
    std::array<count_t, nodes + 1> r{};
    for (int k = 0; k < nodes; ++k) r[k + 1] = r[k] + align_up(preparation[k].bytes);
    return r;
  }();
};
}  // namespace impl

template <class Net>
struct prepared_quantized_of {
  using network = Net;
  using value_type = std::int8_t;
  using layout_type = impl::int8_prepared_layout<Net>;
  quantized_weights_of<Net> quantized{};
  alignas(64) std::array<std::byte, layout_type::offsets[layout_type::nodes]> blocks{};

  constexpr const quantization& input_quantization() const { return quantized.input_quantization(); }
  constexpr const quantization& output_quantization() const { return quantized.output_quantization(); }
};

namespace impl {
template <class Net>
constexpr int8_state int8_state_of(const quantized_weights_of<Net>& q, const std::int8_t* x, std::int8_t* y,
                                   std::int8_t* arena, const std::byte* prepared) {
  using Q = quantized_weights_of<Net>;
  constexpr const auto& plan = memory_plan_for<Net, false>;
  return int8_state{{x, y, arena, plan.offsets.data(), plan.buffer.data(), schedule_of<Net>::value.nodes.data(), nullptr, nullptr},
                    q.weights.data(), q.biases.data(), q.kernel_biases.data(), q.multipliers.data(),
                    q.merge_multipliers.data(), q.tables.data(), q.float_parameters.data(), q.activations.data(),
                    Q::layout.node.data(),
                    prepared, int8_prepared_layout<Net>::offsets.data()};
}
}  // namespace impl

// Copies q (finished: finish_quantization, quantized_from_layers or calibrate) into p and packs each
// block. At run time only: the packing is the x86 kernels'.
template <class Net>
void prepare_into(const quantized_weights_of<Net>& q, prepared_quantized_of<Net>& p) {
  using layout = impl::int8_prepared_layout<Net>;
  p.quantized = q;
  const int8_state s = impl::int8_state_of<Net>(p.quantized, nullptr, nullptr, nullptr, nullptr);
  for (int k = 0; k < layout::nodes; ++k)
    if (layout::preparation[k].prepare)
      layout::preparation[k].prepare(impl::int8_call_of(s, k, nullptr, nullptr), p.blocks.data() + layout::offsets[k]);
}

// Runs every node of Net's schedule in int8: x and y in the network's layout, the arena the plain plan's
// elements in bytes; with prepare_into's blocks where prepared is not null. A layer with a clamp fused runs
// both nodes; observe(node, nodes) after each call.
template <class Net, class Observer = no_observer>
constexpr void run_int8_schedule(const quantized_weights_of<Net>& q, const std::int8_t* x, std::int8_t* y,
                                 std::int8_t* arena, Observer&& observe = {}, const std::byte* prepared = nullptr) {
  using schedule = schedule_of<Net>;
  using Q = quantized_weights_of<Net>;
  constexpr const auto& table = node_table<schedule, impl::int8_kernel_for<Net::memory_layout>>;
  const int8_state s = impl::int8_state_of<Net>(q, x, y, arena, prepared);
  if constexpr (schedule::value.node_count == 0) {  // a network without layers returns its input
    for (count_t i = 0; i < Net::input_shape.size(); ++i) y[i] = x[i];
  }
  for (int k = 0; k < schedule::value.node_count; k += 1 + Q::layout.node[k].fused) {
    table[k](s, k);
    observe(k, 1 + Q::layout.node[k].fused);
  }
}

template <class Net, class Observer = no_observer>
void run_int8_schedule(const prepared_quantized_of<Net>& p, const std::int8_t* x, std::int8_t* y, std::int8_t* arena,
                       Observer&& observe = {}) {
  run_int8_schedule<Net>(p.quantized, x, y, arena, std::forward<Observer>(observe), p.blocks.data());
}

// Floats to a tensor's int8 and back (a network's input and output: q.input_quantization(),
// q.output_quantization()).
template <class In, class Out>
constexpr void quantize_tensor(const In& real, const quantization& q, Out& values) {
  for (std::size_t i = 0; i < real.size(); ++i) values[i] = quantize_value(real[i], q);
}
template <class In, class Out>
constexpr void dequantize_tensor(const In& values, const quantization& q, Out& real) {
  for (std::size_t i = 0; i < values.size(); ++i) real[i] = dequantize_value(values[i], q);
}

CTNN_END_CONFIG
