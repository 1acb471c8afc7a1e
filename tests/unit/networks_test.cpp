// Whole networks through the DSL, every shape worked out by hand in the comments.
#include <gtest/gtest.h>

#include "ctnn/ctnn.hpp"

using namespace ctnn;

// LeNet-5: 1x32x32 -> conv 6@5x5 -> 6x28x28 -> pool 2 -> 6x14x14 -> conv 16@5x5 -> 16x10x10 -> pool 2
// -> 16x5x5 -> 400 -> 120 -> 84 -> 10.
using lenet = sequential<input<1, 32, 32>,
                         conv2d<6, 5>, relu, max_pool2d<2>,
                         conv2d<16, 5>, relu, max_pool2d<2>,
                         flatten, linear<120>, relu, linear<84>, relu, linear<10>>;
static_assert(lenet::output_shape == shape{10});
static_assert(layer_t<lenet, 0>::weight_shape == shape{6, 1, 5, 5});

TEST(Networks, LeNet5EveryShape) {
  const shape expected[] = {{1, 32, 32}, {6, 28, 28}, {6, 28, 28}, {6, 14, 14}, {16, 10, 10}, {16, 10, 10},
                            {16, 5, 5},  {400},       {120},       {120},       {84},        {84},         {10}};
  ASSERT_EQ(lenet::size + 1, std::size(expected));
  for (std::size_t i = 0; i < std::size(expected); ++i) EXPECT_EQ(lenet::shapes[i], expected[i]) << "shape " << i;
  EXPECT_EQ((layer_t<lenet, 3>::weight_shape), (shape{16, 6, 5, 5}));
  EXPECT_EQ((layer_t<lenet, 7>::weight_shape), (shape{120, 400}));
  EXPECT_EQ((layer_t<lenet, 9>::weight_shape), (shape{84, 120}));
  EXPECT_EQ((layer_t<lenet, 11>::weight_shape), (shape{10, 84}));
  EXPECT_EQ((layer_t<lenet, 1>::weight_shape), shape{});  // relu has no weight
}

// ResNet basic block with a strided 1x1 projection: 64x56x56 -> 128x28x28.
using basic_block = sequential<input<64, 56, 56>,
    residual<chain<conv2d<128, 3, stride<2>, pad<1>, no_bias>, batch_norm2d<>, relu,
                   conv2d<128, 3, pad<1>, no_bias>, batch_norm2d<>>,
             chain<conv2d<128, 1, stride<2>, no_bias>, batch_norm2d<>>>,
    relu>;
static_assert(basic_block::output_shape == shape{128, 28, 28});

TEST(Networks, ResNetBasicBlockBranches) {
  using block = layer_t<basic_block, 0>;
  using main = branch_t<block, 0>;
  using shortcut = branch_t<block, 1>;
  EXPECT_EQ(main::size, 5u);
  EXPECT_EQ(main::shapes[1], (shape{128, 28, 28}));
  EXPECT_EQ((layer_t<main, 0>::weight_shape), (shape{128, 64, 3, 3}));
  EXPECT_EQ((layer_t<main, 0>::bias_shape), shape{});
  EXPECT_EQ((layer_t<main, 3>::weight_shape), (shape{128, 128, 3, 3}));
  EXPECT_EQ((layer_t<main, 4>::weight_shape), (shape{128}));
  EXPECT_EQ((layer_t<shortcut, 0>::weight_shape), (shape{128, 64, 1, 1}));
  EXPECT_EQ(shortcut::output_shape, (shape{128, 28, 28}));
}

// One U-Net level: encoder 3 -> 64 at 128x128, a skip, a bottleneck at 64x64 upsampled by a k2 s2
// transposed conv, the skip concatenated (64 + 64 = 128 channels), the decoder back to 64, two classes.
using unet_level = sequential<input<3, 128, 128>,
    conv2d<64, 3, pad<1>>, relu, conv2d<64, 3, pad<1>>, relu,
    concat<identity_layer,
           chain<max_pool2d<2>, conv2d<128, 3, pad<1>>, relu, conv2d<128, 3, pad<1>>, relu,
                 conv_transpose2d<64, 2, stride<2>>>>,
    conv2d<64, 3, pad<1>>, relu, conv2d<64, 3, pad<1>>, relu, conv2d<2, 1>>;

