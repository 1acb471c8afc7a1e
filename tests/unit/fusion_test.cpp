// Fusion (ctnn/plan/schedule.hpp): which layers the fast kernels compute together, what the memory plan
// does about it, and that the fused path really skips the intermediate tensor. PyTorch's numbers for
// fused networks are in numeric_fusion_test (tests/data/numeric/fusion.inc).
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include "ctnn/parallel.hpp"
#include "kernel_harness.hpp"

using namespace ctnn;

namespace {
template <class Net, std::size_t I>
constexpr int fused_in = schedule_of<Net>::value.nodes[I].fused;

using block = sequential<input<32, 12, 12>::with<nhwc>, depthwise_conv2d<3, pad<1>>, relu, conv2d<64, 1>, relu>;
static_assert(fused_in<block, 0> == 3);  // depthwise, relu, pointwise, relu
static_assert(schedule_of<block>::value.nodes[2].inside_group && fused_in<block, 2> == 0);  // the group's
static_assert(fused_in<block, 1> == 0);  // an activation fuses into nothing
// The pointwise and its relu on their own.
static_assert(fused_in<sequential<input<32, 12, 12>::with<nhwc>, conv2d<64, 1>, relu>, 0> == 1);

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
using tail = sequential<input<6>, linear<4>, identity_layer, linear<3>, softmax>;
static_assert(fused_in<tail, 0> == 0 && fused_in<tail, 2> == 0);

// A batch norm right after a fast kernel folds into its weights: conv -> BN -> activation is one pass.
template <class Net, std::size_t I>
constexpr int folded_in = schedule_of<Net>::value.nodes[I].batch_norm;
template <class Net, std::size_t I>
constexpr int pointwise_in = schedule_of<Net>::value.nodes[I].pointwise;
using conv_bn_relu = sequential<input<3, 8, 8>::with<nhwc>, conv2d<16, 3, no_bias>, batch_norm2d<>, relu>;
static_assert(fused_in<conv_bn_relu, 0> == 2 && folded_in<conv_bn_relu, 0> == 1);
static_assert(sequential<input<3, 8, 8>::with<nhwc>, conv2d<16, 3>, batch_norm2d<>, relu>::prepared_arena_bytes == 0);
// MobileNetV2's depthwise, its batch norm and ReLU6, the projection and its batch norm: one pass, each
// batch norm folded into its convolution's weights (the projection's node 4 into node 3's).
using inverted = sequential<input<16, 6, 6>::with<nhwc>, depthwise_conv2d<3, pad<1>>, batch_norm2d<>, relu6,
                            conv2d<8, 1>, batch_norm2d<>>;
static_assert(fused_in<inverted, 0> == 4 && folded_in<inverted, 0> == 1 && pointwise_in<inverted, 0> == 3);
static_assert(folded_in<inverted, 3> == 1 && schedule_of<inverted>::value.nodes[3].inside_group);
using dw_relu_pw_bn = sequential<input<16, 6, 6>::with<nhwc>, depthwise_conv2d<3>, relu, conv2d<8, 1>, batch_norm2d<>>;
static_assert(fused_in<dw_relu_pw_bn, 0> == 3 && folded_in<dw_relu_pw_bn, 0> == 0 && folded_in<dw_relu_pw_bn, 2> == 1);
// An activation after the projection joins within the three layers the runner's types see (here the
// fourth: it runs apart); a batch norm, which needs no type, as the fourth too.
using inverted_relu = sequential<input<16, 6, 6>::with<nhwc>, depthwise_conv2d<3, pad<1>>, batch_norm2d<>, relu6,
                                 conv2d<8, 1>, relu>;
static_assert(fused_in<inverted_relu, 0> == 3 && !schedule_of<inverted_relu>::value.nodes[4].inside_group);
using dw_pw_relu = sequential<input<16, 6, 6>::with<nhwc>, depthwise_conv2d<3, pad<1>>, relu6, conv2d<8, 1>, relu>;
static_assert(fused_in<dw_pw_relu, 0> == 3);
using linear_bn = sequential<input<20>, linear<12>, batch_norm1d<>, relu, linear<5>>;
static_assert(fused_in<linear_bn, 0> == 2 && folded_in<linear_bn, 0> == 1);
// A grouped convolution's too (its weights per group). Not folded: after an activation, after a kernel
// with no fast path (any conv in NCHW).
using grouped_bn_relu = sequential<input<16, 8, 8>::with<nhwc>, conv2d<16, 3, groups<2>>, batch_norm2d<>, relu>;
static_assert(fused_in<grouped_bn_relu, 0> == 2 && folded_in<grouped_bn_relu, 0> == 1);
static_assert(fused_in<sequential<input<3, 8, 8>::with<nhwc>, conv2d<16, 3>, relu, batch_norm2d<>>, 0> == 1);
static_assert(folded_in<sequential<input<3, 8, 8>, conv2d<16, 3>, batch_norm2d<>, relu>, 0> == 0);

// PyTorch's Linear at every position of an input of rank >= 2 runs the packed kernel too: an activation
// after it fuses, a batch norm (over dim 0, not its outputs along the last dim) does not fold.
using positions_gelu = sequential<input<14, 14, 24>::with<nhwc>, linear<40, per_position>, gelu>;
static_assert(fused_in<positions_gelu, 0> == 1);
using positions_bn = sequential<input<6, 8>, linear<12, per_position>, batch_norm1d<>, relu>;
static_assert(fused_in<positions_bn, 0> == 0 && folded_in<positions_bn, 0> == 0);

// Fusion crosses the end of a chain used as a layer (its node moves nothing): the layers after the chain
// follow its last layer, as if the chain were written out (ResNet's conv_bn chain and the ReLU after it).
using nested_bn_relu = sequential<input<3, 8, 8>::with<nhwc>, chain<conv2d<16, 3, no_bias>, batch_norm2d<>>, relu>;
static_assert(fused_in<nested_bn_relu, 0> == 3 && folded_in<nested_bn_relu, 0> == 1);  // conv, bn, chain, relu
using deeply_nested = sequential<input<3, 8, 8>::with<nhwc>, chain<chain<chain<conv2d<16, 3>>, batch_norm2d<>>, relu6>, conv2d<4, 1>>;
static_assert(fused_in<deeply_nested, 0> == 4 && folded_in<deeply_nested, 0> == 2);  // conv, chain, bn, chain, relu6 | chain
static_assert(schedule_of<deeply_nested>::value.nodes[4].inside_group && !schedule_of<deeply_nested>::value.nodes[6].inside_group);
// A depthwise + pointwise pass across a chain's end: the pointwise convolution is node 3.
using nested_dw_pw = sequential<input<16, 6, 6>::with<nhwc>, chain<depthwise_conv2d<3, pad<1>>, relu>, conv2d<8, 1>, relu6>;
static_assert(fused_in<nested_dw_pw, 0> == 4 && schedule_of<nested_dw_pw>::value.nodes[0].pointwise == 3);
// And into a chain after the layer: its first layers follow (the zoo's MobileNetV2 projection, a
// conv_bn chain after the depthwise one's).
using chains_after = sequential<input<8, 6, 6>::with<nhwc>, conv2d<8, 3>, chain<chain<batch_norm2d<>>, relu>, conv2d<4, 1>>;
static_assert(fused_in<chains_after, 0> == 3 && folded_in<chains_after, 0> == 1);  // conv, bn, chain, relu
// Not across: a branch's end (the concat follows), a block of another kind after the chain (its first
// layer reads the chain's output, and so does its add), an empty chain.
using branch_end = sequential<input<8, 6, 6>::with<nhwc>, concat<chain<chain<conv2d<8, 3, pad<1>>, batch_norm2d<>>>, chain<>>, relu>;
static_assert(fused_in<branch_end, 0> == 1);
using block_after = sequential<input<8, 6, 6>::with<nhwc>, chain<conv2d<8, 3, pad<1>>>, residual<chain<relu, conv2d<8, 1>>>>;
static_assert(fused_in<block_after, 0> == 0);
static_assert(fused_in<sequential<input<8, 6, 6>::with<nhwc>, conv2d<8, 3>, chain<>, relu>, 0> == 0);

// A residual add right after a convolution's group (nothing but moves between them) is computed by that
// group as it stores, with the clamp after the add (ResNet's ReLU): the group's last node is the clamp,
// its addend the other input, which existed before the group ran.
template <class Net, std::size_t I>
constexpr int addend_of = schedule_of<Net>::value.nodes[I].addend;
template <class Main, class Shortcut = chain<>, class After = relu>
using resblock = sequential<input<8, 10, 10>::with<nhwc>, residual<Main, Shortcut>, After>;
using basic_main = chain<conv2d<8, 3, pad<1>, no_bias>, batch_norm2d<>, relu, conv2d<8, 3, pad<1>, no_bias>, batch_norm2d<>>;
// Nodes: conv, bn, relu | conv, bn, residual, relu: the second group runs through the relu, adding the input.
static_assert(fused_in<resblock<basic_main>, 3> == 3 && addend_of<resblock<basic_main>, 3> == 0);
static_assert(schedule_of<resblock<basic_main>>::value.nodes[6].inside_group);
static_assert(addend_of<resblock<basic_main>, 0> == -1);
// A downsampling shortcut, computed after the main branch: its convolution adds the main's output (5).
using down_main = chain<conv2d<16, 3, stride<2>, pad<1>, no_bias>, batch_norm2d<>, relu, conv2d<16, 3, pad<1>, no_bias>, batch_norm2d<>>;
using down = resblock<down_main, chain<conv2d<16, 1, stride<2>, no_bias>, batch_norm2d<>>>;
static_assert(fused_in<down, 3> == 1 && addend_of<down, 3> == -1);
static_assert(fused_in<down, 5> == 3 && addend_of<down, 5> == 5);
// MobileNetV2's inverted residual, its convolutions in chains of their own (the chains' ends move
// nothing): the depthwise + projection pass runs through the add; no clamp follows.
using inverted_main = chain<chain<conv2d<48, 1>, batch_norm2d<>, relu6>, chain<depthwise_conv2d<3, pad<1>>, batch_norm2d<>, relu6>,
                            chain<conv2d<8, 1>, batch_norm2d<>>>;
using inverted_block = resblock<inverted_main, chain<>, identity_layer>;
// dw, bn, relu6, chain, conv, bn, chain, residual (the empty shortcut has no node), identity
static_assert(fused_in<inverted_block, 4> == 7 && pointwise_in<inverted_block, 4> == 4 && addend_of<inverted_block, 4> == 0);
static_assert(folded_in<inverted_block, 4> == 1 && folded_in<inverted_block, 8> == 1);
// The same block in one pass (fuse_expansions): the expansion's group (conv, bn, relu6, its chain's end)
// runs the depthwise + projection group on its rows, through the add; of the expansion's output only the
// 3 rows of 10 x 48 the depthwise window reads are stored, all the arena there is.
template <class Net, std::size_t I>
constexpr int expands_in = schedule_of<Net>::value.nodes[I].expands;
static_assert(expands_in<inverted_block, 0> == 4 && fused_in<inverted_block, 0> == 11 && addend_of<inverted_block, 0> == 0);
static_assert(fused_memory_plan_of<inverted_block>.size[3] == 3 * 10 * 48 &&
              fused_memory_plan_of<inverted_block>.arena_elements == 3 * 10 * 48);
static_assert(memory_plan_of<inverted_block>.arena_elements > 3 * 10 * 48);
// Not in one pass: another branch reads the expansion's output; a strided 1x1 (not pointwise) or a
// layer between them (an identity ends the expansion's group); NCHW; a 1-d map (the depthwise kernel's
// rows are 2-d); a ring of the depthwise window's rows past expansion_max_ring elements (3 x 1100 x 80),
// and its twin of 1000 columns within it.
template <class... Between>
using expand_then_dw = sequential<input<8, 6, 7>::with<nhwc>, conv2d<16, 1>, relu6, Between..., depthwise_conv2d<3, pad<1>>,
                                  relu6, conv2d<4, 1>>;
static_assert(expands_in<expand_then_dw<>, 0> == 2 && fused_in<expand_then_dw<>, 0> == 4);
static_assert(expands_in<expand_then_dw<identity_layer>, 0> == 0 && fused_in<expand_then_dw<identity_layer>, 0> == 1);
static_assert(expands_in<sequential<input<8, 6, 6>::with<nhwc>, conv2d<16, 1>, relu6,
                                    concat<chain<depthwise_conv2d<3, pad<1>>, conv2d<4, 1>>, chain<>>>, 0> == 0);
static_assert(expands_in<sequential<input<8, 6, 6>::with<nhwc>, conv2d<16, 1, stride<2>>, depthwise_conv2d<3>, conv2d<4, 1>>, 0> == 0);
static_assert(expands_in<sequential<input<8, 6, 7>, conv2d<16, 1>, relu6, depthwise_conv2d<3, pad<1>>, relu6, conv2d<4, 1>>, 0> == 0);
static_assert(expands_in<sequential<input<8, 20>::with<nhwc>, conv1d<16, 1>, depthwise_conv1d<3>, conv1d<4, 1>>, 0> == 0);
template <index_t W>
using wide_bottleneck = sequential<typename input<8, 4, W>::template with<nhwc>, conv2d<80, 1>, relu6, depthwise_conv2d<3, pad<1>>, conv2d<8, 1>>;
static_assert(3 * 1100 * 80 > expansion_max_ring && expands_in<wide_bottleneck<1100>, 0> == 0);
static_assert(3 * 1000 * 80 <= expansion_max_ring && expands_in<wide_bottleneck<1000>, 0> == 2);

// Not merged: the group has an activation of its own (it comes before the add); no convolution ends
// the branch; in NCHW (no fast convolution). A sigmoid after the add is not a clamp: the group ends at the add.
static_assert(addend_of<resblock<chain<conv2d<8, 3, pad<1>>, relu>>, 0> == -1);
static_assert(addend_of<resblock<chain<conv2d<8, 3, pad<1>>, max_pool2d<3, stride<1>, pad<1>>>>, 0> == -1);
static_assert(addend_of<sequential<input<8, 10, 10>, residual<basic_main>, relu>, 3> == -1);
static_assert(fused_in<resblock<basic_main, chain<>, sigmoid>, 3> == 2 && addend_of<resblock<basic_main, chain<>, sigmoid>, 3> == 0);

// The twin of a residual network whose adds stay apart: a clamp far outside the values between the last
// convolution and the add (an activation of the group's own) changes no value.
using far_clamp = hardtanh<-1000000, 1000000>;
template <class Net>
std::vector<float> forward_prepared(const std::vector<float>& x, unsigned seed) {
  auto weights = std::make_unique<typename Net::weights>();
  for (std::size_t i = 0; i < weights->values.size(); ++i)  // positive: a batch norm's variance too
    weights->values[i] = 0.05f * (1.2f + std::sin(0.37f * static_cast<float>(i + seed)));
  auto prepared = std::make_unique<typename Net::prepared>();
  prepare_into(*weights, *prepared);
  auto arena = std::make_unique<static_arena<typename Net::prepared>>();
  arena->data.fill(std::numeric_limits<float>::quiet_NaN());  // what a kernel reads unwritten shows
  std::vector<float> y(Net::output_size);
  Net::forward(*prepared, std::span<const float, Net::input_size>(x.data(), x.size()),
               std::span<float, Net::output_size>(y.data(), y.size()), *arena);
  return y;
}
template <class Merged, class Apart>
void expect_same_as_apart() {
  static_assert(Merged::input_size == Apart::input_size && Merged::output_size == Apart::output_size);
  std::vector<float> x(Merged::input_size);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = 2.0f * std::cos(0.1f * static_cast<float>(i));
  const auto merged = forward_prepared<Merged>(x, 3), apart = forward_prepared<Apart>(x, 3);
  for (std::size_t i = 0; i < merged.size(); ++i) {
    ASSERT_FALSE(std::isnan(merged[i])) << i;
    ASSERT_EQ(merged[i], apart[i]) << i;  // the same sums, added in the same order
  }
}
template <index_t C, index_t H, index_t W, class Main, class Shortcut = chain<>, class After = relu>
using residual_net = sequential<typename input<C, H, W>::template with<nhwc>, residual<Main, Shortcut>, After, global_avg_pool, flatten>;
template <index_t C, index_t K, class Extra = identity_layer>
using two_convs = chain<conv2d<C, K, pad<K / 2>, no_bias>, batch_norm2d<>, relu, conv2d<C, K, pad<K / 2>>, Extra>;

// Every kernel a convolution runs adds the residual as it stores, bit for bit the add's and the clamp's
// result: 3x3 convolutions on wide rows (Winograd on 256-bit vectors, the register tile else), on a
// 7x7 map (the small-map kernels, and Winograd over the whole map), a depthwise + pointwise pass whose 24
// channels are a partial vector tile (MobileNetV2's block; and as the zoo writes it, in conv_bn chains
// with batch norms), one input channel (the kernel along the width), a downsampling shortcut, relu6 and
// no clamp after the add. The arenas start as NaN.
TEST(Fusion, ResidualAddsMergeIntoTheConvolutionBitForBit) {
  static_assert(addend_of<residual_net<32, 20, 20, two_convs<32, 3>>, 3> == 0);
  expect_same_as_apart<residual_net<32, 20, 20, two_convs<32, 3>>, residual_net<32, 20, 20, two_convs<32, 3, far_clamp>>>();
  expect_same_as_apart<residual_net<64, 7, 7, two_convs<64, 3>>, residual_net<64, 7, 7, two_convs<64, 3, far_clamp>>>();
  expect_same_as_apart<residual_net<40, 7, 9, two_convs<40, 1>, chain<>, relu6>,
                       residual_net<40, 7, 9, two_convs<40, 1, far_clamp>, chain<>, relu6>>();
  using project = chain<conv2d<144, 1>, relu6, depthwise_conv2d<3, pad<1>>, relu6, conv2d<24, 1>>;
  using project_apart = chain<conv2d<144, 1>, relu6, depthwise_conv2d<3, pad<1>>, relu6, conv2d<24, 1>, far_clamp>;
  expect_same_as_apart<residual_net<24, 9, 30, project, chain<>, identity_layer>,
                       residual_net<24, 9, 30, project_apart, chain<>, identity_layer>>();
  expect_same_as_apart<residual_net<1, 12, 40, chain<conv2d<1, 3, pad<1>>>>,
                       residual_net<1, 12, 40, chain<conv2d<1, 3, pad<1>>, far_clamp>>>();
  // MobileNetV2's block as the zoo writes it: the depthwise + projection pass, batch norms folded, adds.
  using inverted_apart = chain<chain<conv2d<48, 1>, batch_norm2d<>, relu6>, chain<depthwise_conv2d<3, pad<1>>, batch_norm2d<>, relu6>,
                               chain<conv2d<8, 1>, batch_norm2d<>, far_clamp>>;
  expect_same_as_apart<residual_net<8, 11, 13, inverted_main, chain<>, identity_layer>,
                       residual_net<8, 11, 13, inverted_apart, chain<>, identity_layer>>();
  using shortcut = chain<conv2d<16, 1, stride<2>, no_bias>, batch_norm2d<>>;
  using shortcut_apart = chain<conv2d<16, 1, stride<2>, no_bias>, batch_norm2d<>, far_clamp>;
  expect_same_as_apart<residual_net<8, 14, 14, down_main, shortcut>, residual_net<8, 14, 14, down_main, shortcut_apart>>();
}

// The fused plan keeps the residual alive to the group's end and gives the group's output a buffer of
// its own (the small-map kernel keeps partial sums in its output before it reads the residual), and no
// memory to the tensors inside the group.
TEST(Fusion, ResidualAddsInTheFusedPlan) {
  using net = residual_net<64, 7, 7, two_convs<64, 3>>;
  constexpr auto& nodes = schedule_of<net>::value.nodes;
  constexpr auto& fused = fused_memory_plan_of<net>;
  ASSERT_EQ(nodes[3].fused, 3);  // conv, bn, residual, relu
  ASSERT_EQ(nodes[3].addend, 0);
  EXPECT_EQ(fused.buffer[0], caller_input);
  EXPECT_GE(fused.last_use[0], 6);
  for (int t = 4; t <= 6; ++t) EXPECT_FALSE(fused.stored(t)) << t;
  EXPECT_TRUE(fused.stored(7));
  EXPECT_NE(fused.buffer[7], fused.buffer[3]);  // the group's input, alive to its end as well
}

// A network runs inside the compiler on its prepared weights (the fused kernels are constexpr too) and
// agrees with its plain loops at run time.
template <class Net>
void expect_runs_inside_the_compiler() {
  static constexpr auto weights = [] {
    typename Net::weights w{};
    for (std::size_t n = 0; n < w.values.size(); ++n) w.values[n] = static_cast<float>(int(n % 9) - 4) * 0.125f;
    return w;
  }();
  static constexpr auto prepared = prepare<Net>(weights);
  static constexpr auto x = [] {
    std::array<float, Net::input_size> v{};
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i % 7) - 3.0f;
    return v;
  }();
  static constexpr auto compiled = [] {
    static_arena<typename Net::prepared> a{};
    std::array<float, Net::output_size> y{};
    Net::forward(prepared, x, y, a);
    return y;
  }();
  auto arena = std::make_unique<static_arena<Net>>();
  std::array<float, Net::output_size> y{};
  Net::forward(weights, x, y, *arena);
  for (std::size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(compiled[i], y[i], 1e-5f) << i;
}

// A residual network with merged adds too.
TEST(Fusion, MergedResidualRunsInsideTheCompiler) {
  using net = sequential<input<3, 5, 6>::with<nhwc>, residual<chain<conv2d<3, 3, pad<1>>, relu, conv2d<3, 1>>>, relu6,
                         flatten, linear<2>>;
  static_assert(addend_of<net, 2> == 0);
  expect_runs_inside_the_compiler<net>();
  // A depthwise + pointwise pass that adds (MobileNetV2's block; no batch norm: these weights would
  // make its variance negative).
  using inverted = sequential<input<4, 5, 6>::with<nhwc>, residual<chain<chain<depthwise_conv2d<3, pad<1>>, relu6>,
                                                                       chain<conv2d<4, 1>>>>, flatten>;
  static_assert(pointwise_in<inverted, 0> == 3 && addend_of<inverted, 0> == 0);
  expect_runs_inside_the_compiler<inverted>();
}

// The plan records the groups. The plain plan runs every layer; the fused plan (prepared weights) keeps
// a group's input alive to the group's last step and gives the group's inner tensors no memory.
using two_blocks = sequential<input<3, 9, 9>::with<nhwc>, conv2d<8, 3, pad<1>>, relu, depthwise_conv2d<3, pad<1>>, relu,
                              conv2d<8, 1>, relu>;
TEST(Fusion, FusedPlanStoresOnlyWhatTheKernelsWrite) {
  constexpr auto& plain = memory_plan_of<two_blocks>;
  constexpr auto& fused = fused_memory_plan_of<two_blocks>;
  constexpr auto& nodes = schedule_of<two_blocks>::value.nodes;
  static_assert(nodes.size() == 6);
  EXPECT_EQ(nodes[0].fused, 1);  // conv + relu
  EXPECT_EQ(nodes[2].fused, 3);  // depthwise + relu + pointwise + relu
  // Inner tensors: the conv's output (before its relu), the depthwise's, its relu's, the pointwise's.
  for (int node : {0, 2, 3, 4}) {
    EXPECT_FALSE(fused.stored(node + 1)) << node;
    EXPECT_TRUE(plain.stored(node + 1)) << node;
  }
  const int group_input = nodes[2].inputs[0], output = 6;
  EXPECT_EQ(group_input, 2);
  EXPECT_EQ(fused.last_use[group_input], 5);
  EXPECT_EQ(plain.last_use[group_input], 2);
  // The group's output is the network's: the caller's buffer, apart from its input by construction.
  EXPECT_EQ(fused.buffer[output], caller_output);
  // 8x9x9 floats (656 aligned) for the group input; the plain plan also holds the depthwise's output
  // while the depthwise reads the first relu's.
  EXPECT_EQ(fused.arena_elements, 656);
  EXPECT_EQ(plain.arena_elements, 2 * 656);
  EXPECT_EQ(two_blocks::prepared_arena_bytes, 656 * 4);
  EXPECT_EQ(two_blocks::arena_bytes, 2 * 656 * 4);
}

// The fused kernels and the plain loops agree, and each plan's run reads only what it wrote (the arena
// starts as NaN).
TEST(Fusion, FusedAndPlainRunsAgree) {
  using net = two_blocks;
  auto weights = std::make_unique<net::weights>();
  for (std::size_t i = 0; i < weights->values.size(); ++i) weights->values[i] = 0.01f * static_cast<float>(i % 7) - 0.02f;
  auto prepared = std::make_unique<net::prepared>();
  prepare_into(*weights, *prepared);
  std::array<float, net::input_size> x{};
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 5) - 2.0f;
  auto fused = std::make_unique<static_arena<net::prepared>>();
  auto plain = std::make_unique<static_arena<net>>();
  fused->data.fill(std::numeric_limits<float>::quiet_NaN());
  plain->data.fill(std::numeric_limits<float>::quiet_NaN());
  std::array<float, net::output_size> y_fused{}, y_plain{};
  net::forward(*prepared, x, y_fused, *fused);
  net::forward(*weights, x, y_plain, *plain);
  for (std::size_t i = 0; i < y_fused.size(); ++i) {
    ASSERT_FALSE(std::isnan(y_fused[i])) << i;
    EXPECT_NEAR(y_fused[i], y_plain[i], 1e-5f) << i;
  }
}

