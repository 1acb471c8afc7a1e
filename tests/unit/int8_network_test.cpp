// Whole int8 networks (ctnn/kernels/run_int8.hpp, ctnn/calibrate.hpp) against PyTorch's eager-mode static
// quantization on tests/data/int8/networks.inc (tools/make_int8_network_reference.py): the quantized
// model's parameters imported and run, in NCHW and NHWC; and the float model calibrated by ctnn on the
// same samples, compared with PyTorch's observers and quantized weights. PyTorch requantizes in float,
// ctnn in fixed point (gemmlowp): outputs may differ by one LSB, rarely.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <span>

#include "ctnn/calibrate.hpp"
#include "ctnn/ctnn.hpp"

#include "../data/int8/networks.inc"

using namespace ctnn;

namespace {

#define CTNN_INT8_NETWORK_DATA(ns)                                                   \
  struct ns##_data {                                                                 \
    using net = ns::net;                                                             \
    static constexpr const auto& weights = ns::weights;                             \
    static constexpr const auto& calibration = ns::calibration;                     \
    static constexpr const auto& inputs = ns::inputs;                               \
    static constexpr int calibration_count = ns::calibration_count;                 \
    static constexpr int input_count = ns::input_count;                             \
    static constexpr quantization input_quantization = ns::input_quantization;      \
    static constexpr const auto& layer_weights = ns::layer_weights;                 \
    static constexpr const auto& layer_weight_scales = ns::layer_weight_scales;     \
    static constexpr const auto& layer_biases = ns::layer_biases;                   \
    static constexpr const auto& layer_outputs = ns::layer_outputs;                 \
    static constexpr const auto& merge_outputs = ns::merge_outputs;                 \
    static constexpr int merge_count = ns::merge_count;                             \
    static constexpr const auto& activation_outputs = ns::activation_outputs;               \
    static constexpr int activation_count = ns::activation_count;                           \
    static constexpr const auto& expected = ns::expected;                           \
    static constexpr const auto& traced_tensors = ns::traced_tensors;               \
    static constexpr const auto& traced = ns::traced;                               \
  };
CTNN_INT8_NETWORK_DATA(int8_cnn)
CTNN_INT8_NETWORK_DATA(int8_kws)
CTNN_INT8_NETWORK_DATA(int8_bn)
CTNN_INT8_NETWORK_DATA(int8_act)
CTNN_INT8_NETWORK_DATA(int8_deconv)
CTNN_INT8_NETWORK_DATA(int8_moves)
CTNN_INT8_NETWORK_DATA(int8_se)

// The layout by hand: every convolution's and linear layer's weights, one byte each, and their channels.
// Cnn: 8x3x3x3, 8x8x3x3 twice, 4x8x1x1, 10x12; Kws: 8x1x5x3, 8x1x3x3, 12x8x1x1, 16x120, 4x16.
static_assert(int8_cnn::net::quantized{}.weights.size() == 216 + 2 * 576 + 32 + 120);
static_assert(int8_cnn::net::quantized{}.biases.size() == 8 + 8 + 8 + 4 + 10);
static_assert(int8_cnn::net::quantized{}.merge_multipliers.size() == 3 + 2);  // add: 2 inputs and the sum; concat: 2
static_assert(int8_kws::net::quantized{}.weights.size() == 120 + 72 + 96 + 1920 + 64);
static_assert(int8_kws::net::quantized{}.weight_scales.size() == 8 + 8 + 12 + 16 + 4);
// Deconv: 8x4x3x3; transposed 8x6x4x4 and 6x3x3x3, per output channel (6 and 3: axis 1, not 8 and 6).
static_assert(int8_deconv::net::quantized{}.weights.size() == 288 + 768 + 162);
static_assert(int8_deconv::net::quantized{}.weight_scales.size() == 8 + 6 + 3);
// A transposed convolution's output channel c: weights [C_in][C_out][taps], so c's run of taps per input
// channel lies C_out taps apart (the 6x3x3x3 layer: channel 2's fourth element is input channel 0's tap 3).
static_assert(channel_weight(int8_deconv::net::quantized::layout.node[4], 2, 3) == 2 * 9 + 3);
static_assert(channel_weight(int8_deconv::net::quantized::layout.node[4], 2, 9) == (1 * 3 + 2) * 9);
// Se: one merge multiplier for the product (add: one per input and one for the sum; concat: one per input).
static_assert(int8_se::net::quantized{}.merge_multipliers.size() == 1);
// The int8 arena is the plain plan's, a byte per element: a quarter of the float one.
static_assert(static_arena<int8_cnn::net::quantized>::bytes * 4 == int8_cnn::net::arena_bytes);
static_assert(int8_kws::net::quantized_arena_bytes * 4 == int8_kws::net::arena_bytes);

