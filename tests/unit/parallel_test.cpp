// forward_parallel (ctnn/parallel.hpp): one inference split over a thread team gives forward's result
// bit for bit, and the plain loops' within rounding, whatever the number of threads (parts of unequal
// size, parts with no rows, more threads than cores). Calls split only past parallel_min_macs (400,000
// multiply-accumulates), so the layers here are at least that big where they are meant to split.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include "ctnn/parallel.hpp"
#include "kernel_harness.hpp"

using namespace ctnn;

namespace {
// Kernels that split and kernels too small to, on odd sizes: a first layer with one input channel and 3
// outputs (too small), a strided tiled convolution (30 output rows), a depthwise + pointwise pair
// (fused), an inverted bottleneck in one pass (each part computes the expansion's rows its window reads,
// the first part into the arena's ring, the others into their own), small-map convolutions (14x14, 32
// channels: tiles of channels or pixels) in a residual block, pooling, and linear layers (blocks of
// outputs; the last too small), with nodes that run on one thread in between.
using net = sequential<input<1, 64, 63>::with<nhwc>, conv2d<3, 3>, relu, conv2d<24, 3, stride<2>>, relu,
                       depthwise_conv2d<3, pad_same>, relu, conv2d<24, 1>, relu, conv2d<72, 1>, relu6,
                       depthwise_conv2d<3, pad<1>>, relu6, conv2d<24, 1>, conv2d<32, 3, stride<2>>, relu,
                       residual<chain<conv2d<32, 3, pad_same>, relu, conv2d<32, 3, pad_same>>>, relu,
                       max_pool2d<2>, flatten, linear<300>, relu, linear<5>>;

struct fixture {
  std::unique_ptr<net::weights> weights = std::make_unique<net::weights>();
  std::unique_ptr<net::prepared> prepared = std::make_unique<net::prepared>();
  fixture() {
    const auto v = harness::random_values(net::weights::size, 11);
    for (std::size_t i = 0; i < v.size(); ++i) weights->values[i] = 0.3f * v[i];
    prepare_into(*weights, *prepared);
  }
  std::vector<float> input(unsigned seed) const { return harness::random_values(net::input_size, seed); }
  std::vector<float> forward(const std::vector<float>& x) const {
    auto arena = std::make_unique<static_arena<net::prepared>>();
    std::vector<float> y(net::output_size);
    net::forward(*prepared, std::span<const float, net::input_size>(x.data(), x.size()),
                 std::span<float, net::output_size>(y.data(), y.size()), *arena);
    return y;
  }
  std::vector<float> plain(const std::vector<float>& x) const {
    auto arena = std::make_unique<static_arena<net>>();
    std::vector<float> y(net::output_size);
    net::forward(*weights, std::span<const float, net::input_size>(x.data(), x.size()),
                 std::span<float, net::output_size>(y.data(), y.size()), *arena);
    return y;
  }
  std::vector<float> parallel(thread_team& team, const std::vector<float>& x) const {
    auto arena = std::make_unique<static_arena<net::prepared>>();
    arena->data.fill(std::numeric_limits<float>::quiet_NaN());  // a part that reads what none wrote shows
    std::vector<float> y(net::output_size, std::numeric_limits<float>::quiet_NaN());
    forward_parallel<net>(team, *prepared, std::span<const float, net::input_size>(x.data(), x.size()),
                          std::span<float, net::output_size>(y.data(), y.size()), *arena);
    return y;
  }
};
}  // namespace

TEST(ForwardParallel, SameResultAsForwardOnEveryTeamSize) {
  const fixture f;
  const auto x = f.input(5);
  const auto expected = f.forward(x);
  ASSERT_TRUE(harness::close(expected, f.plain(x), 1e-4, 1e-4));
  for (int threads : {1, 2, 3, 4, 7}) {
    thread_team team(threads);
    EXPECT_EQ(team.size(), threads);
    EXPECT_TRUE(harness::exactly(f.parallel(team, x), expected)) << threads << " threads";
  }
}

// A team serves one inference after another (the workers wait between them), each with its own input.
TEST(ForwardParallel, OneTeamManyInferences) {
  const fixture f;
  thread_team team(2);
  for (unsigned seed = 20; seed < 28; ++seed) {
    const auto x = f.input(seed);
    EXPECT_TRUE(harness::exactly(f.parallel(team, x), f.forward(x))) << "input " << seed;
  }
}

// No thread count is refused: zero or fewer means the caller's thread alone.
TEST(ForwardParallel, TeamOfNoneIsTheCallersThread) {
  const fixture f;
  thread_team team(0);
  EXPECT_EQ(team.size(), 1);
  const auto x = f.input(3);
  EXPECT_TRUE(harness::exactly(f.parallel(team, x), f.forward(x)));
}

