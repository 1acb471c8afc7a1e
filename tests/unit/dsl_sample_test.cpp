// A sample of the PyTorch reference cases (tests/data/dsl_sample.inc, made by tools/make_dsl_sample.py)
// declared through the type-level DSL: the same shapes and the same rejections as the value-level rules.
#include <gtest/gtest.h>

#include "ctnn/ctnn.hpp"
#include "categories.hpp"

using namespace ctnn;

#define CTNN_UNPAREN(...) __VA_ARGS__
#define CTNN_VALID(line, net, out, weight, bias)                                                   \
  static_assert(layer_t<CTNN_UNPAREN net, 0>::output_shape == shape{CTNN_UNPAREN out},              \
                "shape_cases.txt:" #line);                                                         \
  static_assert(layer_t<CTNN_UNPAREN net, 0>::weight_shape == shape{CTNN_UNPAREN weight},           \
                "shape_cases.txt:" #line);                                                         \
  static_assert(layer_t<CTNN_UNPAREN net, 0>::bias_shape == shape{CTNN_UNPAREN bias}, "shape_cases.txt:" #line)
#define CTNN_INVALID(line, category, net)                                                          \
  static_assert(test::in_category(network_error<CTNN_UNPAREN net>().code, #category), "shape_cases.txt:" #line)

#include "../data/dsl_sample.inc"

TEST(DslSample, CompiledSoEveryCaseHolds) {
  // The checks are the static_asserts above; this counts that the sample is not empty.
  int cases = 0;
#undef CTNN_VALID
#undef CTNN_INVALID
#define CTNN_VALID(...) ++cases
#define CTNN_INVALID(...) ++cases
#include "../data/dsl_sample.inc"
  EXPECT_GE(cases, 300);
}
