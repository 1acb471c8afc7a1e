// The convolution arithmetic and the parameter solvers, against values worked out by hand from the
// formulas of Dumoulin & Visin and PyTorch's documentation.
#include <gtest/gtest.h>

#include "ctnn/ctnn.hpp"

using namespace ctnn;

TEST(Arithmetic, FloorAndCeilDivisionRoundTowardMinusAndPlusInfinity) {
  EXPECT_EQ(floor_div(7, 2), 3);
  EXPECT_EQ(floor_div(-1, 2), -1);
  EXPECT_EQ(floor_div(-4, 2), -2);
  EXPECT_EQ(ceil_div(7, 2), 4);
  EXPECT_EQ(ceil_div(-1, 2), 0);
}

TEST(Arithmetic, ConvolutionOutputExtent) {
  // o = floor((i + 2p - d(k-1) - 1) / s) + 1
  EXPECT_EQ(conv_output_extent(227, 11, 4, 1, 0, 0), 55);  // AlexNet conv1: (227 - 11)/4 + 1
  EXPECT_EQ(conv_output_extent(5, 3, 1, 1, 1, 1), 5);      // half padding keeps the size
  EXPECT_EQ(conv_output_extent(5, 3, 1, 1, 2, 2), 7);      // full padding: i + k - 1
  EXPECT_EQ(conv_output_extent(256, 3, 1, 1, 1, 1), 256);
  EXPECT_EQ(conv_output_extent(5, 3, 2, 1, 1, 1), 3);      // (5 + 2 - 3)/2 + 1
  EXPECT_EQ(conv_output_extent(6, 3, 2, 1, 1, 1), 3);      // (6 + 2 - 3)/2 + 1 = floor(2.5) + 1
  EXPECT_EQ(conv_output_extent(7, 3, 1, 2, 0, 0), 3);      // dilated kernel 5: 7 - 5 + 1
  EXPECT_EQ(conv_output_extent(10, 4, 3, 1, 0, 2), 3);     // asymmetric: (10 + 2 - 4)/3 + 1
  EXPECT_EQ(dilated_extent(3, 2), 5);
}

TEST(Arithmetic, TransposedConvolutionOutputExtent) {
  // o' = s(i' - 1) - 2p + d(k - 1) + a + 1
  EXPECT_EQ(conv_transpose_output_extent(256, 2, 2, 1, 0, 0, 0), 512);
  EXPECT_EQ(conv_transpose_output_extent(256, 4, 2, 1, 1, 1, 0), 512);
  EXPECT_EQ(conv_transpose_output_extent(126, 3, 1, 1, 0, 0, 0), 128);
  EXPECT_EQ(conv_transpose_output_extent(3, 3, 2, 1, 1, 1, 1), 6);   // 4 - 2 + 2 + 1 + 1
  EXPECT_EQ(conv_transpose_output_extent(4, 3, 1, 2, 0, 0, 1), 9);   // 3 + 4 + 1 + 1
}

TEST(Arithmetic, PoolingOutputExtentWithCeilMode) {
  EXPECT_EQ(pool_output_extent(5, 2, 2, 1, 0, 0, false), 2);
  EXPECT_EQ(pool_output_extent(5, 2, 2, 1, 0, 0, true), 3);  // floor((5 - 2 + 1)/2) + 1
  // ceil_mode would start the third window at 6 >= 5 + 1 (input plus left padding): dropped.
  EXPECT_EQ(pool_output_extent(5, 3, 3, 1, 1, 1, true), 2);
  EXPECT_EQ(pool_output_extent(112, 3, 2, 1, 1, 1, false), 56);  // ResNet stem
  EXPECT_EQ(pool_output_extent(56, 3, 2, 1, 0, 0, true), 28);    // GoogLeNet: ceil(53/2) + 1
}

TEST(Arithmetic, PaddingModes) {
  EXPECT_EQ(same_padding(3, 1), (pad_pair{1, 1}));
  EXPECT_EQ(same_padding(4, 1), (pad_pair{1, 2}));  // the odd element after
  EXPECT_EQ(same_padding(3, 2), (pad_pair{2, 2}));
  EXPECT_EQ(full_padding(3, 1), (pad_pair{2, 2}));
  // TensorFlow SAME: o = ceil(i/s), need = (o-1)s + K - i.
  EXPECT_EQ(tf_same_padding(5, 3, 2, 1), (pad_pair{1, 1}));    // o 3, need 2
  EXPECT_EQ(tf_same_padding(6, 3, 2, 1), (pad_pair{0, 1}));    // o 3, need 1
  EXPECT_EQ(tf_same_padding(49, 10, 2, 1), (pad_pair{4, 5}));  // DS-CNN: o 25, need 9
  EXPECT_EQ(tf_same_padding(10, 1, 3, 1), (pad_pair{0, 0}));   // need would be negative
}

