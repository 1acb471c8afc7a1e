// ctnn/calibrate.hpp: post-training quantization of a float network into its int8 twin, as PyTorch's
// eager-mode static quantization with min/max observers does it.
//
//   ctnn::tensor_ranges<net> r;
//   for (const auto& sample : calibration)                    the float forward on each sample widens
//     ctnn::observe_ranges<net>(w, sample, y, arena, r);      every tensor's observed [min, max]
//   static net::quantized q;
//   ctnn::quantize_network<net>(w, r, q);                     weights per output channel, symmetric
//                                                             (max |w| / 127.5); activations per tensor
//                                                             (ctnn::observed_quantization); biases int32
//   net::forward(q, x8, y8, arena8);                          ctnn::static_arena<net::quantized> arena8
//
// The result is the same as PyTorch's torch.ao.quantization with per-channel symmetric qint8 weights and
// quint8 min/max activation observers, convolution or linear + ReLU fused, on the same calibration
// samples (tests/unit/int8_network_test.cpp): an observer on each layer's output (the clamp's output when
// one is fused) and on each add, concat and multiply; pooling, reshapes, the layers that move elements
// and lone clamps keep their input's. The layers computed in float (normalizations, PReLU, a batch norm
// not folded, ...: ctnn/plan/quantized.hpp) keep their float parameters.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>

#include "ctnn/network.hpp"

CTNN_BEGIN_CONFIG

// Every tensor's observed range (tensor t: 0 the input, k + 1 node k's output), over `samples` runs.
template <class Net>
struct tensor_ranges {
  static constexpr int tensors = schedule_of<Net>::value.node_count + 1;
  std::array<float, tensors> min = filled(std::numeric_limits<float>::infinity());
  std::array<float, tensors> max = filled(-std::numeric_limits<float>::infinity());
  count_t samples = 0;

 private:
  static constexpr std::array<float, tensors> filled(float v) {
    std::array<float, tensors> a{};
    for (float& e : a) e = v;
    return a;
  }
};

// Runs the float forward of w on x (y receives the output, as forward's) and calls see(t, values, count)
// for every tensor it computes, each right after the node that writes it, and for the input first.
template <class Net, class W, class A, class See>
void for_each_tensor(const W& w, std::span<const float, Net::input_size> x, std::span<float, Net::output_size> y,
                     static_arena<A>& arena, See&& see) {
  static_assert(std::is_same_v<W, typename Net::weights>, "ctnn: calibration runs the network's float weights (net::weights)");
  constexpr const auto& plan = memory_plan_for<Net, false>;
  see(0, x.data(), plan.size[0]);
  Net::forward_observed(w, x, y, arena, [&](int node, int nodes) {
    for (int t = node + 1; t <= node + nodes; ++t) {
      const int b = plan.buffer[t];
      if (b == not_stored) continue;
      see(t, b == caller_input ? x.data() : b == caller_output ? y.data() : arena.data.data() + plan.offsets[t], plan.size[t]);
    }
  });
}

// Widens r by every tensor of the float forward of w on x. NaN values are not observed.
template <class Net, class W, class A>
void observe_ranges(const W& w, std::span<const float, Net::input_size> x, std::span<float, Net::output_size> y,
                    static_arena<A>& arena, tensor_ranges<Net>& r) {
  for_each_tensor<Net>(w, x, y, arena, [&](int t, const float* v, count_t n) {
    for (count_t i = 0; i < n; ++i) {
      if (v[i] < r.min[t]) r.min[t] = v[i];
      if (v[i] > r.max[t]) r.max[t] = v[i];
    }
  });
  ++r.samples;
}

