// Fusion (ctnn/plan/lowering.hpp): which layers the fast kernels compute together, what the memory plan
// does about it, and that the fused path really skips the intermediate tensor. PyTorch's numbers for
// fused networks are in numeric_fusion_test (tests/data/numeric/fusion.inc).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>

#include "kernel_harness.hpp"

using namespace ctnn;

namespace {
template <class Net, std::size_t I>
constexpr int fused_in = fused_after<typename Net::chain_type, Net::memory_layout, I>();

using block = sequential<input<32, 12, 12>::with<nhwc>, depthwise_conv2d<3, pad<1>>, relu, conv2d<64, 1>, relu>;
static_assert(fused_in<block, 0> == 3);  // depthwise, relu, pointwise, relu
static_assert(fused_in<block, 2> == 1);  // the pointwise and its relu, were it on its own
static_assert(fused_in<block, 1> == 0);  // an activation fuses into nothing

using bare = sequential<input<8, 6, 6>::with<nhwc>, depthwise_conv2d<3>, conv2d<4, 1>, sigmoid>;
static_assert(fused_in<bare, 0> == 2);  // depthwise, pointwise, sigmoid

// A 1x1 convolution with a stride or padding is not a pointwise one; the depthwise keeps only its relu.
using strided = sequential<input<8, 6, 6>::with<nhwc>, depthwise_conv2d<3>, relu, conv2d<4, 1, stride<2>>>;
static_assert(fused_in<strided, 0> == 1);
using padded = sequential<input<8, 6, 6>::with<nhwc>, depthwise_conv2d<3>, relu, conv2d<4, 1, pad<1>>>;
static_assert(fused_in<padded, 0> == 1);
// Past fusion_max_channels the depthwise output would not fit the stack buffer.
using wide = sequential<input<fusion_max_channels + 1, 4, 4>::with<nhwc>, depthwise_conv2d<3>, relu, conv2d<4, 1>>;
static_assert(fused_in<wide, 0> == 1);

// In NCHW only the linear layer has a fast kernel; convolutions run the plain loops, unfused.
using nchw_net = sequential<input<8, 6, 6>, depthwise_conv2d<3>, relu, conv2d<4, 1>, relu, flatten, linear<5>, relu6>;
static_assert(fused_in<nchw_net, 0> == 0 && fused_in<nchw_net, 2> == 0);
static_assert(fused_in<nchw_net, 5> == 1);
// Identity is an alias, not work to fuse; softmax is not element-wise.
using tail = sequential<input<6>, linear<4>, identity, linear<3>, softmax>;
static_assert(fused_in<tail, 0> == 0 && fused_in<tail, 2> == 0);

// The plan records the groups, and keeps a group's input alive to its last step.
using two_blocks = sequential<input<3, 9, 9>::with<nhwc>, conv2d<8, 3, pad<1>>, relu, depthwise_conv2d<3, pad<1>>, relu,
                              conv2d<8, 1>, relu>;
TEST(Fusion, PlanKeepsTheGroupInputAliveToTheGroupEnd) {
  constexpr auto& plan = memory_plan_of<two_blocks>;
  static_assert(plan.steps.size() == 6);
  EXPECT_EQ(plan.steps[0].fused, 1);  // conv + relu
  EXPECT_EQ(plan.steps[2].fused, 3);  // depthwise + relu + pointwise + relu
  const int group_input = plan.steps[2].inputs[0];
  EXPECT_EQ(plan.last_use[group_input], 5);
  // Without the longer life the pointwise output could land on the group input, which the fused kernel
  // still reads.
  const int output = plan.steps[5].output;
  const bool apart = plan.offset(output) + plan.size[output] <= plan.offset(group_input) ||
                     plan.offset(group_input) + plan.size[group_input] <= plan.offset(output);
  EXPECT_TRUE(apart);
}

// The fused kernels never write the depthwise output; the plain loops do. The arena starts as NaN so
// that any write shows.
TEST(Fusion, FusedPathSkipsTheDepthwiseOutput) {
  using net = two_blocks;
  constexpr auto& plan = memory_plan_of<net>;
  const int depthwise_out = plan.steps[2].output;
  auto weights = std::make_unique<net::weights>();
  for_each_array(static_cast<net::weights_of<float>&>(*weights), [](auto a) {
    for (std::size_t i = 0; i < a.size(); ++i) a[i] = 0.01f * static_cast<float>(i % 7) - 0.02f;
  });
  auto prepared = std::make_unique<net::prepared_weights_of<float>>(prepare<net>(*weights));
  std::array<float, net::input_size> x{};
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 5) - 2.0f;

  const auto untouched = [&](const static_arena<net>& a) {
    for (count_t i = 0; i < plan.size[depthwise_out]; ++i)
      if (!std::isnan(a.data[static_cast<std::size_t>(plan.offset(depthwise_out) + i)])) return false;
    return true;
  };
  auto fused = std::make_unique<static_arena<net>>();
  auto plain = std::make_unique<static_arena<net>>();
  fused->data.fill(std::numeric_limits<float>::quiet_NaN());
  plain->data.fill(std::numeric_limits<float>::quiet_NaN());
  const auto y_fused = net::forward(*prepared, x, *fused);
  const auto y_plain = net::forward(*weights, x, *plain);
  EXPECT_TRUE(untouched(*fused));
  EXPECT_FALSE(untouched(*plain));
  for (std::size_t i = 0; i < y_fused.size(); ++i) EXPECT_NEAR(y_fused[i], y_plain[i], 1e-5f) << i;
}

// The fused kernels are constexpr too: the network runs inside the compiler and agrees with run time.
TEST(Fusion, FusedNetworkRunsInsideTheCompiler) {
  using net = sequential<input<4, 5, 6>::with<nhwc>, depthwise_conv2d<3, pad<1>>, relu6, conv2d<6, 1>, hardswish,
                         flatten, linear<3>, relu>;
  static constexpr auto weights = [] {
    net::weights w{};
    int n = 0;
    for_each_array(static_cast<net::weights_of<float>&>(w), [&](auto a) {
      for (auto& v : a) v = static_cast<float>((n++ % 9) - 4) * 0.125f;
    });
    return w;
  }();
  static constexpr auto prepared = prepare<net>(weights);
  static constexpr auto x = [] {
    std::array<float, net::input_size> v{};
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i % 7) - 3.0f;
    return v;
  }();
  static constexpr auto compiled = [] {
    static_arena<net> a{};
    const auto y = net::forward(prepared, x, a);
    return std::array<float, 3>{y[0], y[1], y[2]};
  }();
  auto arena = std::make_unique<static_arena<net>>();
  const auto y = net::forward(weights, x, *arena);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_NEAR(compiled[i], y[i], 1e-5f) << i;
}
}  // namespace