// The per-position linear kernel against the plain loops: positions 1 and S apart (NCHW, NHWC), a last
// tile moved back, outputs not a whole tile, no bias, fused activations, a batch norm after it.
template <class Net>
void expect_prepared_matches_plain() {
  auto weights = std::make_unique<typename Net::weights>();
  for (std::size_t i = 0; i < weights->values.size(); ++i)  // positive: a batch norm's variance too
    weights->values[i] = 0.05f * (1.2f + std::sin(0.37f * static_cast<float>(i)));
  auto prepared = std::make_unique<typename Net::prepared>();
  prepare_into(*weights, *prepared);
  std::array<float, Net::input_size> x{};
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = 2.0f * std::cos(0.1f * static_cast<float>(i));
  auto fused = std::make_unique<static_arena<typename Net::prepared>>();
  auto plain = std::make_unique<static_arena<Net>>();
  std::array<float, Net::output_size> y_fused{}, y_plain{};
  Net::forward(*prepared, x, y_fused, *fused);
  Net::forward(*weights, x, y_plain, *plain);
  for (std::size_t i = 0; i < y_fused.size(); ++i) EXPECT_NEAR(y_fused[i], y_plain[i], 2e-6f * (1.0f + std::fabs(y_plain[i]))) << i;
}
TEST(Fusion, LinearAtEveryPositionMatchesThePlainLoops) {
  expect_prepared_matches_plain<positions_gelu>();
  expect_prepared_matches_plain<sequential<input<7, 7, 37>::with<nhwc>, linear<19, per_position>, relu>>();
  expect_prepared_matches_plain<sequential<input<3, 2, 5>::with<nhwc>, linear<40, per_position>, silu>>();
  expect_prepared_matches_plain<sequential<input<5, 33>, linear<17, per_position>, sigmoid>>();
  expect_prepared_matches_plain<sequential<input<2, 3, 20>, linear<64, per_position, no_bias>>>();
  expect_prepared_matches_plain<positions_bn>();
  expect_prepared_matches_plain<sequential<input<6, 8>::with<nhwc>, linear<12, per_position>, batch_norm1d<>, relu>>();
}

