// The outputs the embedded examples compare with (embedded/expected.hpp) are this host's results for
// the same networks, weights and inputs. If they drift, this test prints the file's new contents.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>

#include "../../embedded/expected.hpp"
#include "../../embedded/models.hpp"

namespace {
template <class Net, std::uint32_t Seed, std::size_t N>
std::string check(const char* name, const float (&committed)[N], bool& same) {
  constexpr auto& weights = models::prepared_weights<Net, Seed>;
  constexpr auto input = models::make_input<Net>(Seed);
  auto arena = std::make_unique<ctnn::static_arena<typename Net::prepared>>();
  std::array<float, N> y{};
  Net::forward(weights, input, y, *arena);
  std::string line = std::string("inline constexpr float ") + name + "[" + std::to_string(N) + "] = {";
  for (std::size_t i = 0; i < N; ++i) {
    char text[32];
    std::snprintf(text, sizeof text, "%s%.9gf", i ? ", " : "", static_cast<double>(y[i]));
    line += text;
    // Within 1e-6: compilers may order a few float operations differently.
    if (std::abs(y[i] - committed[i]) > 1e-6f * std::max(1.0f, std::abs(committed[i]))) same = false;
  }
  return line + "};\n";
}
}  // namespace

TEST(EmbeddedReference, CommittedOutputsAreTheHostsResults) {
  bool same = true;
  const std::string lenet = check<models::lenet, models::lenet_seed>("lenet", expected::lenet, same);
  const std::string ds_cnn = check<models::ds_cnn, models::ds_cnn_seed>("ds_cnn", expected::ds_cnn, same);
  EXPECT_TRUE(same) << "embedded/expected.hpp should hold:\n" << lenet << ds_cnn;
}
