// torchvision's newer classifiers, declared by hand in examples/zoo, against torchvision's own models:
// totals, output shape, and every module with parameters (its output shape, parameters and MACs).
#include <gtest/gtest.h>

#include "../../examples/zoo/convnext.hpp"
#include "../../examples/zoo/efficientnet.hpp"
#include "../../examples/zoo/mobilenet_v3.hpp"
#include "../../examples/zoo/regnet.hpp"
#include "../../examples/zoo/shufflenet_v2.hpp"
#include "zoo_reference.hpp"

using zoo_reference::expect_matches;

TEST(ZooTorchvision, EveryLayerMatchesTorchvision) {
  const auto reference = zoo_reference::load();
  expect_matches<zoo::mobilenet_v3_small>(reference, "mobilenet_v3_small");
  expect_matches<zoo::mobilenet_v3_large>(reference, "mobilenet_v3_large");
  expect_matches<zoo::efficientnet_b0>(reference, "efficientnet_b0");
  expect_matches<zoo::regnet_y_400mf>(reference, "regnet_y_400mf");
  expect_matches<zoo::shufflenet_v2_x1_0>(reference, "shufflenet_v2_x1_0");
  expect_matches<zoo::convnext_tiny>(reference, "convnext_tiny");
  // Stem conv and norm, 18 blocks of 5 (depthwise conv, norm, two linears, layer scale), 3 downsamplings
  // of 2, the head's norm and linear: 100 modules.
  EXPECT_EQ(reference.at("convnext_tiny").layers.size(), 100u);
}