TEST(Networks, UNetLevel) {
  EXPECT_EQ(unet_level::shapes[4], (shape{64, 128, 128}));
  EXPECT_EQ(unet_level::shapes[5], (shape{128, 128, 128}));
  EXPECT_EQ(unet_level::output_shape, (shape{2, 128, 128}));
  using down = branch_t<layer_t<unet_level, 4>, 1>;
  EXPECT_EQ(down::shapes[1], (shape{64, 64, 64}));
  EXPECT_EQ(down::shapes[5], (shape{128, 64, 64}));
  EXPECT_EQ(down::output_shape, (shape{64, 128, 128}));
  EXPECT_EQ((layer_t<down, 5>::weight_shape), (shape{128, 64, 2, 2}));
  EXPECT_EQ((layer_t<unet_level, 5>::weight_shape), (shape{64, 128, 3, 3}));
}

// GoogLeNet inception 3a: 192x28x28 -> 64 + 128 + 32 + 32 = 256 channels.
using inception_3a = sequential<input<192, 28, 28>,
    concat<conv2d<64, 1>,
           chain<conv2d<96, 1>, relu, conv2d<128, 3, pad<1>>>,
           chain<conv2d<16, 1>, relu, conv2d<32, 5, pad<2>>>,
           chain<max_pool2d<3, stride<1>, pad<1>>, conv2d<32, 1>>>>;
static_assert(inception_3a::output_shape == shape{256, 28, 28});
static_assert(layer_t<branch_t<layer_t<inception_3a, 0>, 1>, 0>::weight_shape == shape{96, 192, 1, 1});

// VGG-style stack with PyTorch "same" padding.
using vgg_block = sequential<input<3, 224, 224>, conv2d<64, 3, pad_same>, relu, conv2d<64, 3, pad_same>, relu,
                             max_pool2d<2>, conv2d<128, 3, pad_same>, relu, conv2d<128, 3, pad_same>, relu, max_pool2d<2>>;
static_assert(vgg_block::shapes[5] == shape{64, 112, 112});
static_assert(vgg_block::output_shape == shape{128, 56, 56});

// DS-CNN keyword spotting (49x10 MFCC): TensorFlow SAME padding with stride 2 gives ceil(49/2) x ceil(10/2).
using ds_cnn = sequential<input<1, 49, 10>, conv2d<64, kernel<10, 4>, stride<2>, pad_tf_same>, relu,
                          depthwise_conv2d<3, pad_same>, relu, conv2d<64, 1>, relu,
                          global_avg_pool, flatten, linear<12>>;
static_assert(ds_cnn::shapes[1] == shape{64, 25, 5});
static_assert(layer_t<ds_cnn, 0>::weight_shape == shape{64, 1, 10, 4});
static_assert(layer_t<ds_cnn, 2>::weight_shape == shape{64, 1, 3, 3});
static_assert(ds_cnn::shapes[7] == shape{64, 1, 1});
static_assert(ds_cnn::output_shape == shape{12});

TEST(Networks, NhwcUsersGetHwioWeights) {
  using net = sequential<input<3, 32, 32>::with<nhwc>, conv2d<16, kernel<3, 5>, groups<1>>, conv_transpose2d<8, 2, stride<2>>>;
  EXPECT_EQ(net::memory_layout, layout::nhwc);
  // 32 - 3 + 1 = 30 and 32 - 5 + 1 = 28, doubled; logical shapes stay channel-first.
  EXPECT_EQ(net::output_shape, (shape{8, 60, 56}));
  EXPECT_EQ((layer_t<net, 0>::weight_shape_hwio), (shape{3, 5, 3, 16}));
  EXPECT_EQ((layer_t<net, 1>::weight_shape), (shape{16, 8, 2, 2}));
  EXPECT_EQ((layer_t<net, 1>::weight_shape_hwio), (shape{2, 2, 8, 16}));
}

