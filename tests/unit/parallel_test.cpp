// forward_parallel (ctnn/parallel.hpp): one inference split over a thread team gives forward's result
// bit for bit, and the plain loops' within rounding, whatever the number of threads (parts of unequal
// size, parts with no rows, more threads than cores).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include "ctnn/parallel.hpp"
#include "kernel_harness.hpp"

using namespace ctnn;

namespace {
// Every kernel that splits, on odd sizes: a first layer with one input channel and 3 outputs (vectors
// along W), a strided tiled convolution (9 output rows), a depthwise + pointwise pair (fused), a residual
// block of small-map convolutions (9x9, 24 -> 24 channels: tiles of channels or pixels), pooling and a
// linear layer (blocks of outputs), and nodes that run on one thread in between.
using net = sequential<input<1, 20, 19>::with<nhwc>, conv2d<3, 3>, relu, conv2d<24, 3, stride<2>>, relu,
                       depthwise_conv2d<3, pad_same>, relu, conv2d<24, 1>, relu,
                       residual<chain<conv2d<24, 3, pad_same>, relu, conv2d<24, 3, pad_same>>>, relu,
                       max_pool2d<2>, flatten, linear<37>, relu, linear<5>>;

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
