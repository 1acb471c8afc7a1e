// Whole networks: the memory plan (checked against hand computations and for overlaps), the forward
// pass in both layouts, evaluation inside the compiler, and loading weights.
#include <gtest/gtest.h>

#include "kernel_harness.hpp"

using namespace ctnn;

namespace {

using lenet = sequential<input<1, 32, 32>, conv2d<6, 5>, relu, max_pool2d<2>, conv2d<16, 5>, relu, max_pool2d<2>,
                         flatten, linear<120>, relu, linear<84>, relu, linear<10>>;
using basic_block = sequential<input<64, 56, 56>,
    residual<chain<conv2d<128, 3, stride<2>, pad<1>, no_bias>, batch_norm2d<>, relu,
                   conv2d<128, 3, pad<1>, no_bias>, batch_norm2d<>>,
             chain<conv2d<128, 1, stride<2>, no_bias>, batch_norm2d<>>>,
    relu>;
using unet_level = sequential<input<3, 128, 128>,
    chain<conv2d<64, 3, pad<1>>, relu, conv2d<64, 3, pad<1>>, relu>,
    concat<identity_layer, chain<max_pool2d<2>, conv2d<128, 3, pad<1>>, relu, conv2d<128, 3, pad<1>>, relu,
                           conv_transpose2d<64, 2, stride<2>>>>,
    chain<conv2d<64, 3, pad<1>>, relu, conv2d<64, 3, pad<1>>, relu>, conv2d<2, 1>>;
}  // namespace

// LeNet-5: the relus run in place and flatten aliases its input, so the live tensors are the
// adjacent pairs conv1/pool1 (4704 + 1176 -> 1184 aligned to 16), pool1/conv2 (1184 + 1600),
// conv2/pool2 (1600 + 400), pool2/fc1 (400 + 128), fc1/fc2 (128 + 96); fc3 writes the caller's output:
// the largest is 5888 elements, 23,552 bytes of float.
static_assert(memory_plan_of<lenet>.arena_elements == 5888);
static_assert(lenet::arena_bytes == 5888 * sizeof(float));
static_assert(sizeof(static_arena<lenet>) == 5888 * sizeof(float));

// ResNet basic block: the input is the caller's; the main branch's second conv writes straight into
// the caller's output, where batch norm, the add and the relu then run in place. In the arena: the main
// branch's first conv (128x28x28 = 100,352), alive until the second conv reads it, and later the
// shortcut conv, alive from its node to the add: never together, so 100,352 elements.
static_assert(memory_plan_of<basic_block>.arena_elements == 100352);

// U-Net level: at the concat the skip (64x128x128 = 1,048,576), the upsampled branch (1,048,576) and
// the concat's output (128x128x128 = 2,097,152) are alive together: 4,194,304 elements, and nothing
// needs more (the last convolution writes the caller's output).
static_assert(memory_plan_of<unet_level>.arena_elements == 4194304);

TEST(MemoryPlan, TensorsAliveTogetherNeverOverlap) {
  EXPECT_TRUE(harness::plan_is_sound(memory_plan_of<lenet>));
  EXPECT_TRUE(harness::plan_is_sound(memory_plan_of<basic_block>));
  EXPECT_TRUE(harness::plan_is_sound(memory_plan_of<unet_level>));
  using nhwc_lenet = harness::relayout<lenet, layout::nhwc>::type;
  EXPECT_TRUE(harness::plan_is_sound(memory_plan_of<nhwc_lenet>));
  // In NHWC flatten moves data (channel-last to channel-first order), so it needs its own buffer.
  EXPECT_GE(memory_plan_of<nhwc_lenet>.arena_elements, memory_plan_of<lenet>.arena_elements);
}

TEST(MemoryPlan, StorageDecisions) {
  constexpr auto& p = memory_plan_of<lenet>;
  EXPECT_EQ(p.buffer[2], p.buffer[1]);  // relu in place on conv1's output
  EXPECT_EQ(p.buffer[7], p.buffer[6]);  // flatten aliases pool2's output
  EXPECT_NE(p.buffer[3], p.buffer[2]);  // pooling writes a new buffer
  EXPECT_EQ(p.buffer[0], caller_input);     // the input stays the caller's
  EXPECT_EQ(p.buffer[12], caller_output);   // fc3 writes the caller's output
  EXPECT_EQ(p.buffer[11], p.buffer[10]);    // its input, fc2's relu, in place in the arena
}

namespace {
template <class Net>
void expect_layouts_agree(unsigned seed) {
  const auto x = harness::random_values(Net::input_size, seed);
  auto params = harness::random_values(harness::parameter_count<Net>(), seed + 1);
  for (auto& v : params) v = v * 0.5f + 0.6f;  // keeps batch norm variances positive
  const auto [nchw, nhwc] = harness::run_both<Net>(x, params);
  EXPECT_TRUE(harness::close(nhwc, nchw, 1e-4, 1e-4));
}
}  // namespace

