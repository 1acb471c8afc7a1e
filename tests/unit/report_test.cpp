// The printed summary and plans: text cut, never overrun (ASan watches the buffers in the sanitizer
// build), and the names of named blocks.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

// Only the profile's header: it brings every family's kernels with it (a fused depthwise + pointwise
// pass below once failed to compile without ctnn/ctnn.hpp).
#include "ctnn/analysis/print.hpp"
#include "ctnn/analysis/profile.hpp"

using namespace ctnn;

namespace {
std::string printed(void (*print)(std::FILE*)) {
  char buffer[1 << 16] = {};
  std::FILE* f = fmemopen(buffer, sizeof buffer, "w");
  print(f);
  std::fclose(f);
  return buffer;
}
}  // namespace

// A receptive field whose text is longer than its column (48 bytes with the NUL) is cut there. Once
// snprintf had truncated, the old code went on writing at an offset past the buffer (ASan, in the
// sanitizer build, stops that).
TEST(Report, LongReceptiveFieldsAreCut) {
  receptive_field f;
  f.rank = 3;
  for (int i = 0; i < 3; ++i) {
    f.size[i] = 123456789;
    f.jump_num[i] = 7;
    f.jump_den[i] = 1234567;
  }
  impl::bounded_text<48> text;
  impl::field_text(f, text);
  EXPECT_STREQ(text.c_str(), "123456789x123456789x123456789 /7/1234567x7/1234");
}

namespace zoo {
struct stem : chain<conv2d<8, 3, pad<1>>, relu> {};
template <int N>
struct stage : residual<chain<conv2d<8, 3, pad<1>>, relu>> {};
}  // namespace zoo

TEST(Report, NamedBlocksPrintByName) {
  using net = sequential<input<3, 8, 8>, zoo::stem, zoo::stage<2>, concat<relu, identity_layer>>;
  constexpr auto& s = summary_of<net>;
  EXPECT_STREQ(s.rows[0].name, "stem");
  EXPECT_STREQ(s.rows[3].name, "stage<2>");
  EXPECT_STREQ(s.rows[6].name, "concat");  // as written: no name of its own
  const std::string shapes = printed([](std::FILE* f) { print_shapes<net>(f); });
  EXPECT_NE(shapes.find("stem"), std::string::npos);
  EXPECT_NE(shapes.find("stage<2>"), std::string::npos);
}

// The profile's observer sees every node once, in order, a fused group as one call, and the observed
// forward computes what forward does. The expected calls are counted from the declaration by hand:
// conv + batch norm + relu fuse (prepared, NHWC), the residual's add is a call of its own.
namespace {
using profiled = sequential<input<4, 6, 6>::with<nhwc>, conv2d<8, 3, pad<1>>, batch_norm2d<>, relu,
                            residual<chain<conv2d<8, 1>, relu>>, global_avg_pool, flatten, linear<3>>;
}

TEST(Profile, ObserverSeesEveryNodeOnce) {
  static profiled::weights w;
  for (std::size_t i = 0; i < w.values.size(); ++i) w.values[i] = 0.1f * float(i % 7) + 0.05f;  // variances > 0
  static profiled::prepared p;
  prepare_into(w, p);
  static static_arena<profiled> plain_arena;
  static static_arena<profiled::prepared> fast_arena;
  std::array<float, profiled::input_size> x{};
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = 0.05f * float(i % 13);
  std::array<float, profiled::output_size> expected{}, got{};

  std::vector<std::pair<int, int>> calls;
  const auto record = [&](int node, int nodes) { calls.emplace_back(node, nodes); };
  profiled::forward(w, x, expected, plain_arena);
  profiled::forward_observed(w, x, got, plain_arena, record);
  EXPECT_EQ(got, expected);
  // Plain: conv, bn, relu, the branch's conv and relu (the residual's chain is its branch, not a node),
  // the residual's add, pool, flatten, linear: one call each.
  ASSERT_EQ(calls.size(), 9u);
  for (int k = 0; k < 9; ++k) EXPECT_EQ(calls[static_cast<std::size_t>(k)], std::make_pair(k, 1));

  calls.clear();
  profiled::forward(p, x, expected, fast_arena);
  profiled::forward_observed(p, x, got, fast_arena, record);
  EXPECT_EQ(got, expected);
  ASSERT_GE(calls.size(), 2u);
  EXPECT_EQ(calls[0], std::make_pair(0, 3));  // conv + batch norm + relu in one kernel
  int next = 0;
  for (const auto& [node, nodes] : calls) {
    EXPECT_EQ(node, next);
    next = node + nodes;
  }
  EXPECT_EQ(next, 9);
}