// PyTorch's quantized model in ctnn's data (ctnn::quantized_from_layers).
template <class D, class Net = typename D::net>
quantized_weights_of<Net> from_pytorch() {
  return quantized_from_layers<Net>(D::input_quantization, D::layer_weights, D::layer_weight_scales, D::layer_biases,
                                    D::layer_outputs, std::span<const quantization>(D::merge_outputs, D::merge_count),
                                    std::span<const quantization>(D::activation_outputs, D::activation_count));
}

struct differences {
  int count = 0, largest = 0, elements = 0;
};

// Runs every test input through q (x quantized as PyTorch's quant stub does) and compares with PyTorch's
// int8 outputs; the output of a network in NHWC is brought back to PyTorch's order.
template <class D, class Net = typename D::net>
differences run_inputs(const quantized_weights_of<Net>& q) {
  static static_arena<quantized_weights_of<Net>> arena;
  differences d;
  for (int i = 0; i < D::input_count; ++i) {
    std::array<std::int8_t, Net::input_size> nchw{}, x{};
    for (count_t e = 0; e < Net::input_size; ++e)
      nchw[e] = quantize_value(D::inputs[i * Net::input_size + e], q.input_quantization());
    Net::template input_from_nchw<std::int8_t>(nchw, x);
    std::array<std::int8_t, Net::output_size> y{}, out{};
    Net::forward(q, std::span<const std::int8_t, Net::input_size>(x), std::span<std::int8_t, Net::output_size>(y), arena);
    Net::template output_to_nchw<std::int8_t>(y, out);
    for (count_t e = 0; e < Net::output_size; ++e) {
      const int diff = std::abs(int{out[e]} - int{D::expected[i * Net::output_size + e]});
      d.count += diff != 0 ? 1 : 0;
      d.largest = diff > d.largest ? diff : d.largest;
      ++d.elements;
    }
  }
  return d;
}

// Each kernel call against PyTorch's module on the same input: after every call the tensor it wrote is
// compared with PyTorch's and then replaced by it, so that the next call reads what PyTorch's read.
// Also checks that the calls are PyTorch's modules: a layer and its ReLU one call, one per traced tensor,
// but for a residual add and the ReLU after it (two modules in PyTorch's model): one call, whose tensor
// is the ReLU's, the add's skipped.
template <class D>
differences each_call(const typename D::net::quantized& q) {
  using Net = typename D::net;
  constexpr const auto& plan = memory_plan_for<Net, false>;
  constexpr int traced_count = static_cast<int>(std::size(D::traced_tensors));
  count_t per_input = 0;
  for (int t : D::traced_tensors) per_input += plan.size[t];
  static static_arena<typename Net::quantized> arena;
  differences d;
  for (int i = 0; i < D::input_count; ++i) {
    std::array<std::int8_t, Net::input_size> x{};
    std::array<std::int8_t, Net::output_size> y{};
    for (count_t e = 0; e < Net::input_size; ++e)
      x[e] = quantize_value(D::inputs[i * Net::input_size + e], q.input_quantization());
    int calls = 0;
    count_t at = i * per_input;
    run_int8_schedule<Net>(q, x.data(), y.data(), arena.data.data(), [&](int node, int nodes) {
      const int t = node + nodes;
      while (calls < traced_count && D::traced_tensors[calls] > node && D::traced_tensors[calls] < t) {
        EXPECT_EQ(Net::quantized::layout.node[node].clamp.kind, activation_kind::relu) << "call " << calls;
        at += plan.size[D::traced_tensors[calls++]];
      }
      EXPECT_LT(calls, traced_count);
      if (calls >= traced_count) return;
      EXPECT_EQ(t, D::traced_tensors[calls]) << "call " << calls;
      ++calls;
      const int b = plan.buffer[t];
      std::int8_t* values = b == caller_output ? y.data() : arena.data.data() + plan.offsets[t];
      for (count_t e = 0; e < plan.size[t]; ++e, ++at) {
        const int diff = std::abs(int{values[e]} - int{D::traced[at]});
        d.count += diff != 0 ? 1 : 0;
        d.largest = diff > d.largest ? diff : d.largest;
        ++d.elements;
        values[e] = D::traced[at];
      }
    });
    EXPECT_EQ(calls, traced_count);
  }
  return d;
}