TEST(Networks, OneAndThreeDimensionalLayers) {
  using audio = sequential<input<16, 100>, conv1d<32, 5, stride<2>>, max_pool1d<2>, upsample_linear1d<scale_ratio<3, 2>>>;
  EXPECT_EQ(audio::shapes[1], (shape{32, 48}));  // floor(95/2) + 1
  EXPECT_EQ(audio::shapes[2], (shape{32, 24}));
  EXPECT_EQ(audio::output_shape, (shape{32, 36}));
  EXPECT_EQ((layer_t<audio, 0>::weight_shape), (shape{32, 16, 5}));

  using volume = sequential<input<4, 16, 32, 32>, conv3d<8, 3, pad<1>>, max_pool3d<2>, conv_transpose3d<4, 2, stride<2>>,
                            upsample_trilinear3d<scale_factor<1, 2, 2>>, adaptive_avg_pool3d<2, 3, 4>>;
  EXPECT_EQ(volume::shapes[1], (shape{8, 16, 32, 32}));
  EXPECT_EQ((layer_t<volume, 0>::weight_shape), (shape{8, 4, 3, 3, 3}));
  EXPECT_EQ(volume::shapes[2], (shape{8, 8, 16, 16}));
  EXPECT_EQ(volume::shapes[3], (shape{4, 16, 32, 32}));
  EXPECT_EQ((layer_t<volume, 2>::weight_shape), (shape{8, 4, 2, 2, 2}));
  EXPECT_EQ(volume::shapes[4], (shape{4, 16, 64, 64}));
  EXPECT_EQ(volume::output_shape, (shape{4, 2, 3, 4}));
}

TEST(Networks, PaddingCroppingAndUpsampling) {
  using net = sequential<input<3, 10, 10>, zero_pad2d<pad_begin<0, 1>, pad_end<2, 3>>,
                         crop2d<crop_begin<1, 1>, crop_end<0, 2>>, replication_pad2d<pad<1>>,
                         upsample_bilinear2d<output_size<64, 48>, align_corners>, adaptive_max_pool2d<7>>;
  EXPECT_EQ(net::shapes[1], (shape{3, 12, 14}));
  EXPECT_EQ(net::shapes[2], (shape{3, 11, 11}));
  EXPECT_EQ(net::shapes[3], (shape{3, 13, 13}));
  EXPECT_EQ(net::shapes[4], (shape{3, 64, 48}));
  EXPECT_EQ(net::output_shape, (shape{3, 7, 7}));
}

TEST(Networks, AsymmetricPaddingAndTargetOutputSize) {
  // H: 10 + 0 + 1 - 3 + 1 = 9; W: 10 + 1 + 0 - 3 + 1 = 9.
  using asym = sequential<input<1, 10, 10>, conv2d<8, 3, pad_begin<0, 1>, pad_end<1, 0>>>;
  EXPECT_EQ(asym::output_shape, (shape{8, 9, 9}));
  // From 4: (4 - 1)2 - 2 + 3 = 7 at output padding 0; 8 needs output padding 1.
  using target = sequential<input<1, 4, 4>, conv_transpose2d<8, 3, stride<2>, pad<1>, output_size<8, 7>>>;
  EXPECT_EQ(target::output_shape, (shape{8, 8, 7}));
}

TEST(Networks, PartialConvolutionMasks) {
  using net = sequential<input<3, 64, 64>, partial_conv2d<16, 7, stride<2>, pad<3>>,
                         partial_conv2d<32, 3, pad<1>, multi_channel_mask>>;
  using first = layer_t<net, 0>;
  using second = layer_t<net, 1>;
  EXPECT_EQ(first::output_shape, (shape{16, 32, 32}));
  EXPECT_EQ(first::weight_shape, (shape{16, 3, 7, 7}));
  EXPECT_EQ(first::mask_shape, (shape{1, 64, 64}));
  EXPECT_EQ(first::updated_mask_shape, (shape{1, 32, 32}));
  EXPECT_EQ(second::mask_shape, (shape{16, 32, 32}));
  EXPECT_EQ(second::updated_mask_shape, (shape{32, 32, 32}));
}

TEST(Networks, ReshapeAndSoftmax) {
  using net = sequential<input<16, 5, 5>, flatten_dims<1>, reshape<4, -1>, softmax_dim<-1>, flatten, softmax>;
  EXPECT_EQ(net::shapes[1], (shape{16, 25}));
  EXPECT_EQ(net::shapes[2], (shape{4, 100}));
  EXPECT_EQ(net::output_shape, (shape{400}));
}

TEST(Networks, ActivationsKeepTheShape) {
  using net = sequential<input<8, 4, 4>, relu, relu6, leaky_relu<>, leaky_relu<1, 5>, sigmoid, ctnn::tanh_activation, hardswish,
                         silu, gelu, gelu_tanh, dropout, identity_layer, batch_norm2d<8>>;
  for (const shape& s : net::shapes) EXPECT_EQ(s, (shape{8, 4, 4}));
}