TEST(Profile, PrintsOneRowPerCall) {
  static profiled::weights w;
  static static_arena<profiled> arena;
  std::array<float, profiled::input_size> x{};
  std::array<float, profiled::output_size> y{};
  char buffer[1 << 14] = {};
  std::FILE* f = fmemopen(buffer, sizeof buffer, "w");
  print_profile<profiled>(w, x, y, arena, 3, f);
  std::fclose(f);
  const std::string text = buffer;
  EXPECT_NE(text.find("conv2d "), std::string::npos) << text;
  EXPECT_NE(text.find("[8, 6, 6]"), std::string::npos) << text;
  EXPECT_NE(text.find("10,368"), std::string::npos) << text;  // the first conv's MACs: 8 * 36 * 4 * 9
  EXPECT_NE(text.find("over 3 runs"), std::string::npos) << text;
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 11);  // header, 9 calls, total
}

// On prepared weights the last column tells which calls forward_parallel's threads share: a convolution
// past parallel_min_macs (64 x 32 x 9 x 28 x 28 = 14.4M) is shared, a small one (8 x 64 x 9 x 6 x 6 =
// 166k) and the pooling between them run on one thread.
// The profile of Net on prepared (zero) weights, one run.
template <class Net>
std::string prepared_profile() {
  auto w = std::make_unique<typename Net::weights>();
  auto p = std::make_unique<typename Net::prepared>();
  prepare_into(*w, *p);
  auto arena = std::make_unique<static_arena<typename Net::prepared>>();
  std::vector<float> x(Net::input_size), y(Net::output_size);
  char buffer[1 << 14] = {};
  std::FILE* f = fmemopen(buffer, sizeof buffer, "w");
  print_profile<Net>(*p, std::span<const float, Net::input_size>(x.data(), x.size()),
                     std::span<float, Net::output_size>(y.data(), y.size()), *arena, 1, f);
  std::fclose(f);
  return buffer;
}
TEST(Profile, MarksTheCallsThreadsShare) {
  using net = sequential<input<32, 30, 30>::with<nhwc>, conv2d<64, 3>, relu, max_pool2d<4>, conv2d<8, 3, pad_same>>;
  const std::string buffer = prepared_profile<net>();
  std::istringstream lines(buffer);
  std::vector<std::string> rows;
  for (std::string line; std::getline(lines, line);) rows.push_back(line);
  ASSERT_EQ(rows.size(), 5u) << buffer;  // header, conv + relu, pool, conv, total
  EXPECT_NE(rows[0].find("threads"), std::string::npos);
  EXPECT_TRUE(rows[1].ends_with("shared")) << rows[1];
  EXPECT_TRUE(rows[2].ends_with(" one")) << rows[2];
  EXPECT_TRUE(rows[3].ends_with(" one")) << rows[3];
}

// A depthwise + pointwise pass is one call, its row named by both layers and their activations.
TEST(Profile, PrintsAFusedPassAsOneRow) {
  using net = sequential<input<16, 5, 5>::with<nhwc>, depthwise_conv2d<3, pad<1>>, relu, conv2d<8, 1>, relu>;
  const std::string text = prepared_profile<net>();
  EXPECT_NE(text.find("depthwise_conv2d + relu + conv2d + relu"), std::string::npos) << text;
  EXPECT_NE(text.find("6,800"), std::string::npos) << text;  // 16 x 9 x 25 + 16 x 8 x 25 MACs
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 3);  // header, the pass, total
}
