// The worked examples of the convolution-arithmetic tutorials, computed inside the compiler
// (ctnn::constant_forward) and checked by static_assert against values worked out by hand.
#include <gtest/gtest.h>

#include <array>

#include "ctnn/ctnn.hpp"
#include "ctnn/kernels/evaluate.hpp"

using namespace ctnn;

namespace {
// arange(25) as a 5x5 grid: x[i][j] = 5i + j.
static constexpr auto grid = [] {
  std::array<float, 25> x{};
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i);
  return x;
}();
template <class Net>
constexpr typename Net::weights ones() {
  typename Net::weights w{};
  for (auto& v : w.values) v = 1.0f;
  return w;
}
template <std::size_t N>
constexpr bool equal(const std::array<float, N>& y, const std::array<float, N>& want) {
  for (std::size_t i = 0; i < N; ++i)
    if (y[i] != want[i]) return false;
  return true;
}

// A 2x2 kernel of ones, no padding, stride 1: y[i][j] = x[i][j] + x[i][j+1] + x[i+1][j] + x[i+1][j+1]
// = 20i + 4j + 12, 4x4.
using unit = sequential<input<1, 5, 5>, conv2d<1, 2, no_bias>>;
static constexpr unit::weights unit_w = ones<unit>();
static_assert(unit::output_shape == shape{1, 4, 4});
static_assert(equal(constant_forward<unit, unit_w, grid>(),
                    {12, 16, 20, 24, 32, 36, 40, 44, 52, 56, 60, 64, 72, 76, 80, 84}));

// Stride 2: the windows at (0, 0), (0, 2), (2, 0), (2, 2); the last column and row are never read.
using strided = sequential<input<1, 5, 5>, conv2d<1, 2, stride<2>, no_bias>>;
static constexpr strided::weights strided_w = ones<strided>();
static_assert(equal(constant_forward<strided, strided_w, grid>(), {12, 20, 52, 60}));

// Dilation 2: the taps two apart, an effective 3x3 window: 20i + 4j + 24, 3x3.
using dilated = sequential<input<1, 5, 5>, conv2d<1, 2, dilation<2>, no_bias>>;
static constexpr dilated::weights dilated_w = ones<dilated>();
static_assert(equal(constant_forward<dilated, dilated_w, grid>(), {24, 28, 32, 44, 48, 52, 64, 68, 72}));

// Padding 1: 6x6, the border windows sum only what lies inside the grid.
using padded = sequential<input<1, 5, 5>, conv2d<1, 2, pad<1>, no_bias>>;
static constexpr padded::weights padded_w = ones<padded>();
constexpr auto padded_y = constant_forward<padded, padded_w, grid>();
static_assert(padded::output_shape == shape{1, 6, 6});
static_assert(padded_y[0] == 0 && padded_y[1] == 1 && padded_y[2] == 3 && padded_y[5] == 4);  // row 0: x[0][j-1] + x[0][j]
static_assert(padded_y[7] == 12 && padded_y[30] == 20 && padded_y[35] == 24);              // (1,1), (5,0), (5,5)

// Reflection padding of arange(9) as 3x3 by 1: the edge is not repeated, row -1 mirrors row 1.
using reflected = sequential<input<1, 3, 3>, reflection_pad2d<pad<1>>>;
static constexpr reflected::weights no_weights{};
static constexpr std::array<float, 9> small = {0, 1, 2, 3, 4, 5, 6, 7, 8};
static_assert(equal(constant_forward<reflected, no_weights, small>(),
                    {4, 3, 4, 5, 4, 1, 0, 1, 2, 1, 4, 3, 4, 5, 4, 7, 6, 7, 8, 7, 4, 3, 4, 5, 4}));

// Nearest upsampling by 2: 256 -> 512 per side; on a 2x2 grid each value fills a 2x2 block.
static_assert(sequential<input<3, 256, 256>, upsample_nearest2d<scale_factor<2>>>::output_shape == shape{3, 512, 512});
using nearest = sequential<input<1, 2, 2>, upsample_nearest2d<scale_factor<2>>>;
static constexpr nearest::weights nearest_w{};
static constexpr std::array<float, 4> corners = {1, 2, 3, 4};
static_assert(equal(constant_forward<nearest, nearest_w, corners>(), {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}));

// AlexNet's first layer: (227 - 11) / 4 + 1 = 55.
static_assert(sequential<input<3, 227, 227>, conv2d<96, 11, stride<4>>>::output_shape == shape{96, 55, 55});

// A stride-2 convolution maps 6 and 5 alike to 3 ((i + 2 - 3) / 2 + 1); its transposed twin restores
// 6 through a = (i + 2p - k) mod s = 1, as output_padding, and gives 5 without it.
static_assert(sequential<input<1, 6, 6>, conv2d<1, 3, stride<2>, pad<1>>>::output_shape == shape{1, 3, 3});
static_assert(sequential<input<1, 5, 5>, conv2d<1, 3, stride<2>, pad<1>>>::output_shape == shape{1, 3, 3});
static_assert(sequential<input<1, 3, 3>, conv_transpose2d<1, 3, stride<2>, pad<1>, output_padding<1>>>::output_shape ==
              shape{1, 6, 6});
static_assert(sequential<input<1, 3, 3>, conv_transpose2d<1, 3, stride<2>, pad<1>>>::output_shape == shape{1, 5, 5});
// The transposed convolution with ones scatters each input over a 3x3 footprint two apart: on a single 1
// in the middle of a 3x3 input (output 5x5) the footprint is rows and columns 1..3.
using transposed = sequential<input<1, 3, 3>, conv_transpose2d<1, 3, stride<2>, pad<1>, no_bias>>;
static constexpr transposed::weights transposed_w = ones<transposed>();
static constexpr std::array<float, 9> centre = {0, 0, 0, 0, 1, 0, 0, 0, 0};
static_assert(equal(constant_forward<transposed, transposed_w, centre>(),
                    {0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 1, 1, 1, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0}));

TEST(ConstantExamples, HoldWhileCompiling) { SUCCEED() << "the static_asserts above are the test"; }
}  // namespace
