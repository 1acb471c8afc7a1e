// ctnn/plan/quantized.hpp: an int8 network's data, laid out by the schedule (the scheme:
// ctnn/kernels/quantize.hpp).
//
//   net::quantized q;                   quantized_weights_of<net>: everything an int8 forward reads
//   q.weights                           int8, every convolution's and linear layer's weight tensor one after
//                                       another, in node order, each in PyTorch's order (channel_weight:
//                                       where an output channel's are)
//   q.weight_scales, q.biases           per output channel of those layers: s_w[c], int32 bias at s_in s_w[c]
//   q.activations[t]                    tensor t's scale and zero point: 0 the input, k + 1 node k's output
//   q.float_parameters                  float, the parameters of the layers computed in float (below), in
//                                       node order, each as its float network has them (state_dict order)
//   q = ctnn::finish_quantization(q)    the rest, from those: the multipliers, and the tensors whose
//                                       quantization is their input's (constexpr: an imported header's is
//                                       computed by the compiler and sits in flash); for a large network
//                                       ctnn::finish_quantization_in_place(q), without two copies on the stack
//
// What keeps its input's quantization (as PyTorch's quantized ops): pooling, reshapes, identity, the
// layers that move elements (slices, shuffles, permutes, padding, nearest resizing), a clamp on its own
// (relu after an add, which the add computes as it stores: int8_node::clamp). What sets its own: a
// convolution, transposed convolution or linear layer, the merges (residual add, concat, multiply), every
// other element-wise activation (sigmoid, tanh, hardswish, ...), which runs as a table of its 256 outputs,
// built from the two quantizations, and softmax; and the layers computed in float, as PyTorch's quantized
// LayerNorm, GroupNorm, InstanceNorm, BatchNorm2d and PReLU compute them: the float function of the
// dequantized input with the layer's float parameters, quantized (the normalizations, a batch norm not
// after a layer with weights, PReLU, the layer scale, a tensor added or multiplied). A batch norm right
// after a layer with weights in its chain is folded into its weights and bias, and a clamp after either is
// fused into its output stage: the layer writes the group's last tensor, quantized as that tensor
// (PyTorch's fused ConvBnReLU2d / ConvReLU2d / LinearReLU), and the others do not run.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "ctnn/core/quantization.hpp"
#include "ctnn/core/text.hpp"
#include "ctnn/plan/memory.hpp"
#include "ctnn/plan/schedule.hpp"
#include "ctnn/shapes/activation.hpp"

CTNN_BEGIN_CONFIG

// Where node k's int8 data is, and how its output is quantized.
struct int8_node {
  count_t weights = 0, weight_count = 0;    // its int8 weights in quantized_weights_of::weights
  count_t channels = 0;                     // its first output channel in the per-channel arrays
  index_t channel_count = 0;                // 0: a layer without weights
  bool has_bias = false;
  count_t merges = 0;                       // its first merge multiplier: add, one per input and one for the
  int merge_count = 0;                      // sum; concat, one per input; multiply, one
  int fused = 0;                            // nodes after it that it computes: a batch norm, a clamp (and
                                            // the ends of chains between them)
  int batch_norm = 0;                       // the node of a batch norm folded into its weights (after it), 0: none
  activation_params clamp{activation_kind::identity};  // a residual add's: the clamp it computes (fused 1)
  bool lookup = false;                      // an element-wise activation by a table of its 256 outputs
  bool softmax = false;                     // softmax or log_softmax, quantized as its own output
  count_t table = 0;                        // which table, in quantized_weights_of::tables
  bool in_float = false;                    // computed in float from its dequantized input (see the top)
  count_t floats = 0, float_count = 0;      // its parameters in quantized_weights_of::float_parameters
  bool keeps_quantization = true;           // its output is quantized as its input
  bool transposed = false;                  // weights [C_in, C_out/g, taps] (a transposed convolution)
  index_t out_per_group = 0;                // of a transposed convolution
  count_t taps = 0;
};

// Element i of output channel c's weights (weight_count / channel_count of them), as an offset into the
// layer's weights: a row of their own, or for a transposed convolution a run of taps per input channel of
// c's group.
constexpr count_t channel_weight(const int8_node& n, index_t c, count_t i) {
  const count_t per_channel = n.weight_count / n.channel_count;
  if (!n.transposed) return c * per_channel + i;
  const count_t in_per_group = per_channel / n.taps;
  const count_t group = c / n.out_per_group, in_channel = group * in_per_group + i / n.taps;
  return (in_channel * n.out_per_group + c % n.out_per_group) * n.taps + i % n.taps;
}