// work_part's shares: contiguous, in order, covering [0, total), sizes differing by at most one.
TEST(ForwardParallel, PartsCoverTheWork) {
  for (int count : {1, 2, 3, 7}) {
    for (count_t total : {0, 1, 2, 9, 100}) {
      count_t next = 0;
      for (int i = 0; i < count; ++i) {
        const work_part part{i, count};
        EXPECT_EQ(part.begin(total), next);
        const count_t size = part.end(total) - part.begin(total);
        EXPECT_GE(size, total / count);
        EXPECT_LE(size, total / count + 1);
        next = part.end(total);
      }
      EXPECT_EQ(next, total) << count << " parts of " << total;
    }
  }
}

namespace {
// Runs part `index` of `count` of Net alone (no other thread, a barrier that does not wait) on an output
// filled with -1, and returns that output: what this part wrote, -1 where the other parts write.
template <class Net>
std::vector<float> one_part_alone(const typename Net::prepared& prepared, const std::vector<float>& x, int index, int count) {
  auto arena = std::make_unique<static_arena<typename Net::prepared>>();
  std::vector<float> y(Net::output_size, -1.0f);
  Net::forward_part(prepared, std::span<const float, Net::input_size>(x.data(), x.size()),
                    std::span<float, Net::output_size>(y.data(), y.size()), *arena, work_part{index, count}, [] {});
  return y;
}

// A part computes its share of a splitting kernel's output, and only that: rows [rows * i / n,
// rows * (i + 1) / n) of a convolution's NHWC output, blocks of a linear layer's outputs.
template <class Net>
void expect_share(count_t share_begin, count_t share_end, int index, int count) {
  auto weights = std::make_unique<typename Net::weights>();
  const auto v = harness::random_values(Net::weights::size, 9);
  for (std::size_t i = 0; i < v.size(); ++i) weights->values[i] = 0.25f * v[i];
  auto prepared = std::make_unique<typename Net::prepared>();
  prepare_into(*weights, *prepared);
  const auto x = harness::random_values(Net::input_size, 10);
  auto arena = std::make_unique<static_arena<typename Net::prepared>>();
  std::vector<float> whole(Net::output_size);
  Net::forward(*prepared, std::span<const float, Net::input_size>(x.data(), x.size()),
               std::span<float, Net::output_size>(whole.data(), whole.size()), *arena);
  const auto part = one_part_alone<Net>(*prepared, x, index, count);
  for (count_t i = 0; i < static_cast<count_t>(part.size()); ++i) {
    const bool mine = i >= share_begin && i < share_end;
    ASSERT_EQ(part[i], mine ? whole[i] : -1.0f) << "element " << i << (mine ? " (this part's)" : " (another part's)");
  }
}
}  // namespace

TEST(ForwardParallel, EachPartComputesItsShareAlone) {
  // 6 output rows of 16 x 48 values (rows wider than the small-map kernel's): part 1 of 3 has rows 2-3.
  expect_share<sequential<input<16, 8, 18>::with<nhwc>, conv2d<48, 3>, relu>>(2 * 16 * 48, 4 * 16 * 48, 1, 3);
  // Depthwise, 28 rows of 28 x 64: part 1 of 2 has rows 14-27.
  expect_share<sequential<input<64, 30, 30>::with<nhwc>, depthwise_conv2d<3>>>(14 * 28 * 64, 28 * 28 * 64, 1, 2);
  // One input channel, 3 outputs (vectors along W), 130 rows of 130 x 3: part 0 of 2 has rows 0-64.
  expect_share<sequential<input<1, 132, 132>::with<nhwc>, conv2d<3, 3>>>(0, 65 * 130 * 3, 0, 2);
  // Transposed, 2x up: 24 output rows of 22 x 16: part 1 of 2 has rows 12-23 (split by rows, or with 256-bit
  // vectors by Winograd's rows of tiles, 2 rows of each stride phase: tile rows 3-5 of 6).
  expect_share<sequential<input<32, 12, 11>::with<nhwc>, conv_transpose2d<16, 4, stride<2>, pad<1>>>>(
      12 * 22 * 16, 24 * 22 * 16, 1, 2);
  // An inverted bottleneck in one pass, 20 output rows of 18 x 32: part 1 of 2 has rows 10-19.
  using bottleneck = sequential<input<32, 20, 18>::with<nhwc>, conv2d<96, 1>, relu6, depthwise_conv2d<3, pad<1>>, relu6,
                                conv2d<32, 1>>;
  static_assert(schedule_of<bottleneck>::value.nodes[0].expands == 2);
  expect_share<bottleneck>(10 * 18 * 32, 20 * 18 * 32, 1, 2);
  // Too small to split (80,000 multiply-accumulates): part 0 computes everything, part 1 nothing.
  using small = sequential<input<16, 8, 8>::with<nhwc>, conv2d<16, 3>>;
  expect_share<small>(0, small::output_size, 0, 2);
  expect_share<small>(0, 0, 1, 2);
}

