// The shape value type: construction, comparison, text, and the layout helpers.
#include <gtest/gtest.h>

#include <cstring>

#include "ctnn/ctnn.hpp"

using ctnn::shape;

static_assert(shape{}.rank == 0 && shape{}.size() == 1);
static_assert(shape{6, 1, 5, 5}.rank == 4 && shape{6, 1, 5, 5}.size() == 150);
static_assert(shape{1, 2} != shape{1, 2, 0}, "rank takes part in equality");
static_assert(shape{3, 224, 224}.channels() == 3 && shape{3, 224, 224}.spatial(1) == 224);

TEST(Shape, TextIsBracketedAndCommaSeparated) {
  EXPECT_STREQ(ctnn::to_text(shape{6, 28, 28}).c_str(), "[6, 28, 28]");
  EXPECT_STREQ(ctnn::to_text(shape{}).c_str(), "[]");
  EXPECT_STREQ(ctnn::to_text(shape{-1, 2147483647}).c_str(), "[-1, 2147483647]");
  constexpr auto text = ctnn::to_text(shape{10});
  static_assert(text.text[0] == '[' && text.text[1] == '1' && text.text[2] == '0' && text.text[3] == ']');
}

TEST(Shape, SizeUses64Bits) {
  const shape big{1024, 1024, 1024, 4};
  EXPECT_EQ(big.size(), 4LL * 1024 * 1024 * 1024);
}

TEST(Shape, LayoutHelpers) {
  EXPECT_EQ(ctnn::channels_last(shape{3, 4, 5}), (shape{4, 5, 3}));
  EXPECT_EQ(ctnn::with_batch(8, shape{3, 4, 5}), (shape{8, 3, 4, 5}));
  // PyTorch OIHW -> TensorFlow HWIO; IOHW (transposed) -> HWOI; [out, in] -> [in, out].
  EXPECT_EQ(ctnn::hwio(shape{32, 8, 3, 5}), (shape{3, 5, 8, 32}));
  EXPECT_EQ(ctnn::hwio(shape{120, 400}), (shape{400, 120}));
  EXPECT_EQ(ctnn::hwio(shape{64}), (shape{64}));
}

TEST(Shape, WorksAsATemplateArgument) {
  using placed = ctnn::placed_layer<ctnn::conv2d<6, 5>, shape{1, 32, 32}>;
  EXPECT_EQ(placed::output_shape, (shape{6, 28, 28}));
  EXPECT_EQ(placed::weight_shape, (shape{6, 1, 5, 5}));
  EXPECT_EQ(placed::weight_shape_hwio, (shape{5, 5, 1, 6}));
  EXPECT_EQ(placed::bias_shape, (shape{6}));
}