TEST(Forward, LayoutsGiveTheSameNumbers) {
  expect_layouts_agree<sequential<input<3, 12, 12>, conv2d<4, 3>, relu, max_pool2d<2>, conv2d<5, 3>, relu, flatten,
                                  linear<7>, softmax>>(1);
  expect_layouts_agree<sequential<input<4, 8, 8>,
                                  residual<chain<conv2d<8, 3, stride<2>, pad<1>, no_bias>, batch_norm2d<>, relu,
                                                 conv2d<8, 3, pad<1>, no_bias>, batch_norm2d<>>,
                                           chain<conv2d<8, 1, stride<2>, no_bias>, batch_norm2d<>>>,
                                  relu>>(2);
  expect_layouts_agree<sequential<input<2, 8, 8>, conv2d<4, 3, pad<1>>, relu,
                                  concat<identity_layer, chain<max_pool2d<2>, conv2d<4, 3, pad<1>>, relu,
                                                         conv_transpose2d<4, 2, stride<2>>>>,
                                  conv2d<2, 1>, upsample_bilinear2d<scale_factor<2>>, reflection_pad2d<pad<1>>,
                                  global_avg_pool, flatten, reshape<1, 2>, softmax_dim<-1>>>(3);
  // A batch norm folded into a transposed convolution's Winograd weights (AVX2 and wider builds).
  expect_layouts_agree<sequential<input<16, 6, 7>, conv_transpose2d<24, 4, stride<2>, pad<1>, no_bias>, batch_norm2d<>,
                                  relu>>(4);
}

// The kernels are constexpr: a network with constant weights runs inside the compiler.
namespace {
using tiny = sequential<input<1, 4, 4>, conv2d<2, 3, pad<1>>, relu, max_pool2d<2>, flatten, linear<3>>;

constexpr std::array<float, 3> run_tiny() {
  tiny::weights w{};
  const auto conv = w.at<0>();
  for (std::size_t i = 0; i < conv.weight.size(); ++i) conv.weight[i] = (i % 3 == 0) ? 1.0f : -0.5f;
  conv.bias[0] = 0.25f;
  conv.bias[1] = -1.0f;
  const auto fc = w.at<4>();
  for (std::size_t i = 0; i < fc.weight.size(); ++i) fc.weight[i] = float(int(i % 5) - 2);
  std::array<float, 16> x{};
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = float(int(i % 7) - 3);
  static_arena<tiny> arena{};
  std::array<float, 3> y{};
  tiny::forward(w, x, y, arena);
  return y;
}

constexpr std::array<float, 3> tiny_at_compile_time = run_tiny();
}  // namespace

TEST(Forward, EvaluatesInsideTheCompilerWithTheSameResult) {
  // Dyadic values: every order of summation is exact, so compile time and run time agree bit for bit.
  const std::array<float, 3> at_run_time = run_tiny();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(at_run_time[i], tiny_at_compile_time[i]);
  // And the values themselves, from the naive reference: conv (pad 1), relu, 2x2 max pool, linear.
  naive::tensor x(1, 1, 4, 4);
  for (int i = 0; i < 16; ++i) x.v[i] = i % 7 - 3;
  std::vector<double> w(18);
  for (int i = 0; i < 18; ++i) w[i] = i % 3 == 0 ? 1.0 : -0.5;
  naive::tensor h = naive::conv(x, w, {0.25, -1.0}, 2, {1, 3, 3}, {1, 1, 1}, {1, 1, 1}, {0, 1, 1}, {0, 1, 1}, 1);
  for (double& v : h.v) v = std::max(v, 0.0);
  const naive::tensor pooled = naive::max_pool(h, {1, 2, 2}, {1, 2, 2}, {1, 1, 1}, {0, 0, 0}, false);
  for (int j = 0; j < 3; ++j) {
    double sum = 0;  // linear<3> over the 8 pooled values, weight (i % 5) - 2, no bias set
    for (int k = 0; k < 8; ++k) sum += ((j * 8 + k) % 5 - 2) * pooled.v[k];
    EXPECT_EQ(tiny_at_compile_time[j], static_cast<float>(sum)) << j;
  }
}

TEST(Weights, LoadRefusesAWrongCountAndKeepsTheWeights) {
  lenet::weights w{};
  w.at<0>().weight[0] = 42.0f;
  const std::vector<float> short_list(100, 1.0f);
  const load_result r = load_weights(w, std::span<const float>(short_list));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.given, 100);
  // LeNet-5: 6*25 + 6, 16*6*25 + 16, 120*400 + 120, 84*120 + 84, 10*84 + 10 = 61,706 (LeCun's count).
  EXPECT_EQ(r.expected, 61706);
  EXPECT_EQ(w.at<0>().weight[0], 42.0f);
}