namespace impl {
// What a node's type says for int8: whether it has weights and a clamp after it in its chain (a visitor
// of the schedule, with followers), and how many inputs its merge rescales.
struct int8_traits {
  int fused = 0;            // a batch norm and / or a clamp (not identity) it computes: the layers after it
  bool batch_norm = false;  // the first of them is a batch norm
  bool lookup = false;      // an element-wise activation that is not a clamp: a table
  bool softmax = false;
  int merge_inputs = 0;  // add, concat: its branches
  bool merges = false;
  activation_params clamp_params{activation_kind::identity};  // an activation's (a clamp or not)
};
template <class Node>
constexpr bool is_clamp_node() {
  if constexpr (std::is_void_v<Node>) {
    return false;
  } else if constexpr (block_layer<typename Node::type>) {
    return false;
  } else if constexpr (std::is_same_v<std::remove_cvref_t<decltype(Node::type::params)>, activation_params>) {
    return is_clamp(Node::type::params);
  } else {
    return false;
  }
}
// A convolution or linear layer: weights first, and not a batch norm or a layer computed in float (whose
// first tensor is a weight too).
template <class Node, layout L>
constexpr bool has_int8_weights() {
  if constexpr (std::is_void_v<Node>) {
    return false;
  } else if constexpr (block_layer<typename Node::type>) {
    return false;
  } else {
    return Node::result.tensor_count > 0 && same_text(Node::result.tensors[0].name, "weight") &&
           !lowering_at<Node, L>().channel_affine && !lowering_at<Node, L>().int8_in_float;
  }
}
template <layout L>
struct describe_int8 {
  using value_type = int8_traits;
  static constexpr bool uses_followers = true;
  template <class Node, class N1, class N2, class N3>
  static constexpr int8_traits of() {
    int8_traits t;
    if constexpr (block_layer<typename Node::type>) {
      constexpr block_kind kind = Node::type::kind;
      t.merges = kind == block_kind::add || kind == block_kind::concat || kind == block_kind::multiply;
      t.merge_inputs = t.merges ? static_cast<int>(boost::mp11::mp_size<typename Node::type::branches>::value) : 0;
    } else if constexpr (std::is_same_v<std::remove_cvref_t<decltype(Node::type::params)>, activation_params>) {
      t.lookup = !is_clamp(Node::type::params) && Node::type::params.kind != activation_kind::identity;
      t.clamp_params = Node::type::params;
    } else if constexpr (std::is_same_v<std::remove_cvref_t<decltype(Node::type::params)>, softmax_params>) {
      t.softmax = true;
    } else if constexpr (has_int8_weights<Node, L>()) {
      t.batch_norm = lowering_at<N1, L>().channel_affine && lowering_at<Node, L>().outputs_are_channels;
      t.fused = t.batch_norm ? 1 + (is_clamp_node<N2>() ? 1 : 0) : (is_clamp_node<N1>() ? 1 : 0);
    }
    return t;
  }
};

template <class Net>
struct int8_layout {
  using schedule = schedule_of<Net>;
  static constexpr int nodes = schedule::value.node_count;
  struct value_type {
    std::array<int8_node, nodes + 1> node{};
    count_t weight_elements = 0, channels = 0, merges = 0, tables = 0, float_parameters = 0;
  };
  static constexpr value_type value = [] {
    value_type r;
    const auto& s = schedule::value;
    const auto& tensors = parameter_layout_of<Net>::value.tensors;
    const auto& traits = node_table<schedule, describe_int8<Net::memory_layout>>;
    const auto& plan = memory_plan_for<Net, false>;
    int8_node* node = r.node.data();  // not operator[]: two calls each in a constant expression
    for (int k = 0, covered = 0; k < nodes; ++k) {
      const schedule_node& n = s.nodes[k];
      int8_node& q = node[k];
      const bool folded = covered > 0;  // a batch norm or clamp the layer before it computes
      const bool lone_batch_norm = n.lower.channel_affine && !folded;
      const bool weighted = n.kind == node_kind::layer && n.tensor_count > 0 &&
                            same_text(tensors[n.first_tensor].suffix, "weight") && !n.lower.channel_affine &&
                            !n.lower.int8_in_float;
      if (weighted) {
        const parameter_tensor& w = tensors[n.first_tensor];
        q.weights = r.weight_elements;
        q.weight_count = w.size;
        q.channels = r.channels;
        q.transposed = n.lower.transposed_weights;
        q.channel_count = q.transposed ? n.out[0] : w.dims[0];
        if (q.transposed) {
          q.out_per_group = w.dims[1];
          q.taps = w.size / (count_t{w.dims[0]} * w.dims[1]);
        }
        // The traits count the layers after it (the flattening's followers); the layout, nodes.
        const next_layers after = layers_after(s.nodes.data(), nodes, k);
        q.batch_norm = traits[k].batch_norm ? node_offset(after, k, 1) : 0;
        q.has_bias = q.batch_norm || (n.tensor_count > 1 && same_text(tensors[n.first_tensor + 1].suffix, "bias"));
        r.weight_elements += w.size;
        r.channels += q.channel_count;
        q.keeps_quantization = false;
        q.fused = node_offset(after, k, traits[k].fused);
        // The batch norm and the clamp write over the layer's output (in place), so the layer may write theirs.
        for (int j = 1; j <= q.fused; ++j)
          if (plan.buffer[k + 1 + j] != plan.buffer[k + 1]) __builtin_trap();
      }
      if (traits[k].lookup) {
        q.lookup = true;
        q.table = r.tables++;
        q.keeps_quantization = false;
      }
      if (traits[k].softmax) {
        q.softmax = true;
        q.keeps_quantization = false;
      }
      if (traits[k].merges) {
        q.merges = r.merges;
        q.merge_count = n.kind == node_kind::add ? traits[k].merge_inputs + 1
                        : n.kind == node_kind::multiply ? 1
                                                        : traits[k].merge_inputs;
        r.merges += q.merge_count;
        q.keeps_quantization = false;
        // A clamp right after a residual add in its chain (ResNet's ReLU), on the add's output: the add
        // clamps as it stores, and the clamp does not run (it keeps the add's quantization: the same bytes).
        if (n.kind == node_kind::add && k + 1 < nodes && is_clamp(traits[k + 1].clamp_params)) {
          const schedule_node& next = s.nodes[k + 1];
          if (next.kind == node_kind::layer && next_in_chain(n, next) && next.inputs[0] == k + 1) {
            q.fused = 1;
            q.clamp = traits[k + 1].clamp_params;
          }
        }
      }
      if (n.lower.int8_in_float || lone_batch_norm) {
        q.in_float = true;
        q.keeps_quantization = false;
        q.floats = r.float_parameters;
        for (int t = 0; t < n.tensor_count; ++t) q.float_count += tensors[n.first_tensor + t].size;
        r.float_parameters += q.float_count;
      }
      covered = covered > 0 ? covered - 1 : q.fused;
    }
    return r;
  }();
};
}  // namespace impl