template <class D>
void imported_matches_pytorch() {
  using net = typename D::net;
  static const auto q = from_pytorch<D>();
  const differences calls = each_call<D>(q);
  EXPECT_LE(calls.largest, 1);
  EXPECT_LE(calls.count * 100, calls.elements) << calls.count << " of " << calls.elements << " elements differ";
  // The whole network: a one-LSB difference early moves later layers' outputs by more when their
  // scales are finer (Kws's last layer: 0.0005 after 0.0023).
  const differences d = run_inputs<D>(q);
  EXPECT_LE(d.largest, 3);
  EXPECT_LE(d.count * 4, d.elements) << d.count << " of " << d.elements << " elements differ";
  // The same network in NHWC: the same integers, bit for bit (integer sums do not depend on the order).
  using nhwc = relayout_t<net, layout::nhwc>;
  static const auto q_nhwc = from_pytorch<D, nhwc>();
  const differences e = run_inputs<D, nhwc>(q_nhwc);
  EXPECT_EQ(e.count, d.count);
  EXPECT_EQ(e.largest, d.largest);
}

TEST(Int8Network, CnnImportedFromPyTorch) { imported_matches_pytorch<int8_cnn_data>(); }
TEST(Int8Network, KwsImportedFromPyTorch) { imported_matches_pytorch<int8_kws_data>(); }
TEST(Int8Network, BatchNormsFoldedImportedFromPyTorch) { imported_matches_pytorch<int8_bn_data>(); }
TEST(Int8Network, TableActivationsImportedFromPyTorch) { imported_matches_pytorch<int8_act_data>(); }
TEST(Int8Network, TransposedConvolutionsImportedFromPyTorch) { imported_matches_pytorch<int8_deconv_data>(); }
TEST(Int8Network, ElementMovesImportedFromPyTorch) { imported_matches_pytorch<int8_moves_data>(); }
TEST(Int8Network, SqueezeExcitationImportedFromPyTorch) { imported_matches_pytorch<int8_se_data>(); }

// Observed on the same samples, ctnn's quantization is PyTorch's: the same int8 weights and scales, the
// same biases, the same activation scales and zero points, to float rounding: the two float forwards
// round differently, and so do the two foldings of a batch norm (w a[c] here; PyTorch's
// w (gamma rsqrt(var + eps))), which can move a weight that lies on a rounding tie by one.
template <class D>
void calibration_matches_pytorch() {
  using net = typename D::net;
  using Q = typename net::quantized;
  static typename net::weights w;
  ASSERT_TRUE(load_weights(w, std::span<const float>(D::weights)).ok);
  static static_arena<net> arena;
  tensor_ranges<net> ranges;
  for (int i = 0; i < D::calibration_count; ++i) {
    std::array<float, net::input_size> x{};
    std::array<float, net::output_size> y{};
    net::input_from_nchw(std::span<const float, net::input_size>(D::calibration + i * net::input_size, net::input_size), x);
    observe_ranges<net>(w, x, y, arena, ranges);
  }
  EXPECT_EQ(ranges.samples, D::calibration_count);
  static Q q;
  quantize_network<net>(w, ranges, q);
  const Q& torch = from_pytorch<D>();

  int weights_differ = 0, weights_far = 0, biases_far = 0;
  for (std::size_t i = 0; i < q.weights.size(); ++i) {
    weights_differ += q.weights[i] != torch.weights[i] ? 1 : 0;
    weights_far += std::abs(q.weights[i] - torch.weights[i]) > 1 ? 1 : 0;
  }
  for (std::size_t i = 0; i < q.biases.size(); ++i) biases_far += std::abs(q.biases[i] - torch.biases[i]) > 1 ? 1 : 0;
  EXPECT_LE(weights_differ * 100, static_cast<int>(q.weights.size())) << weights_differ << " weights differ by one";
  EXPECT_EQ(weights_far, 0);
  EXPECT_EQ(biases_far, 0);
  for (std::size_t c = 0; c < q.weight_scales.size(); ++c)
    EXPECT_NEAR(q.weight_scales[c], torch.weight_scales[c], 1e-6 * torch.weight_scales[c]) << c;
  for (int t = 0; t < Q::tensors; ++t) {
    EXPECT_NEAR(q.activations[t].scale, torch.activations[t].scale, 1e-5 * torch.activations[t].scale) << "tensor " << t;
    EXPECT_NEAR(q.activations[t].zero_point, torch.activations[t].zero_point, 1) << "tensor " << t;
  }
  // Run: as close to PyTorch's calls and outputs as the imported parameters are.
  const differences calls = each_call<D>(q);
  EXPECT_LE(calls.largest, 1);
  EXPECT_LE(calls.count * 100, calls.elements) << calls.count << " of " << calls.elements << " elements differ";
  const differences d = run_inputs<D>(q);
  EXPECT_LE(d.largest, 3);
  EXPECT_LE(d.count * 4, d.elements) << d.count << " of " << d.elements << " elements differ";

  // And close to the float network: within 3% of the output's range (255 steps) of ctnn's float forward.
  static static_arena<typename net::quantized> arena8;
  const quantization out = q.output_quantization();
  for (int i = 0; i < D::input_count; ++i) {
    std::array<float, net::input_size> x{};
    std::array<float, net::output_size> y{}, back{};
    std::array<std::int8_t, net::input_size> x8{};
    std::array<std::int8_t, net::output_size> y8{};
    net::input_from_nchw(std::span<const float, net::input_size>(D::inputs + i * net::input_size, net::input_size), x);
    net::forward(w, std::span<const float, net::input_size>(x), std::span<float, net::output_size>(y), arena);
    quantize_tensor(x, q.input_quantization(), x8);
    net::forward(q, std::span<const std::int8_t, net::input_size>(x8), std::span<std::int8_t, net::output_size>(y8), arena8);
    dequantize_tensor(y8, out, back);
    for (count_t e = 0; e < net::output_size; ++e) EXPECT_NEAR(back[e], y[e], 0.03f * 255.0f * out.scale) << "input " << i << " output " << e;
  }
}