TEST(Weights, LoadFollowsPyTorchsStateDictOrder) {
  using net = sequential<input<2, 3, 3>, conv2d<1, 1>, batch_norm2d<>, flatten, linear<2>>;
  // conv.weight [1,2,1,1], conv.bias [1], bn.weight, bn.bias, bn.running_mean, bn.running_var [1 each],
  // fc.weight [2,9], fc.bias [2].
  std::vector<float> flat(2 + 1 + 4 + 18 + 2);
  for (std::size_t i = 0; i < flat.size(); ++i) flat[i] = float(i);
  net::weights w{};
  ASSERT_TRUE(load_weights(w, std::span<const float>(flat)).ok);
  EXPECT_EQ(w.at<0>().weight[1], 1.0f);
  EXPECT_EQ(w.at<0>().bias[0], 2.0f);
  EXPECT_EQ(w.at<1>().weight[0], 3.0f);
  EXPECT_EQ(w.at<1>().running_var[0], 6.0f);
  EXPECT_EQ(w.at<3>().weight[0], 7.0f);
  EXPECT_EQ(w.at<3>().bias[1], 26.0f);
  // The same tensors by name, with their shapes, as PyTorch's state_dict lists them.
  constexpr auto& p = parameters_of<net>;
  static_assert(p.size() == 8);
  EXPECT_STREQ(p[0].name, "0.weight");
  EXPECT_EQ(p[0].dims, (shape{1, 2, 1, 1}));
  EXPECT_STREQ(p[5].name, "1.running_var");
  EXPECT_FALSE(p[5].learned);
  EXPECT_STREQ(p[6].name, "3.weight");
  EXPECT_EQ(p[6].offset, 7);
  const std::vector<float> row(18, -1.0f);
  EXPECT_TRUE(set_parameter(w, "3.weight", shape{2, 9}, std::span<const float>(row)));
  EXPECT_EQ(w.at<3>().weight[17], -1.0f);
  // Refused calls write nothing: their data differs from what is stored.
  const std::vector<float> other(18, 2.0f);
  EXPECT_EQ(set_parameter(w, "3.weight", shape{9, 2}, std::span<const float>(other)).status, parameter_status::wrong_shape);
  EXPECT_EQ(set_parameter(w, "4.weight", shape{2, 9}, std::span<const float>(other)).status, parameter_status::unknown_name);
  for (int i = 0; i < 18; ++i) EXPECT_EQ(w.at<3>().weight[i], -1.0f) << i;
  EXPECT_EQ(w.at<3>().bias[1], 26.0f);
}

// The summary, the memory plan and the runner each walk the network in execution order; if their walks
// ever disagreed, a summary row would name the wrong tensor. Every row's tensor must have the row's size.
TEST(MemoryPlan, SummaryRowsNameTheirOwnTensors) {
  using nested = sequential<input<4, 8, 8>, chain<conv2d<4, 3, pad<1>>, relu>,
                            residual<chain<conv2d<4, 3, pad<1>>, concat<identity_layer, chain<relu, conv2d<2, 1>>>,
                                           conv2d<4, 1>>>,
                            concat<max_pool2d<2>, chain<conv2d<8, 2, stride<2>>, chain<>>>, flatten, linear<3>>;
  constexpr auto& plan = memory_plan_of<nested>;
  constexpr auto& summary = summary_of<nested>;
  for (const layer_summary& row : summary.rows)
    EXPECT_EQ(plan.size[row.tensor], row.output.size()) << row.name << " at depth " << row.depth;
  EXPECT_TRUE(harness::plan_is_sound(plan));
}

namespace {
// [2, 2, 3] from channel-first order: in NHWC element (h, w, c) is at (h * 3 + w) * 2 + c, counted by
// hand; NCHW copies.
TEST(Layout, InputFromNchwAndOutputBack) {
  using channels_last = sequential<input<2, 2, 3>::with<nhwc>, relu>;
  using channels_first = sequential<input<2, 2, 3>, relu>;
  std::array<float, 12> nchw{}, x{}, back{};
  for (std::size_t i = 0; i < nchw.size(); ++i) nchw[i] = static_cast<float>(i);
  channels_last::input_from_nchw(nchw, x);
  EXPECT_EQ(x, (std::array<float, 12>{0, 6, 1, 7, 2, 8, 3, 9, 4, 10, 5, 11}));
  channels_last::output_to_nchw(x, back);
  EXPECT_EQ(back, nchw);
  channels_first::input_from_nchw(nchw, x);
  EXPECT_EQ(x, nchw);
  // A classifier's [C] output is the same in both layouts.
  using classifier = sequential<input<2, 2, 3>::with<nhwc>, flatten, linear<4>>;
  const std::array<double, 4> y{1, 2, 3, 4};
  std::array<double, 4> y_nchw{};
  classifier::output_to_nchw<double>(y, y_nchw);
  EXPECT_EQ(y_nchw, y);
}
}  // namespace
