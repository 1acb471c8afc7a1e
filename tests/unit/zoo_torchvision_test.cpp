// torchvision's newer classifiers, declared by hand in examples/zoo, against torchvision's own models:
// totals, output shape, and every module with parameters (its output shape, parameters and MACs).
#include <gtest/gtest.h>

#include "../../examples/zoo/convnext.hpp"
#include "../../examples/zoo/efficientnet.hpp"
#include "../../examples/zoo/mobilenet_v2.hpp"
#include "../../examples/zoo/mobilenet_v3.hpp"
#include "../../examples/zoo/regnet.hpp"
#include "../../examples/zoo/shufflenet_v2.hpp"
#include "zoo_reference.hpp"

using zoo_reference::expect_matches;

TEST(ZooTorchvision, EveryLayerMatchesTorchvision) {
  const auto reference = zoo_reference::load();
  expect_matches<zoo::mobilenet_v2>(reference, "mobilenet_v2");
  expect_matches<zoo::mobilenet_v3_small>(reference, "mobilenet_v3_small");
  expect_matches<zoo::mobilenet_v3_large>(reference, "mobilenet_v3_large");
  expect_matches<zoo::efficientnet_b0>(reference, "efficientnet_b0");
  expect_matches<zoo::regnet_y_400mf>(reference, "regnet_y_400mf");
  expect_matches<zoo::shufflenet_v2_x1_0>(reference, "shufflenet_v2_x1_0");
  expect_matches<zoo::convnext_tiny>(reference, "convnext_tiny");
  // Stem conv and norm, 18 blocks of 5 (depthwise conv, norm, two linears, layer scale), 3 downsamplings
  // of 2, the head's norm and linear: 100 modules.
  EXPECT_EQ(reference.at("convnext_tiny").layers.size(), 100u);
  // MobileNetV2: the stem's conv and norm, 17 blocks (the first of 2 convolutions, the others of 3, each
  // with its norm), the last 1x1 conv and norm, the classifier: 2 + 2 * (2 + 16 * 3) + 2 + 1 = 105.
  EXPECT_EQ(reference.at("mobilenet_v2").layers.size(), 105u);
}