// A flat linear layer with weights past 1 MiB reads its rows in memory order (streams_linear_weights, on
// 256-bit vectors or wider): inputs not a multiple of the four rows a pass takes, outputs off the vector
// width, more outputs than a pass's 2048 sums (two passes), fused activations.
TEST(Fusion, LargeLinearLayersStreamTheirRows) {
  using gelu_net = sequential<input<601>, linear<700>, gelu>;
  using wide = sequential<input<1030>, linear<2100>>;
  static_assert(streams_linear_weights<prepared_weights_of<gelu_net>::size * 4> == (CTNN_VECTOR_BYTES >= 32));
  static_assert(!streams_linear_weights<prepared_weights_of<sequential<input<400>, linear<120>>>::size * 4>);
  expect_prepared_matches_plain<gelu_net>();
  expect_prepared_matches_plain<wide>();
  expect_prepared_matches_plain<sequential<input<1283>, linear<300>, relu6>>();
}

// GELU, SiLU and sigmoid after a fast kernel (math::vectorizable, no C library call) against double
// precision on a fine grid: exp within 2 ulp, the activations within a few ulp where their values are
// not tiny (GELU's tail below -6 keeps its relative accuracy to 1e-5), and the specials as the C library's.
TEST(Fusion, VectorizableActivationsAreAccurate) {
  constexpr activation_params gelu_p{activation_kind::gelu}, silu_p{activation_kind::silu},
      sigmoid_p{activation_kind::sigmoid};
  std::vector<float> grid;
  for (float x = -30.0f; x < 30.0f; x += 0.00731f) grid.push_back(x);
  for (float x : {1e-30f, -1e-30f, 1e-7f, -1e-7f, 0.0f, -0.0f, 88.5f, -87.0f}) grid.push_back(x);
  std::vector<float> g = grid, s = grid, sg = grid;
  activate_stored<gelu_p>(g.data(), static_cast<index_t>(g.size()));  // vector lanes, then the scalar rest
  activate_stored<silu_p>(s.data(), static_cast<index_t>(s.size()));
  activate_stored<sigmoid_p>(sg.data(), static_cast<index_t>(sg.size()));
  for (std::size_t i = 0; i < grid.size(); ++i) {
    const double x = grid[i], e = std::exp(x), sigmoid = 1.0 / (1.0 + std::exp(-x));
    const double gelu = x * 0.5 * std::erfc(-x / std::sqrt(2.0));
    if (e > 1.2e-38 && e < 3e38) {
      EXPECT_NEAR(math::vectorizable::exp(grid[i]), e, 2.4e-7 * e) << x;
    }
    EXPECT_NEAR(g[i], gelu, (x > -6 ? 3e-6 : 2e-5) * std::fabs(gelu) + 1e-37) << x;
    EXPECT_NEAR(sg[i], sigmoid, 3e-7 * sigmoid) << x;
    EXPECT_NEAR(s[i], x * sigmoid, 3e-7 * std::fabs(x * sigmoid) + 1e-37) << x;
  }
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(math::vectorizable::exp(inf), inf);
  EXPECT_EQ(math::vectorizable::exp(-inf), 0.0f);
  EXPECT_EQ(math::vectorizable::exp(100.0f), inf);
  EXPECT_TRUE(std::isnan(math::vectorizable::exp(nan)));
  EXPECT_EQ(math::vectorizable::gelu(inf), inf);
  EXPECT_TRUE(std::isnan(math::vectorizable::gelu(nan)));
}

