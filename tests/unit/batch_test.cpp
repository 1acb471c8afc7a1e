// forward_batch (ctnn/batch.hpp): samples shared out over threads, each with its own arena, and spans
// that do not fit refused before anything is written.
#include <gtest/gtest.h>

#include <vector>

#include "ctnn/batch.hpp"
#include "kernel_harness.hpp"

using namespace ctnn;

namespace {
using net = sequential<input<2, 5, 5>, conv2d<3, 3>, relu, flatten, linear<4>>;

struct fixture {
  std::unique_ptr<net::weights> w = std::make_unique<net::weights>();
  fixture() {
    const auto v = harness::random_values(net::weights::size, 3);
    for (std::size_t i = 0; i < v.size(); ++i) w->values[i] = v[i];
  }
  // One sample at a time by the naive reference: what the batch must give.
  std::vector<double> one_by_one(const std::vector<float>& inputs) const {
    std::vector<double> out;
    const std::vector<float> params(w->values.begin(), w->values.end());
    for (std::size_t s = 0; s < inputs.size() / net::input_size; ++s) {
      const std::vector<float> x(inputs.begin() + static_cast<std::ptrdiff_t>(s * net::input_size),
                                 inputs.begin() + static_cast<std::ptrdiff_t>((s + 1) * net::input_size));
      const auto y = harness::naive_conv_relu_linear(x, net::input_shape, 3, 3, 4, params);
      out.insert(out.end(), y.begin(), y.end());
    }
    return out;
  }
};
}  // namespace

TEST(ForwardBatch, EverySampleOnEveryThreadCount) {
  fixture f;
  const auto inputs = harness::random_values(7 * net::input_size, 4);
  const auto expected = f.one_by_one(inputs);
  for (std::size_t threads : {1u, 2u, 3u, 9u}) {
    std::vector<static_arena<net>> arenas(threads);
    std::vector<float> outputs(7 * net::output_size, -1.0f);
    EXPECT_EQ(forward_batch<net>(*f.w, std::span<const float>(inputs), std::span<float>(outputs), std::span(arenas)),
              batch_status::ok);
    EXPECT_TRUE(harness::close(outputs, expected)) << threads << " threads";
  }
}

// The caller's memory instead of static arenas: one span of bytes per thread.
TEST(ForwardBatch, CallerMemoryPerThread) {
  fixture f;
  const auto inputs = harness::random_values(5 * net::input_size, 8);
  const auto expected = f.one_by_one(inputs);
  constexpr std::size_t bytes = static_cast<std::size_t>(net::arena_bytes);
  std::vector<float> memory(2 * bytes / sizeof(float), 0.0f);  // float-aligned
  auto* base = reinterpret_cast<std::byte*>(memory.data());
  const std::array<std::span<std::byte, bytes>, 2> arenas{std::span<std::byte, bytes>(base, bytes),
                                                          std::span<std::byte, bytes>(base + bytes, bytes)};
  std::vector<float> outputs(5 * net::output_size, -1.0f);
  EXPECT_EQ(forward_batch<net>(*f.w, std::span<const float>(inputs), std::span<float>(outputs),
                               std::span<const std::span<std::byte, bytes>>(arenas)),
            batch_status::ok);
  EXPECT_TRUE(harness::close(outputs, expected));
  const std::span<const std::span<std::byte, bytes>> none;
  EXPECT_EQ(forward_batch<net>(*f.w, std::span<const float>(inputs), std::span<float>(outputs), none),
            batch_status::no_arenas);
}

// Used to loop forever: no arena meant a stride of zero samples.
TEST(ForwardBatch, NoArenaIsRefused) {
  fixture f;
  const auto inputs = harness::random_values(2 * net::input_size, 5);
  std::vector<float> outputs(2 * net::output_size, -1.0f);
  std::vector<static_arena<net>> none;
  EXPECT_EQ(forward_batch<net>(*f.w, std::span<const float>(inputs), std::span<float>(outputs), std::span(none)),
            batch_status::no_arenas);
  EXPECT_EQ(outputs, std::vector<float>(2 * net::output_size, -1.0f));
}

// Used to write past the end of a short output span.
TEST(ForwardBatch, ShortOutputsAreRefusedUntouched) {
  fixture f;
  const auto inputs = harness::random_values(3 * net::input_size, 6);
  std::vector<float> outputs(3 * net::output_size - 1, -1.0f);
  std::vector<static_arena<net>> arenas(2);
  EXPECT_EQ(forward_batch<net>(*f.w, std::span<const float>(inputs), std::span<float>(outputs), std::span(arenas)),
            batch_status::output_size_mismatch);
  EXPECT_EQ(outputs, std::vector<float>(3 * net::output_size - 1, -1.0f));
}

// Used to drop a trailing partial sample silently.
TEST(ForwardBatch, APartialSampleIsRefused) {
  fixture f;
  const auto inputs = harness::random_values(2 * net::input_size + 3, 7);
  std::vector<float> outputs(2 * net::output_size, -1.0f);
  std::vector<static_arena<net>> arenas(1);
  EXPECT_EQ(forward_batch<net>(*f.w, std::span<const float>(inputs), std::span<float>(outputs), std::span(arenas)),
            batch_status::partial_sample);
  EXPECT_EQ(outputs, std::vector<float>(2 * net::output_size, -1.0f));
}