// Everything an int8 forward of Net reads besides its input (see the top of this file). An aggregate:
// an imported model's header writes it as a constant.
template <class Net>
struct quantized_weights_of {
  using network = Net;
  using value_type = std::int8_t;
  using layout_type = impl::int8_layout<Net>;
  static constexpr const auto& layout = layout_type::value;
  static constexpr int tensors = layout_type::nodes + 1;

  std::array<std::int8_t, layout.weight_elements> weights{};
  std::array<float, layout.channels> weight_scales{};
  std::array<std::int32_t, layout.channels> biases{};
  std::array<quantization, tensors> activations{};
  std::array<float, layout.float_parameters> float_parameters{};
  // Derived by finish_quantization (ctnn/kernels/run_int8.hpp): per output channel s_in s_w[c] / s_out;
  // per concat input s_in / (s_out 2^20); per add input s_in / (2 max s_in), and 2 max s_in / (s_out 2^20)
  // for the sum (TFLite's add).
  std::array<fixed_multiplier, layout.channels> multipliers{};
  std::array<fixed_multiplier, layout.merges> merge_multipliers{};
  std::array<std::int32_t, layout.channels> kernel_biases{};  // b[c] - z_in sum_k w[c][k], for the fast kernels
  std::array<std::int8_t, 256 * layout.tables> tables{};      // an element-wise activation's output for each input

  constexpr const quantization& input_quantization() const { return activations[0]; }
  constexpr const quantization& output_quantization() const { return activations[tensors - 1]; }
};

CTNN_END_CONFIG