// Convolutions in chains of their own run as their twins written out, bit for bit (the same groups on
// the same packed weights), and as the plain loops: ResNet's basic block with its conv_bn chains (the
// ReLUs after them fused, the residual merged), a depthwise + pointwise pass across a chain's end.
template <index_t C>
using conv_bn = chain<conv2d<C, 3, pad<1>, no_bias>, batch_norm2d<>>;
using nested_block = residual_net<16, 9, 9, chain<conv_bn<16>, relu, conv_bn<16>>>;
TEST(Fusion, NestedChainsRunAsWrittenOut) {
  static_assert(fused_in<nested_block, 0> == 3 && fused_in<nested_block, 4> == 4);  // conv .. relu | conv .. add, relu
  expect_same_as_apart<nested_block, residual_net<16, 9, 9, chain<conv2d<16, 3, pad<1>, no_bias>, batch_norm2d<>, relu,
                                                                  conv2d<16, 3, pad<1>, no_bias>, batch_norm2d<>>>>();
  expect_same_as_apart<nested_bn_relu, sequential<input<3, 8, 8>::with<nhwc>, conv2d<16, 3, no_bias>, batch_norm2d<>, relu>>();
  expect_same_as_apart<deeply_nested, sequential<input<3, 8, 8>::with<nhwc>, conv2d<16, 3>, batch_norm2d<>, relu6, conv2d<4, 1>>>();
  expect_same_as_apart<nested_dw_pw, sequential<input<16, 6, 6>::with<nhwc>, depthwise_conv2d<3, pad<1>>, relu, conv2d<8, 1>, relu6>>();
  expect_prepared_matches_plain<nested_block>();
  expect_prepared_matches_plain<deeply_nested>();
  expect_prepared_matches_plain<nested_dw_pw>();
}