// The ReLU after int8_cnn's residual add runs inside the add, clamping as it stores (PyTorch's add_relu;
// the same bytes: the ReLU keeps the add's quantization), so CnnImportedFromPyTorch runs it so; int8_bn's
// add, with a pooling after it, computes only itself.
template <class Net>
void expect_adds_fuse(int fused) {
  constexpr auto& s = schedule_of<Net>::value;
  int adds = 0;
  for (int k = 0; k < s.node_count; ++k)
    if (s.nodes[k].kind == node_kind::add) {
      ++adds;
      EXPECT_EQ(quantized_weights_of<Net>::layout.node[k].fused, fused);
      EXPECT_EQ(quantized_weights_of<Net>::layout.node[k].clamp.kind, fused ? activation_kind::relu : activation_kind::identity);
    }
  EXPECT_EQ(adds, 1);
}
TEST(Int8Network, ReluAfterAnAddRunsInTheAdd) {
  expect_adds_fuse<int8_cnn::net>(1);
  expect_adds_fuse<int8_bn::net>(0);
}

// A convolution in a chain of its own (ResNet's conv_bn) computes the batch norm in it and the ReLU after
// the chain, as its twin written out does: the chain's end is a node of the group; the same quantization
// (the group's output is the ReLU's), the same bytes out.
template <class Nested, class Written>
void expect_int8_as_written_out() {
  static_assert(Nested::quantized::layout.node[0].fused == 3 && Nested::quantized::layout.node[0].batch_norm == 1);
  static_assert(Written::quantized::layout.node[0].fused == 2 && Written::quantized::layout.node[0].batch_norm == 1);
  static_assert(sizeof(typename Nested::weights) == sizeof(typename Written::weights));
  static typename Nested::weights nested_w;
  static typename Written::weights written_w;
  for (std::size_t i = 0; i < nested_w.values.size(); ++i)  // positive: a batch norm's variance too
    nested_w.values[i] = written_w.values[i] = 0.05f * (1.2f + std::sin(0.37f * static_cast<float>(i)));
  tensor_ranges<Nested> nested_ranges;
  tensor_ranges<Written> written_ranges;
  static static_arena<Nested> nested_arena;
  static static_arena<Written> written_arena;
  std::array<float, Nested::input_size> x{};
  std::array<float, Nested::output_size> y{};
  for (int sample = 0; sample < 4; ++sample) {
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::cos(0.1f * static_cast<float>(i) + static_cast<float>(sample));
    observe_ranges<Nested>(nested_w, x, y, nested_arena, nested_ranges);
    observe_ranges<Written>(written_w, x, y, written_arena, written_ranges);
  }
  static typename Nested::quantized nested_q;
  static typename Written::quantized written_q;
  quantize_network<Nested>(nested_w, nested_ranges, nested_q);
  quantize_network<Written>(written_w, written_ranges, written_q);
  EXPECT_EQ(nested_q.weights, written_q.weights);
  EXPECT_EQ(nested_q.biases, written_q.biases);
  EXPECT_EQ(nested_q.activations[1].scale, written_q.activations[1].scale);  // the group's output: the ReLU's
  EXPECT_EQ(nested_q.activations[4].scale, written_q.activations[3].scale);
  std::array<std::int8_t, Nested::input_size> x8{};
  std::array<std::int8_t, Nested::output_size> nested_y{}, written_y{};
  quantize_tensor(x, nested_q.input_quantization(), x8);
  static static_arena<typename Nested::quantized> nested_arena8;
  static static_arena<typename Written::quantized> written_arena8;
  Nested::forward(nested_q, std::span<const std::int8_t, Nested::input_size>(x8), std::span<std::int8_t, Nested::output_size>(nested_y), nested_arena8);
  Written::forward(written_q, std::span<const std::int8_t, Nested::input_size>(x8), std::span<std::int8_t, Nested::output_size>(written_y), written_arena8);
  EXPECT_EQ(nested_y, written_y);
  EXPECT_NE(std::count(nested_y.begin(), nested_y.end(), nested_y[0]), static_cast<std::ptrdiff_t>(nested_y.size()));
}
template <class Input>
using nested_int8 = sequential<Input, chain<conv2d<8, 3, pad<1>, no_bias>, batch_norm2d<>>, relu, conv2d<6, 3>, flatten>;
template <class Input>
using written_int8 = sequential<Input, conv2d<8, 3, pad<1>, no_bias>, batch_norm2d<>, relu, conv2d<6, 3>, flatten>;
TEST(Int8Network, NestedChainsRunAsWrittenOut) {
  expect_int8_as_written_out<nested_int8<input<3, 8, 8>>, written_int8<input<3, 8, 8>>>();
  expect_int8_as_written_out<nested_int8<input<3, 8, 8>::with<nhwc>>, written_int8<input<3, 8, 8>::with<nhwc>>>();
}