TEST(Arithmetic, AdaptivePoolingWindows) {
  // [floor(j i / o), ceil((j + 1) i / o)) for i = 5, o = 3: [0, 2), [1, 4), [3, 5).
  EXPECT_EQ(adaptive_begin(0, 5, 3), 0);
  EXPECT_EQ(adaptive_end(0, 5, 3), 2);
  EXPECT_EQ(adaptive_begin(1, 5, 3), 1);
  EXPECT_EQ(adaptive_end(1, 5, 3), 4);
  EXPECT_EQ(adaptive_begin(2, 5, 3), 3);
  EXPECT_EQ(adaptive_end(2, 5, 3), 5);
}

TEST(Solvers, HalfAndOutputPadding) {
  EXPECT_EQ(half_padding(3), 1);
  EXPECT_EQ(half_padding(7), 3);
  EXPECT_EQ(half_padding(3, 2), 2);
  // Output 8 from 16 with k3 s2: total in [1, 2], the smallest is 1, after.
  EXPECT_EQ(padding_for_output(16, 8, 3, 2), (pad_pair{0, 1}));
  EXPECT_EQ(padding_for_output(5, 5, 3, 1), (pad_pair{1, 1}));
  EXPECT_EQ(padding_for_output(10, 2, 3, 1), (pad_pair{-1, -1}));  // would need negative padding
}

TEST(Solvers, UpsamplingFamiliesMultiplyBy_n) {
  EXPECT_EQ(upsampling_by(2, 0), (kernel_stride_padding{2, 2, 0}));
  EXPECT_EQ(upsampling_by(2, 1), (kernel_stride_padding{4, 2, 1}));
  for (index_t n = 1; n <= 4; ++n)
    for (index_t p = 0; p <= 3; ++p)
      for (index_t i = 1; i <= 9; ++i) {
        const auto ksp = upsampling_by(n, p);
        EXPECT_EQ(conv_transpose_output_extent(i, ksp.kernel, ksp.stride, 1, ksp.padding, ksp.padding, 0), n * i);
        const auto down = downsampling_by(n, p);
        EXPECT_EQ(conv_output_extent(n * i, down.kernel, down.stride, 1, down.padding, down.padding), i);
      }
}

TEST(Solvers, InverseOutputPaddingUndoesAStridedConvolution) {
  // k3 s2 p1 maps both 7 and 8 to 4; a = (i + 2p - K) mod s picks the one wanted.
  EXPECT_EQ(conv_output_extent(7, 3, 2, 1, 1, 1), 4);
  EXPECT_EQ(conv_output_extent(8, 3, 2, 1, 1, 1), 4);
  EXPECT_EQ(inverse_output_padding(7, 3, 2, 1), 0);
  EXPECT_EQ(inverse_output_padding(8, 3, 2, 1), 1);
  for (index_t i = 4; i <= 30; ++i)
    for (index_t k = 1; k <= 5; ++k)
      for (index_t s = 1; s <= 4; ++s)
        for (index_t d = 1; d <= 2; ++d) {
          const index_t p = half_padding(k, d) / 2;
          if (i + 2 * p < dilated_extent(k, d)) continue;
          const auto o = static_cast<index_t>(conv_output_extent(i, k, s, d, p, p));
          const index_t a = inverse_output_padding(i, k, s, p, d);
          EXPECT_LT(a, std::max(s, d));
          EXPECT_EQ(conv_transpose_output_extent(o, k, s, d, p, p, a), i) << i << " " << k << " " << s << " " << d;
        }
}

// The solvers are constexpr, so they can choose a layer's parameters.
using upsampler = sequential<input<8, 57, 57>, conv2d<8, 3, stride<2>, pad<1>>,
                             conv_transpose2d<8, 3, stride<2>, pad<1>, output_padding<inverse_output_padding(57, 3, 2, 1)>>>;
static_assert(upsampler::shapes[1] == shape{8, 29, 29});
static_assert(upsampler::output_shape == shape{8, 57, 57});