// The percentile observer: every tensor's histogram over the range the min/max pass observed (a second
// pass over the same samples), from which percentile(p) gives the range that holds p% of the values,
// the rest split evenly between the two tails, to within a bin: rare outliers no longer stretch the scale.
//   ctnn::tensor_histograms<net> h(ranges);          (large: Bins counts per tensor; static or on the heap)
//   for (...) ctnn::observe_histograms<net>(w, x, y, arena, h);
//   ctnn::quantize_network<net>(w, h.percentile(99.99), q);
template <class Net, int Bins = 2048>
struct tensor_histograms {
  static constexpr int tensors = tensor_ranges<Net>::tensors;
  tensor_ranges<Net> ranges;
  std::array<std::array<std::uint32_t, Bins>, tensors> counts{};

  explicit tensor_histograms(const tensor_ranges<Net>& observed) : ranges(observed) {}

  constexpr int bin_of(int t, float v) const {
    const float width = ranges.max[t] - ranges.min[t];
    if (!(width > 0.0f)) return 0;
    const float at = (v - ranges.min[t]) / width * static_cast<float>(Bins);
    return at < 0.0f ? 0 : (at >= static_cast<float>(Bins) ? Bins - 1 : static_cast<int>(at));
  }

  tensor_ranges<Net> percentile(double p) const {
    tensor_ranges<Net> r = ranges;
    for (int t = 0; t < tensors; ++t) {
      const float width = (ranges.max[t] - ranges.min[t]) / static_cast<float>(Bins);
      if (!(width > 0.0f)) continue;
      unsigned long long total = 0;
      for (std::uint32_t c : counts[t]) total += c;
      const double tail = static_cast<double>(total) * (100.0 - p) / 200.0;
      int low = 0, high = Bins - 1;
      for (double below = 0; low < Bins - 1 && below + counts[t][low] <= tail; ++low) below += counts[t][low];
      for (double above = 0; high > low && above + counts[t][high] <= tail; --high) above += counts[t][high];
      r.min[t] = ranges.min[t] + static_cast<float>(low) * width;
      r.max[t] = ranges.min[t] + static_cast<float>(high + 1) * width;
    }
    return r;
  }
};

template <class Net, int Bins, class W, class A>
void observe_histograms(const W& w, std::span<const float, Net::input_size> x, std::span<float, Net::output_size> y,
                        static_arena<A>& arena, tensor_histograms<Net, Bins>& h) {
  for_each_tensor<Net>(w, x, y, arena, [&](int t, const float* v, count_t n) {
    for (count_t i = 0; i < n; ++i)
      if (v[i] == v[i]) ++h.counts[t][h.bin_of(t, v[i])];
  });
}

namespace impl {
// A batch norm's per-channel scale a and shift b (y = x a + b), for folding (a visitor of the schedule).
template <layout L>
struct scale_shift_for {
  using value_type = void (*)(const float*, index_t, float&, float&);
  static constexpr bool uses_followers = false;
  template <class Node, class N1, class N2, class N3>
  static constexpr value_type of() {
    if constexpr (lowering_at<Node, L>().channel_affine) {
      return &scale_shift_of<Node, L, float>;
    } else {
      return nullptr;
    }
  }
};

// PyTorch's fixed output quantization of sigmoid (quint8 scale 1/256, zero point 0), tanh (2/256, 128) and
// hardsigmoid (1/256, 0), in int8 terms; scale 0 for every other node (a visitor of the schedule).
struct fixed_output_for {
  using value_type = quantization;
  static constexpr bool uses_followers = false;
  template <class Node, class N1, class N2, class N3>
  static constexpr quantization of() {
    if constexpr (block_layer<typename Node::type>) {
      return {0.0f, 0};
    } else if constexpr (std::is_same_v<std::remove_cvref_t<decltype(Node::type::params)>, activation_params>) {
      constexpr activation_kind kind = Node::type::params.kind;
      if (kind == activation_kind::sigmoid || kind == activation_kind::hardsigmoid) return {1.0f / 256.0f, -128};
      if (kind == activation_kind::tanh) return {2.0f / 256.0f, 0};
    }
    return {0.0f, 0};
  }
};
}  // namespace impl

