// The drawings (ctnn/analysis/draw.hpp): each figure's grid cells counted against the layer's shapes
// worked out by hand, the labels against the rule they show, the receptive field against a hand
// computation. Well-formedness (xmllint) and rendering (Chromium) run on the committed figures in CI.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "ctnn/analysis/draw.hpp"
#include "ctnn/ctnn.hpp"

using namespace ctnn;

namespace {
template <class Draw>
std::string drawn(Draw draw) {
  std::FILE* f = std::tmpfile();
  draw(f);
  std::string text;
  std::rewind(f);
  for (int c = std::fgetc(f); c != EOF; c = std::fgetc(f)) text += static_cast<char>(c);
  std::fclose(f);
  return text;
}
int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}
// The small labels in order of appearance.
std::vector<std::string> labels(const std::string& text) {
  std::vector<std::string> r;
  const std::string open = "<text class=\"small\"";
  for (std::size_t at = text.find(open); at != std::string::npos; at = text.find(open, at + 1)) {
    const std::size_t begin = text.find('>', at) + 1;
    r.push_back(text.substr(begin, text.find('<', begin) - begin));
  }
  return r;
}
template <index_t I, class Layer>
using one = sequential<input<1, I, I>, Layer>;

TEST(Draw, ConvolutionGridsHaveTheLayersShapes) {
  // i = 5, k = 3, s = 2, p = 1: a 7x7 padded grid (25 inputs, 24 padding), 3x3 outputs, 9 taps moved
  // through 9 positions.
  const std::string svg = drawn([](std::FILE* f) { draw_layer<one<5, conv2d<1, 3, stride<2>, pad<1>>>, 0>(f); });
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_EQ(svg.substr(svg.size() - 7), "</svg>\n");
  EXPECT_EQ(count(svg, "class=\"cell input\""), 25);
  EXPECT_EQ(count(svg, "class=\"cell pad\""), 24);
  EXPECT_EQ(count(svg, "class=\"cell output\""), 9);
  EXPECT_EQ(count(svg, "class=\"tap\""), 9);
  EXPECT_NE(svg.find("values=\"0,0;56,0;112,0;0,56;"), std::string::npos);  // 28-pixel cells, stride 2
  EXPECT_NE(svg.find("o = floor((5 + 1 + 1 - 3) / 2) + 1 = 3"), std::string::npos);
}

TEST(Draw, DilatedTapsAreSpreadAndPoolingShowsCeilMode) {
  // Dilation 2 on 7x7: taps two cells apart (0, 56, 112 px on a row of 28-pixel cells), 3x3 outputs.
  const std::string dilated = drawn([](std::FILE* f) { draw_layer<one<7, conv2d<1, 3, dilation<2>>>, 0>(f); });
  EXPECT_EQ(count(dilated, "class=\"cell output\""), 9);
  EXPECT_NE(dilated.find("class=\"tap\" x=\"104\""), std::string::npos);  // 48 + 2 * 28
  // 6x6, k 3, s 2, ceil mode: ceil(3 / 2) + 1 = 3 per side.
  const std::string pool = drawn([](std::FILE* f) { draw_layer<one<6, max_pool2d<3, stride<2>, ceil_mode>>, 0>(f); });
  EXPECT_EQ(count(pool, "class=\"cell output\""), 9);
  EXPECT_NE(pool.find("o = ceil((6 + 0 + 0 - 3) / 2) + 1 = 3"), std::string::npos);
}

TEST(Draw, TransposedConvolutionBothWays) {
  // i = 3, k = 3, s = 2, p = 1, a = 1 (restores 6 from a stride-2 convolution): the zero-inserted input
  // is 5 wide (9 inputs, 16 zeros), padded by d(k - 1) - p = 1 on each side, plus a = 1 at the end: 8x8
  // cells, 15 of them the a term; output 6x6 in each of the two panels; the scatter panel has 9 inputs.
  const std::string svg = drawn(
      [](std::FILE* f) { draw_layer<one<3, conv_transpose2d<1, 3, stride<2>, pad<1>, output_padding<1>>>, 0>(f); });
  EXPECT_EQ(count(svg, "class=\"cell input\""), 9 + 9);
  EXPECT_EQ(count(svg, "class=\"cell zero\""), 16);
  EXPECT_EQ(count(svg, "class=\"cell a\""), 15);
  EXPECT_EQ(count(svg, "class=\"cell pad\""), 64 - 9 - 16 - 15);
  EXPECT_EQ(count(svg, "class=\"cell output\""), 36 + 36);
  EXPECT_NE(svg.find("o = (3 - 1) 2 - 1 - 1 + 1 (3 - 1) + 1 + 1 = 6"), std::string::npos);
}