namespace {
// Where the shares depend on the vector width (a small map's channel or pixel tiles, a linear layer's
// blocks of outputs): every output written by exactly one of `count` parts, with forward's value, and no
// part writing everything.
template <class Net>
void expect_disjoint_complete_parts(int count) {
  auto weights = std::make_unique<typename Net::weights>();
  const auto v = harness::random_values(Net::weights::size, 4);
  for (std::size_t i = 0; i < v.size(); ++i) weights->values[i] = 0.1f * v[i];
  auto prepared = std::make_unique<typename Net::prepared>();
  prepare_into(*weights, *prepared);
  const auto x = harness::random_values(Net::input_size, 5);
  auto arena = std::make_unique<static_arena<typename Net::prepared>>();
  std::vector<float> whole(Net::output_size);
  Net::forward(*prepared, std::span<const float, Net::input_size>(x.data(), x.size()),
               std::span<float, Net::output_size>(whole.data(), whole.size()), *arena);
  std::vector<std::vector<float>> parts;
  for (int i = 0; i < count; ++i) parts.push_back(one_part_alone<Net>(*prepared, x, i, count));
  for (std::size_t e = 0; e < whole.size(); ++e) {
    int writers = 0;
    for (const auto& part : parts)
      if (part[e] != -1.0f) {
        ++writers;
        EXPECT_EQ(part[e], whole[e]) << "output " << e;
      }
    ASSERT_EQ(writers, 1) << "output " << e;
  }
  for (const auto& part : parts) EXPECT_NE(std::count(part.begin(), part.end(), -1.0f), 0);
}
}  // namespace

TEST(ForwardParallel, PartsOfSmallMapsAndLinearLayersAreDisjointAndComplete) {
  expect_disjoint_complete_parts<sequential<input<32, 11, 11>::with<nhwc>, conv2d<48, 3>, relu>>(2);
  expect_disjoint_complete_parts<sequential<input<32, 11, 11>::with<nhwc>, conv2d<48, 3>, relu>>(3);
  expect_disjoint_complete_parts<sequential<input<32, 9, 9>::with<nhwc>, conv2d<40, 3, pad_same>>>(2);
  expect_disjoint_complete_parts<sequential<input<500>, linear<1000>>>(2);
  expect_disjoint_complete_parts<sequential<input<500>, linear<1000>>>(3);
  expect_disjoint_complete_parts<sequential<input<601>, linear<700>, relu>>(2);  // rows streamed (1.7 MB)
  expect_disjoint_complete_parts<sequential<input<601>, linear<700>, relu>>(3);
  // PyTorch's Linear at every position (ConvNeXt's MLP), split by blocks of outputs in both layouts
  expect_disjoint_complete_parts<sequential<input<14, 14, 64>::with<nhwc>, linear<256, per_position>, gelu>>(2);
  expect_disjoint_complete_parts<sequential<input<49, 96>, linear<200, per_position>>>(3);
}

// What forward_part shares: the calls past parallel_min_macs on prepared weights, none on plain ones.
static_assert(net::shared_calls<net::prepared>() >= 5);
static_assert(schedule_of<net>::value.nodes[8].expands == 2);
static_assert(net::shared_calls<net::weights>() == 0);
static_assert(sequential<input<16, 8, 8>::with<nhwc>, conv2d<16, 3>>::shared_calls<
                  sequential<input<16, 8, 8>::with<nhwc>, conv2d<16, 3>>::prepared>() == 0);

// A network with no shared call runs on the caller's thread alone, with forward's result.
TEST(ForwardParallel, NothingToShareRunsOnTheCallersThread) {
  using small = sequential<input<3, 12, 12>::with<nhwc>, conv2d<8, 3>, relu, flatten, linear<10>>;
  auto weights = std::make_unique<small::weights>();
  const auto v = harness::random_values(small::weights::size, 6);
  for (std::size_t i = 0; i < v.size(); ++i) weights->values[i] = 0.2f * v[i];
  auto prepared = std::make_unique<small::prepared>();
  prepare_into(*weights, *prepared);
  const auto x = harness::random_values(small::input_size, 7);
  auto arena = std::make_unique<static_arena<small::prepared>>();
  std::vector<float> alone(small::output_size), shared(small::output_size);
  small::forward(*prepared, std::span<const float, small::input_size>(x.data(), x.size()),
                 std::span<float, small::output_size>(alone.data(), alone.size()), *arena);
  thread_team team(2);
  forward_parallel<small>(team, *prepared, std::span<const float, small::input_size>(x.data(), x.size()),
                          std::span<float, small::output_size>(shared.data(), shared.size()), *arena);
  EXPECT_TRUE(harness::exactly(shared, alone));
}