// A batch norm folded into a grouped convolution's weights, group by group (RegNet's 8-channel groups).
TEST(Fusion, BatchNormFoldsIntoGroupedConvolutions) {
  expect_prepared_matches_plain<grouped_bn_relu>();
  expect_prepared_matches_plain<sequential<input<48, 7, 7>::with<nhwc>, conv2d<48, 3, stride<2>, pad<1>, groups<6>, no_bias>,
                                           batch_norm2d<>, relu>>();
}

// And into streamed weights (packed_streamed: a channel's weights every tile's width within its tile),
// 100 channels ending in a partial tile, against the plain loops (sums of 4,770 products in another
// order: within 2e-5; a channel scaled by another's factor is off by far more); the same on every team
// size (parts by channel tiles or by pixel tiles), bit for bit.
TEST(Fusion, BatchNormFoldsIntoStreamedWeights) {
  using net = sequential<input<530, 7, 7>::with<nhwc>, conv2d<100, 3, pad<1>, no_bias>, batch_norm2d<>, relu>;
  static_assert(impl::conv_packing<placed_layer<conv2d<100, 3, pad<1>, no_bias>, shape{530, 7, 7}>, float>::streamed ==
                (CTNN_VECTOR_BYTES >= 32));
  auto weights = std::make_unique<net::weights>();
  for (std::size_t i = 0; i < weights->values.size(); ++i)  // positive: the batch norm's variance too
    weights->values[i] = 0.05f * (1.2f + std::sin(0.37f * static_cast<float>(i)));
  auto prepared = std::make_unique<net::prepared>();
  prepare_into(*weights, *prepared);
  std::array<float, net::input_size> x{};
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::cos(0.1f * static_cast<float>(i));
  auto arena = std::make_unique<static_arena<net::prepared>>();
  auto plain_arena = std::make_unique<static_arena<net>>();
  std::array<float, net::output_size> one{}, plain{}, shared{};
  net::forward(*prepared, x, one, *arena);
  net::forward(*weights, x, plain, *plain_arena);
  int positive = 0;
  for (std::size_t i = 0; i < one.size(); ++i) {
    EXPECT_NEAR(one[i], plain[i], 2e-5f * (1.0f + std::fabs(plain[i]))) << i;
    positive += plain[i] > 0;
  }
  EXPECT_GT(positive, 100);
  for (int threads : {2, 3}) {
    thread_team team(threads);
    shared.fill(std::nanf(""));
    forward_parallel<net>(team, *prepared, x, shared, *arena);
    for (std::size_t i = 0; i < one.size(); ++i) ASSERT_EQ(shared[i], one[i]) << threads << " threads, element " << i;
  }
}

