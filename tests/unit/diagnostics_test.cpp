// Every check, as a value: the network is rejected (is_valid_network is false) with the right code, the
// right location and the right facts. The compile errors themselves are tested in tests/compile_fail.
#include <gtest/gtest.h>

#include "ctnn/ctnn.hpp"

using namespace ctnn;

template <class Input, class... Layers>
constexpr layer_error error_of() {
  static_assert(!is_valid_network<Input, Layers...>);
  return network_error<Input, Layers...>();
}

TEST(Diagnostics, EveryCheckReportsItsFacts) {
  struct expectation {
    layer_error error;
    error_code code;
    count_t a, b;
    int layer;
  };
  const expectation cases[] = {
      {error_of<input<3, 8>, conv2d<4, 3>>(), error_code::input_rank, 3, 2, 0},
      {error_of<input<3, 8, 8>, flatten, conv2d<4, 3>>(), error_code::input_rank, 3, 1, 1},
      {error_of<input<3, 8, 8>, conv2d<0, 3>>(), error_code::not_positive, 0, 0, 0},
      {error_of<input<3, 8, 8>, conv2d<4, 3, stride<0>>>(), error_code::not_positive, 0, 0, 0},
      {error_of<input<3, 8, 8>, conv2d<4, 3, pad<-1>>>(), error_code::negative_padding, -1, 0, 0},
      {error_of<input<3, 8, 8>, conv2d<4, kernel<3, 3, 3>>>(), error_code::option_rank, 3, 2, 0},
      {error_of<input<32, 8, 8>, conv2d<12, 3, groups<6>>>(), error_code::in_channels_groups, 32, 6, 0},
      {error_of<input<12, 8, 8>, conv2d<16, 3, groups<6>>>(), error_code::out_channels_groups, 16, 6, 0},
      {error_of<input<32, 8, 8>, conv2d<16, 3, in_channels<64>>>(), error_code::in_channels, 64, 32, 0},
      {error_of<input<256>, linear<10, in_features<400>>>(), error_code::in_features, 400, 256, 0},
      {error_of<input<3, 4, 8>, conv2d<4, 5>>(), error_code::window_exceeds_input, 4, 5, 0},
      {error_of<input<3, 8, 8>, conv2d<4, 3, dilation<4>>>(), error_code::window_exceeds_input, 8, 9, 0},
      {error_of<input<3, 1, 1>, conv_transpose2d<4, 1, pad<1>>>(), error_code::output_not_positive, -1, 0, 0},
      {error_of<input<3, 8, 8>, conv2d<4, 3, stride<2>, pad_same>>(), error_code::same_needs_stride_1, 2, 0, 0},
      {error_of<input<3, 8, 8>, conv_transpose2d<4, 3, stride<2>, output_padding<2>>>(),
       error_code::output_padding_too_large, 2, 2, 0},
      {error_of<input<3, 4, 4>, conv_transpose2d<4, 3, stride<2>, pad<1>, output_size<9, 8>>>(),
       error_code::output_size_unreachable, 9, 7, 0},
      {error_of<input<3, 8, 8>, max_pool2d<2, pad<2>>>(), error_code::pool_padding_too_large, 2, 1, 0},
      {error_of<input<3, 3, 3>, reflection_pad2d<pad<3>>>(), error_code::reflection_padding_too_large, 3, 3, 0},
      {error_of<input<3, 4, 4>, crop2d<crop<2>>>(), error_code::crop_too_large, 4, 4, 0},
      {error_of<input<3, 4, 4>, crop2d<crop_begin<-1>>>(), error_code::negative_crop, -1, 0, 0},
      {error_of<input<16, 5, 5>, reshape<7, 7, 7>>(), error_code::reshape_count, 400, 343, 0},
      {error_of<input<16, 5, 5>, reshape<-1, -1>>(), error_code::reshape_inferred_dims, 2, 0, 0},
      {error_of<input<16, 5, 5>, softmax_dim<3>>(), error_code::dim_out_of_range, 3, 3, 0},
      {error_of<input<3, 8, 8>, upsample_nearest2d<>>(), error_code::scale_or_size, 0, 0, 0},
      {error_of<input<3, 8, 8>, upsample_nearest2d<scale_factor<2>, align_corners>>(), error_code::align_corners_needs_linear,
       0, 0, 0},
      {error_of<input<3, 8, 8>, conv_transpose2d<4, 3, pad_same>>(), error_code::padding_mode_unsupported,
       static_cast<count_t>(padding_mode::same), 0, 0},
      {error_of<input<3, 8, 8>, residual<conv2d<4, 3, pad<1>>>>(), error_code::add_shapes, 1, 0, 0},
      {error_of<input<3, 8, 8>, concat<identity_layer, conv2d<4, 3>>>(), error_code::concat_shapes, 1, 0, 0},
      {error_of<input<0, 8, 8>>(), error_code::not_positive, 0, 0, -1},
  };
  for (const expectation& c : cases) {
    EXPECT_EQ(c.error.code, c.code) << static_cast<int>(c.code);
    EXPECT_EQ(c.error.a, c.a) << static_cast<int>(c.code);
    EXPECT_EQ(c.error.b, c.b) << static_cast<int>(c.code);
    if (c.layer >= 0) {
      EXPECT_EQ(c.error.path[0], c.layer) << static_cast<int>(c.code);
    } else {
      EXPECT_EQ(c.error.depth, 0);
    }
  }
}

TEST(Diagnostics, UnreachableOutputSizeNamesTheRange) {
  constexpr layer_error e = error_of<input<3, 4, 4>, conv_transpose2d<4, 3, stride<2>, pad<1>, output_size<9, 8>>>();
  static_assert(e.b == 7 && e.c == 8 && e.dim == 0);  // (4 - 1)2 - 2 + 3 = 7, up to 7 + s - 1
  EXPECT_EQ(e.c, 8);
}

TEST(Diagnostics, ErrorsInsideBlocksCarryTheirPath) {
  // layer 2 (concat) -> branch 1 -> layer 1 (conv2d with groups 5 on 8 channels)
  constexpr layer_error e = error_of<input<8, 8, 8>, relu, relu,
                                     concat<identity_layer, chain<relu, conv2d<10, 1, groups<5>>>>>();
  static_assert(e.code == error_code::in_channels_groups);
  static_assert(e.depth == 3 && e.path[0] == 2 && e.path[1] == 1 && e.path[2] == 1);
  // The shape mismatch of a residual names the two shapes.
  constexpr layer_error add = error_of<input<3, 8, 8>, residual<conv2d<4, 3, pad<1>>>>();
  static_assert(add.lhs == shape{4, 8, 8} && add.rhs == shape{3, 8, 8});
  EXPECT_EQ(e.depth, 3);
}

TEST(Diagnostics, SpatialDimIsNamed) {
  constexpr layer_error e = error_of<input<3, 8, 4>, conv2d<4, 5>>();
  static_assert(e.dim == 1 && e.rank == 2);  // W
  EXPECT_EQ(e.a, 4);
}

// Options a layer does not have are rejected by the layer's constraints.
static_assert(option_for<stride<2>, conv_params>);
static_assert(!option_for<ceil_mode, conv_params>);
static_assert(!option_for<dilation<2>, avg_pool_params>);
static_assert(!option_for<output_padding<1>, conv_params>);
static_assert(option_for<exclude_pad, avg_pool_params>);
static_assert(!option_for<align_corners, pad_params>);