TEST(Int8Network, CnnCalibratedAsPyTorch) { calibration_matches_pytorch<int8_cnn_data>(); }
TEST(Int8Network, KwsCalibratedAsPyTorch) { calibration_matches_pytorch<int8_kws_data>(); }
TEST(Int8Network, BatchNormsFoldedCalibratedAsPyTorch) { calibration_matches_pytorch<int8_bn_data>(); }
TEST(Int8Network, TableActivationsCalibratedAsPyTorch) { calibration_matches_pytorch<int8_act_data>(); }
TEST(Int8Network, TransposedConvolutionsCalibratedAsPyTorch) { calibration_matches_pytorch<int8_deconv_data>(); }
TEST(Int8Network, ElementMovesCalibratedAsPyTorch) { calibration_matches_pytorch<int8_moves_data>(); }
TEST(Int8Network, SqueezeExcitationCalibratedAsPyTorch) { calibration_matches_pytorch<int8_se_data>(); }

}  // namespace

namespace {
// The percentile observer, on values by hand: 99 evenly in [0, 1] and one outlier at 100. Min/max takes
// [0, 100]; the 98th percentile (one value in each tail) ends within a bin (100 / 2048) above 1.
TEST(Int8Network, PercentileObserverClipsTheOutlier) {
  using net = sequential<input<1, 1, 100>, relu>;
  static net::weights w;
  static static_arena<net> arena;
  std::array<float, 100> x{}, y{};
  for (int i = 0; i < 99; ++i) x[static_cast<std::size_t>(i)] = static_cast<float>(i) / 98.0f;
  x[99] = 100.0f;
  tensor_ranges<net> ranges;
  observe_ranges<net>(w, x, y, arena, ranges);
  EXPECT_EQ(ranges.max[0], 100.0f);
  auto histograms = std::make_unique<tensor_histograms<net>>(ranges);
  observe_histograms<net>(w, x, y, arena, *histograms);
  const tensor_ranges<net> clipped = histograms->percentile(98.0);
  const float bin = 100.0f / 2048.0f;
  EXPECT_EQ(clipped.min[0], 0.0f);
  EXPECT_GE(clipped.max[0], 1.0f);
  EXPECT_LE(clipped.max[0], 1.0f + bin);
  EXPECT_EQ(clipped.max[1], clipped.max[0]);  // relu's output: the same values
  static net::quantized q;
  quantize_network<net>(w, clipped, q);
  EXPECT_NEAR(q.activations[0].scale, clipped.max[0] / 255.0f, 1e-7f);
  EXPECT_EQ(q.activations[0].zero_point, -128);
}
}  // namespace