// A pointwise projection on a small map adds the block's input as it stores (MobileNetV2's 7x7 stage):
// 576 input channels in two blocks, the last tile of 49 pixels moved left. Integers: every sum exact,
// so bit for bit as the plain loops.
TEST(Fusion, PointwiseSmallMapAddsTheResidual) {
  using net = sequential<input<96, 7, 7>::with<nhwc>, residual<chain<conv2d<576, 1>, relu6, conv2d<96, 1>>>>;
  static_assert(schedule_of<net>::value.nodes[2].addend == 0);
  auto weights = std::make_unique<net::weights>();
  const auto values = harness::random_values(net::weights::size, 61, true, 2);
  std::copy(values.begin(), values.end(), weights->values.begin());
  auto prepared = std::make_unique<net::prepared>();
  prepare_into(*weights, *prepared);
  const auto xs = harness::random_values(net::input_size, 62, true);
  std::array<float, net::input_size> x{};
  std::copy(xs.begin(), xs.end(), x.begin());
  auto arena = std::make_unique<static_arena<net::prepared>>();
  auto plain_arena = std::make_unique<static_arena<net>>();
  arena->data.fill(std::nanf(""));
  std::array<float, net::output_size> fused{}, plain{};
  net::forward(*prepared, x, fused, *arena);
  net::forward(*weights, x, plain, *plain_arena);
  EXPECT_TRUE(harness::exactly(std::vector<float>(fused.begin(), fused.end()), std::vector<float>(plain.begin(), plain.end())));
}