TEST(Draw, PaddingNamesTheCellEachOutputCopies) {
  // Reflection by 2 of a 4x4 grid: output row 0 mirrors input row 2, its columns -2..5 read 2 1 0 1 2 3 2 1.
  const std::string svg = drawn([](std::FILE* f) { draw_layer<one<4, reflection_pad2d<pad<2>>>, 0>(f); });
  EXPECT_EQ(count(svg, "class=\"cell output\""), 16);
  EXPECT_EQ(count(svg, "class=\"cell pad\""), 64 - 16);
  const std::vector<std::string> l = labels(svg);
  ASSERT_EQ(l.size(), 16u + 64u);
  EXPECT_EQ(std::vector<std::string>(l.begin() + 16, l.begin() + 24),
            (std::vector<std::string>{"10", "9", "8", "9", "10", "11", "10", "9"}));
  // Replication repeats the edge: row 0 of a 1-before padding reads input row 0, column -1 -> 0.
  const std::string rep = drawn([](std::FILE* f) { draw_layer<one<3, replication_pad2d<pad<1>>>, 0>(f); });
  const std::vector<std::string> r = labels(rep);
  EXPECT_EQ(std::vector<std::string>(r.begin() + 9, r.begin() + 14), (std::vector<std::string>{"0", "0", "1", "2", "2"}));
}

TEST(Draw, UpsamplingAndPartialConvolution) {
  const std::string up = drawn([](std::FILE* f) { draw_layer<one<3, upsample_nearest2d<scale_factor<2>>>, 0>(f); });
  EXPECT_EQ(count(up, "class=\"cell input\""), 9);
  EXPECT_EQ(count(up, "class=\"cell output\""), 36);
  EXPECT_EQ(count(up, "class=\"tap\""), 1);  // nearest reads one cell; bilinear four
  const std::string bi = drawn([](std::FILE* f) { draw_layer<one<3, upsample_bilinear2d<scale_factor<2>>>, 0>(f); });
  EXPECT_EQ(count(bi, "class=\"tap\""), 4);
  // 3x3 window, padding 1 on 5x5: a corner output sees 4 of the 9 taps, the centre all of them.
  const std::vector<std::string> l =
      labels(drawn([](std::FILE* f) { draw_layer<one<5, partial_conv2d<1, 3, pad<1>>>, 0>(f); }));
  ASSERT_EQ(l.size(), 25u);
  EXPECT_EQ(l[0], "9/4");
  EXPECT_EQ(l[1], "9/6");
  EXPECT_EQ(l[12], "9/9");
}

TEST(Draw, LayersWithoutArithmeticSaySo) {
  const std::string svg = drawn([](std::FILE* f) { draw_layer<sequential<input<4>, linear<3>>, 0>(f); });
  EXPECT_NE(svg.find("no spatial arithmetic"), std::string::npos);
  EXPECT_EQ(count(svg, "class=\"cell"), 0);
}

// Three 3x3 convolutions (padding 1) around a 2x2 max pooling: output (8, 5) of 16x16 reads rows
// 7-9 / columns 4-6 of the last conv's input, 14-19 / 8-13 before the pooling, 13-20 / 7-14 and
// 12-21 / 6-15 of the 32x32 input.
TEST(Draw, ReceptiveFieldByHand) {
  using vgg_block = sequential<input<3, 32, 32>, conv2d<8, 3, pad<1>>, relu, conv2d<8, 3, pad<1>>, relu, max_pool2d<2>,
                               conv2d<16, 3, pad<1>>, relu>;
  const impl::draw::region r = impl::draw::receptive_region<vgg_block>(8, 5);
  ASSERT_TRUE(r.set);
  EXPECT_EQ(r.lo[0], 12);
  EXPECT_EQ(r.hi[0], 21);
  EXPECT_EQ(r.lo[1], 6);
  EXPECT_EQ(r.hi[1], 15);
  const std::string svg = drawn([](std::FILE* f) { draw_receptive_field<vgg_block>(f, 8, 5); });
  EXPECT_NE(svg.find("input rows 12-21, columns 6-15"), std::string::npos);
  EXPECT_EQ(count(svg, "class=\"cell input\""), 32 * 32);
  // At a border the field is cut by the input; after flatten + linear it is the whole input.
  const impl::draw::region corner = impl::draw::receptive_region<vgg_block>(0, 0);
  EXPECT_EQ(corner.lo[0], 0);
  EXPECT_EQ(corner.hi[0], 5);  // 0 -> 0-1 -> 0-3 -> 0-4 -> 0-5
  const impl::draw::region flat = impl::draw::receptive_region<sequential<input<1, 8, 8>, conv2d<2, 3>, flatten, linear<4>>>(0, 0);
  EXPECT_EQ(flat.hi[0], 7);
  EXPECT_EQ(flat.hi[1], 7);
}

TEST(Draw, NetworkDiagramHasABoxPerLayerAndMerge) {
  using block = sequential<input<8, 6, 6>, residual<chain<conv2d<8, 3, pad<1>>, relu, conv2d<8, 3, pad<1>>>>, relu,
                           concat<conv2d<4, 1>, chain<conv2d<2, 1>, conv2d<4, 3, pad<1>>>, max_pool2d<3, stride<1>, pad<1>>>,
                           flatten, linear<10>>;
  const std::string svg = drawn([](std::FILE* f) { draw_network<block>(f); });
  EXPECT_EQ(count(svg, "class=\"box\""), 3 + 1 + 4 + 2);  // the residual's three, relu, the concat's four, flatten and linear
  EXPECT_EQ(count(svg, "class=\"merge\""), 2);              // add, concat
  // An edge into every box, two into the add (main, shortcut), three into the concat, one to the output.
  EXPECT_EQ(count(svg, "class=\"edge\""), 10 + 2 + 3 + 1);
  EXPECT_NE(svg.find(">[16, 6, 6]<"), std::string::npos);  // the concat's output: 4 + 4 + 8 channels
}
}  // namespace
