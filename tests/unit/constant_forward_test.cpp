// Networks run inside the compiler (ctnn/kernels/evaluate.hpp): LeNet-5 under both compilers' default
// constant-evaluation limits, its decision asserted against PyTorch's (embedded/expected.hpp, written by
// tools/make_embedded_reference.py); compile-time and run-time outputs bit for bit (this file is built
// with -ffp-contract=off, so neither side fuses a multiply-add).
#include <gtest/gtest.h>

#include <array>
#include <memory>

#include "../../embedded/expected.hpp"
#include "../../embedded/models.hpp"
#include "ctnn/kernels/evaluate.hpp"

namespace {
using lenet = models::lenet;  // NHWC
static constexpr lenet::weights lenet_weights = models::make_weights<lenet>(models::lenet_seed);
static constexpr auto lenet_input = models::make_input<lenet>(models::lenet_seed);
constexpr auto lenet_output = ctnn::constant_forward<lenet, lenet_weights, lenet_input>();

constexpr bool near_pytorch(const std::array<float, 10>& y, const float (&want)[10]) {
  for (std::size_t i = 0; i < 10; ++i) {
    const float d = y[i] - want[i];
    if (d > 1e-4f || d < -1e-4f) return false;
  }
  return true;
}
// PyTorch's class, and every score within 1e-4 of PyTorch's: checked while compiling.
static_assert(ctnn::top_class(lenet_output) == ctnn::top_class(expected::lenet));
static_assert(ctnn::top_class(expected::lenet) == 7);
static_assert(near_pytorch(lenet_output, expected::lenet));

// The same network in NCHW, split differently into constants (its layouts' kernels differ).
using lenet_nchw = ctnn::relayout_t<lenet, ctnn::layout::nchw>;
static constexpr lenet_nchw::weights nchw_weights = models::make_weights<lenet_nchw>(models::lenet_seed);
static constexpr auto nchw_input = lenet_input;  // one channel: the same order in both layouts
constexpr auto nchw_output = ctnn::constant_forward<lenet_nchw, nchw_weights, nchw_input>();
static_assert(ctnn::top_class(nchw_output) == 7 && near_pytorch(nchw_output, expected::lenet));

TEST(ConstantForward, MatchesTheRunTimePlainLoopsBitForBit) {
  auto arena = std::make_unique<ctnn::static_arena<lenet>>();
  std::array<float, 10> y{};
  lenet::forward(lenet_weights, lenet_input, y, *arena);
  for (std::size_t i = 0; i < 10; ++i) EXPECT_EQ(y[i], lenet_output[i]) << i;
  auto nchw_arena = std::make_unique<ctnn::static_arena<lenet_nchw>>();
  lenet_nchw::forward(nchw_weights, nchw_input, y, *nchw_arena);
  for (std::size_t i = 0; i < 10; ++i) EXPECT_EQ(y[i], nchw_output[i]) << i;
}

// A large layer is split by output channels into constants of at most compile_time_part_macs each.
TEST(ConstantForward, SplitsLargeLayersByOutputChannels) {
  using run = ctnn::impl::constant_run<lenet, lenet_weights, lenet_input>;
  // conv2d<16, 5> on 6x14x14: 240,000 MACs -> 5 parts; conv2d<6, 5>: 117,600 -> 3; linear<120>: 48,000 -> 1.
  EXPECT_EQ(run::parts_of(3), 5);
  EXPECT_EQ(run::parts_of(0), 3);
  EXPECT_EQ(run::parts_of(7), 1);
  EXPECT_EQ(run::parts_of(1), 1);  // an activation is never split
}

// The transcendental activations inside the compiler (series in double, ctnn/kernels/math.hpp) against
// the same layer at run time (the C library's functions): within a few float ulp, on -8 .. 8 by 0.5
// and on values near 0, where exp(x) - 1 and log(1 + x) would cancel without expm1 and log1p.
namespace activations {
static constexpr std::array<float, 40> inputs = [] {
  std::array<float, 40> v{};
  for (int i = 0; i < 33; ++i) v[static_cast<std::size_t>(i)] = static_cast<float>(i - 16) * 0.5f;
  const float tiny[7] = {1e-7f, -1e-7f, 3e-5f, -3e-5f, 1e-3f, -0.3f, 25.f};
  for (int i = 0; i < 7; ++i) v[static_cast<std::size_t>(33 + i)] = tiny[i];
  return v;
}();

template <class Layer>
void expect_compile_time_matches_run_time() {
  using net = ctnn::sequential<ctnn::input<40>, Layer>;
  static constexpr typename net::weights no_weights{};
  constexpr auto at_compile_time = ctnn::constant_forward<net, no_weights, inputs>();
  std::array<float, 40> at_run_time{};
  auto arena = std::make_unique<ctnn::static_arena<net>>();
  net::forward(no_weights, inputs, at_run_time, *arena);
  for (std::size_t i = 0; i < 40; ++i) {
    const float want = at_run_time[i], got = at_compile_time[i];
    EXPECT_NEAR(got, want, 1e-30f + 5e-7f * (want < 0 ? -want : want)) << Layer::name << " at x = " << inputs[i];
  }
}

TEST(ConstantForward, TranscendentalActivationsMatchTheRunTime) {
  expect_compile_time_matches_run_time<ctnn::sigmoid>();
  expect_compile_time_matches_run_time<ctnn::tanh_activation>();
  expect_compile_time_matches_run_time<ctnn::silu>();
  expect_compile_time_matches_run_time<ctnn::gelu>();
  expect_compile_time_matches_run_time<ctnn::elu<>>();
  expect_compile_time_matches_run_time<ctnn::selu>();
  expect_compile_time_matches_run_time<ctnn::celu<3, 2>>();
  expect_compile_time_matches_run_time<ctnn::softplus<>>();
  expect_compile_time_matches_run_time<ctnn::softplus<2, 1, 6>>();
  expect_compile_time_matches_run_time<ctnn::mish>();
  expect_compile_time_matches_run_time<ctnn::log_softmax>();
  expect_compile_time_matches_run_time<ctnn::softmax>();
}
}  // namespace activations
}  // namespace