// The depthwise + pointwise kernel, the grouped one and the linear one inside the compiler.
TEST(Fusion, FusedNetworkRunsInsideTheCompiler) {
  expect_runs_inside_the_compiler<sequential<input<4, 5, 6>::with<nhwc>, depthwise_conv2d<3, pad<1>>, relu6, conv2d<6, 1>,
                                             hardswish, flatten, linear<3>, relu>>();
  expect_runs_inside_the_compiler<sequential<input<6, 5, 4>::with<nhwc>, conv2d<9, 3, pad<1>, groups<3>>, relu, flatten>>();
  // An inverted bottleneck in one pass, its expansion's rows in the arena's ring.
  using bottleneck_net = sequential<input<4, 5, 6>::with<nhwc>, conv2d<8, 1>, relu6, depthwise_conv2d<3, stride<2>, pad<1>>,
                                    relu6, conv2d<4, 1>, flatten>;
  static_assert(expands_in<bottleneck_net, 0> == 2);
  expect_runs_inside_the_compiler<bottleneck_net>();
}

// An inverted bottleneck in one pass computes what its twin computes with the expansion's whole output
// stored (an identity after the expansion ends its group: the same kernels, a row or a map at a time), bit
// for bit: the zoo's block with its add (on odd sizes), stride 2, rows of 14 (the small-map kernel, for
// the row as for the map), a dilated 5x5 window over 9 rows, an expansion with neither batch norm nor
// activation; and as the plain loops compute it. The arenas start as NaN.
template <index_t E, class Depthwise, index_t C, class... Between>
using bottleneck = chain<chain<conv2d<E, 1>, batch_norm2d<>, relu6>, Between..., chain<Depthwise, batch_norm2d<>, relu6>,
                         chain<conv2d<C, 1>, batch_norm2d<>>>;
