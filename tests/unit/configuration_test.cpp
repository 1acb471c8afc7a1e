// Two translation units built with different CTNN_VECTOR_BYTES link into one program (the one-definition
// rule): ctnn's configuration is part of every name (ctnn/core/config.hpp), so each unit runs its own
// packing and kernels. Before, the linker kept one unit's inline functions for both, and the other's
// prepared weights were read with the wrong padding.
#include <gtest/gtest.h>

#include "configuration.hpp"
#include "kernel_harness.hpp"

std::vector<float> run_configuration_a(const std::vector<float>& params, const std::vector<float>& x);
std::vector<float> run_configuration_b(const std::vector<float>& params, const std::vector<float>& x);
ctnn::count_t prepared_size_a();
ctnn::count_t prepared_size_b();

TEST(Configuration, UnitsBuiltWithDifferentVectorsKeepTheirOwnLayouts) {
  using net = configuration::net;
  const auto params = harness::random_values(net::weights::size, 11);
  const auto x = harness::random_values(net::input_size, 12);
  EXPECT_NE(prepared_size_a(), prepared_size_b());  // the layouts do differ
  // Both agree with the naive reference.
  const auto expected = harness::naive_conv_relu_linear(harness::from_layout(x.data(), net::input_shape, ctnn::layout::nhwc),
                                                        net::input_shape, 12, 3, 5, params);
  EXPECT_TRUE(harness::close(run_configuration_a(params, x), expected, 1e-5, 1e-5));
  EXPECT_TRUE(harness::close(run_configuration_b(params, x), expected, 1e-5, 1e-5));
}
