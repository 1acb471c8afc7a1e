// The worked examples of ../shared/reference/shape-rules.md (Dumoulin & Visin and PyTorch's
// documentation), declared through the network DSL. Expected values are the documented ones.
#include <gtest/gtest.h>

#include "ctnn/ctnn.hpp"

using namespace ctnn;

// AlexNet conv1: 227x227x3, 96 kernels 11x11, s4, p0 -> 55x55x96.
using alexnet_conv1 = sequential<input<3, 227, 227>, conv2d<96, 11, stride<4>>>;
static_assert(alexnet_conv1::output_shape == shape{96, 55, 55});
static_assert(layer_t<alexnet_conv1, 0>::weight_shape == shape{96, 3, 11, 11});

// 5x5 input, 3x3 kernel, p1, s1 -> 5x5; p2 -> 7x7.
static_assert(sequential<input<1, 5, 5>, conv2d<1, 3, pad<1>>>::output_shape == shape{1, 5, 5});
static_assert(sequential<input<1, 5, 5>, conv2d<1, 3, pad<2>>>::output_shape == shape{1, 7, 7});
static_assert(sequential<input<1, 5, 5>, conv2d<1, 3, pad_full>>::output_shape == shape{1, 7, 7});
static_assert(sequential<input<1, 5, 5>, conv2d<1, 3, pad_same>>::output_shape == shape{1, 5, 5});

// 256x256: k3 p1 s1 -> 256; transposed k2 s2 p0 -> 512; transposed k4 s2 p1 -> 512.
static_assert(sequential<input<1, 256, 256>, conv2d<1, 3, pad<1>>>::output_shape == shape{1, 256, 256});
static_assert(sequential<input<1, 256, 256>, conv_transpose2d<1, 2, stride<2>>>::output_shape == shape{1, 512, 512});
static_assert(sequential<input<1, 256, 256>, conv_transpose2d<1, 4, stride<2>, pad<1>>>::output_shape ==
              shape{1, 512, 512});

// Batch 8x64x128x128.
using batch8 = input<64, 128, 128>::with<batch<8>>;
using conv_64_32 = sequential<batch8, conv2d<32, 3>>;
static_assert(conv_64_32::batch == 8);
static_assert(conv_64_32::output_shape == shape{32, 126, 126});
static_assert(with_batch(conv_64_32::batch, conv_64_32::output_shape) == shape{8, 32, 126, 126});
static_assert(layer_t<conv_64_32, 0>::weight_shape == shape{32, 64, 3, 3});
static_assert(layer_t<sequential<batch8, conv2d<32, 3, groups<8>>>, 0>::weight_shape == shape{32, 8, 3, 3});
using separable = sequential<batch8, depthwise_conv2d<3>, conv2d<32, 1>>;
static_assert(layer_t<separable, 0>::weight_shape == shape{64, 1, 3, 3});
static_assert(layer_t<separable, 1>::weight_shape == shape{32, 64, 1, 1});
using transposed = sequential<input<32, 126, 126>::with<batch<8>>, conv_transpose2d<64, 3>>;
static_assert(transposed::output_shape == shape{64, 128, 128});
static_assert(layer_t<transposed, 0>::weight_shape == shape{32, 64, 3, 3});

// The arange(25) examples: 1x1x5x5, kernel 2x2 (the values are checked with the kernels).
static_assert(sequential<input<1, 5, 5>, conv2d<1, 2>>::output_shape == shape{1, 4, 4});
static_assert(sequential<input<1, 5, 5>, conv2d<1, 2, stride<2>>>::output_shape == shape{1, 2, 2});
static_assert(sequential<input<1, 5, 5>, conv2d<1, 2, pad<1>>>::output_shape == shape{1, 6, 6});
static_assert(sequential<input<1, 5, 5>, conv2d<1, 2, dilation<2>>>::output_shape == shape{1, 3, 3});

// ReflectionPad2d(2) of a 3x3 -> 7x7; nearest upsampling x2 of a 2x2 -> 4x4.
static_assert(sequential<input<1, 3, 3>, reflection_pad2d<pad<2>>>::output_shape == shape{1, 7, 7});
static_assert(sequential<input<1, 2, 2>, upsample_nearest2d<scale_factor<2>>>::output_shape == shape{1, 4, 4});

TEST(WorkedExamples, HoldAtRunTimeToo) {
  // The same rules, called as plain functions with run-time values.
  conv_params p{.rank = 2, .out_channels = 96, .kernel = {1, {11}}, .stride = {1, {4}}};
  const layer_shapes r = infer(p, shape{3, 227, 227});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.out, (shape{96, 55, 55}));
  EXPECT_EQ(r.weight, (shape{96, 3, 11, 11}));
  EXPECT_EQ(r.bias, (shape{96}));
}