template <index_t C, index_t H, index_t W, class... L>
using nhwc_net = sequential<typename input<C, H, W>::template with<nhwc>, L...>;
TEST(Fusion, InvertedBottlenecksRunInOnePassBitForBit) {
  using dw3 = depthwise_conv2d<3, pad<1>>;
  using zoo_block = residual_net<8, 11, 13, bottleneck<48, dw3, 8>, chain<>, identity_layer>;
  static_assert(expands_in<zoo_block, 0> == 4);
  expect_same_as_apart<zoo_block, residual_net<8, 11, 13, bottleneck<48, dw3, 8, identity_layer>, chain<>, identity_layer>>();
  using down = nhwc_net<16, 15, 17, bottleneck<96, depthwise_conv2d<3, stride<2>, pad<1>>, 24>>;
  static_assert(expands_in<down, 0> == 4);
  expect_same_as_apart<down, nhwc_net<16, 15, 17, bottleneck<96, depthwise_conv2d<3, stride<2>, pad<1>>, 24, identity_layer>>>();
  using narrow = residual_net<16, 9, 14, bottleneck<64, dw3, 16>, chain<>, identity_layer>;
  static_assert(expands_in<narrow, 0> == 4);
  expect_same_as_apart<narrow, residual_net<16, 9, 14, bottleneck<64, dw3, 16, identity_layer>, chain<>, identity_layer>>();
  using dilated = depthwise_conv2d<5, dilation<2>, pad<4>>;
  static_assert(expands_in<nhwc_net<8, 17, 19, conv2d<24, 1>, relu, dilated, relu, conv2d<8, 1>>, 0> == 2);
  expect_same_as_apart<nhwc_net<8, 17, 19, conv2d<24, 1>, relu, dilated, relu, conv2d<8, 1>>,
                       nhwc_net<8, 17, 19, conv2d<24, 1>, relu, identity_layer, dilated, relu, conv2d<8, 1>>>();
  static_assert(expands_in<nhwc_net<8, 12, 12, conv2d<32, 1>, dw3, relu, conv2d<8, 1>, relu>, 0> == 1);
  expect_same_as_apart<nhwc_net<8, 12, 12, conv2d<32, 1>, dw3, relu, conv2d<8, 1>, relu>,
                       nhwc_net<8, 12, 12, conv2d<32, 1>, identity_layer, dw3, relu, conv2d<8, 1>, relu>>();
  expect_prepared_matches_plain<zoo_block>();
  expect_prepared_matches_plain<down>();
}
}  // namespace