// q from w and the observed ranges (see the top of this file): a batch norm after a convolution or linear
// layer folded into its weights and bias first (w a[c], bias a[c] + b[c], as PyTorch's fuse_modules); the
// multipliers by finish_quantization. q.weights is written channel by channel, without a float copy.
template <class Net>
constexpr void quantize_network(const typename Net::weights& w, const tensor_ranges<Net>& r,
                                quantized_weights_of<Net>& q) {
  using Q = quantized_weights_of<Net>;
  const auto& s = schedule_of<Net>::value;
  const auto& tensors = parameter_layout_of<Net>::value.tensors;
  const auto& scale_shift = node_table<schedule_of<Net>, impl::scale_shift_for<Net::memory_layout>>;
  // Channel c's batch norm after node k: y = x a + b (a = 1, b = 0 without one).
  const auto folded = [&](int k, index_t c, float& a, float& b) {
    a = 1.0f;
    b = 0.0f;
    if (const int j = k + Q::layout.node[k].batch_norm; j > k)
      scale_shift[j](w.values.data() + tensors[s.nodes[j].first_tensor].offset, c, a, b);
  };
  for (int t = 0; t < Q::tensors; ++t) q.activations[t] = observed_quantization(r.min[t], r.max[t]);
  const auto& fixed = node_table<schedule_of<Net>, impl::fixed_output_for>;
  for (int k = 0; k < Q::layout_type::nodes; ++k)
    if (fixed[k].scale > 0.0f) q.activations[k + 1] = fixed[k];
  for (int k = 0; k < Q::layout_type::nodes; ++k) {
    const int8_node& n = Q::layout.node[k];
    if (n.channel_count == 0) continue;
    const float* weight = w.values.data() + tensors[s.nodes[k].first_tensor].offset;
    const count_t per_channel = n.weight_count / n.channel_count;
    for (index_t c = 0; c < n.channel_count; ++c) {
      float a = 1.0f, b = 0.0f;
      folded(k, c, a, b);
      float largest = 0.0f;
      for (count_t i = 0; i < per_channel; ++i) {
        const float v = weight[channel_weight(n, c, i)] * a;
        largest = v > largest ? v : (-v > largest ? -v : largest);
      }
      const float scale = symmetric_weight_scale(largest);
      q.weight_scales[n.channels + c] = scale;
      for (count_t i = 0; i < per_channel; ++i) {
        const count_t at = channel_weight(n, c, i);
        q.weights[n.weights + at] = quantize_weight(weight[at] * a, scale);
      }
    }
  }
  for (int k = 0; k < Q::layout_type::nodes; ++k) {  // the layers computed in float keep their parameters
    const int8_node& n = Q::layout.node[k];
    count_t to = n.floats;
    for (int t = 0; t < s.nodes[k].tensor_count && n.float_count > 0; ++t) {
      const parameter_tensor& from = tensors[s.nodes[k].first_tensor + t];
      for (count_t i = 0; i < from.size; ++i) q.float_parameters[to++] = w.values[from.offset + i];
    }
  }
  finish_quantization_in_place(q);  // ties the tensors that keep their input's quantization, before the biases read them
  for (int k = 0; k < Q::layout_type::nodes; ++k) {
    const int8_node& n = Q::layout.node[k];
    if (!n.has_bias) continue;
    const bool own_bias = s.nodes[k].tensor_count > 1 && same_text(tensors[s.nodes[k].first_tensor + 1].suffix, "bias");
    const float* bias = own_bias ? w.values.data() + tensors[s.nodes[k].first_tensor + 1].offset : nullptr;
    const float input_scale = q.activations[s.nodes[k].inputs[0]].scale;
    for (index_t c = 0; c < n.channel_count; ++c) {
      float a = 1.0f, b = 0.0f;
      folded(k, c, a, b);
      const float real = (bias != nullptr ? bias[c] * a : 0.0f) + b;
      q.biases[n.channels + c] = quantize_bias(real, input_scale, q.weight_scales[n.channels + c]);
    }
  }
  finish_quantization_in_place(q);  // again: the kernel biases read the biases
}

CTNN_END_CONFIG
