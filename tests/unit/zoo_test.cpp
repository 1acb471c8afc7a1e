// The model zoo's parameter counts, MACs and output shapes against PyTorch's
// (tests/data/zoo_reference.txt, made by tools/make_zoo_reference.py with the MAC convention of
// each family's macs_of, include/ctnn/shapes/<family>.hpp).
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "../../examples/zoo/alexnet.hpp"
#include "../../examples/zoo/ds_cnn.hpp"
#include "../../examples/zoo/inception.hpp"
#include "../../examples/zoo/lenet5.hpp"
#include "../../examples/zoo/mobilenet_v1.hpp"
#include "../../examples/zoo/resnet18.hpp"
#include "../../examples/zoo/unet.hpp"
#include "../../examples/zoo/vgg16.hpp"
#include "zoo_reference.hpp"

using zoo_reference::expect_matches;

// By hand: LeNet-5 has 6*(25+1) + 16*(6*25+1) + 120*401 + 84*121 + 10*85 = 61,706 parameters and
// 6*28*28*25 + 16*10*10*150 + 120*400 + 84*120 + 10*84 = 416,520 MACs.
static_assert(zoo::lenet5::params == 61706);
static_assert(zoo::lenet5::macs == 416520);

TEST(Zoo, ParametersMacsAndShapesMatchPyTorch) {
  const auto reference = zoo_reference::load();
  ASSERT_EQ(reference.size(), 15u);  // these 8 and torchvision's 7 (zoo_torchvision_test.cpp)
  expect_matches<zoo::lenet5>(reference, "lenet5");
  expect_matches<zoo::alexnet>(reference, "alexnet");
  expect_matches<zoo::vgg16>(reference, "vgg16");
  expect_matches<zoo::inception_3a>(reference, "inception_3a");
  expect_matches<zoo::resnet18>(reference, "resnet18");
  expect_matches<zoo::mobilenet_v1>(reference, "mobilenet_v1");
  expect_matches<zoo::ds_cnn>(reference, "ds_cnn");
  expect_matches<zoo::unet>(reference, "unet");
}

TEST(Zoo, ReceptiveFieldsAndArena) {
  // LeNet-5: 5 -> pool 2: 6, jump 2 -> conv 5: 6 + 4*2 = 14 -> pool: 16, jump 4.
  constexpr auto& lenet = ctnn::summary_of<zoo::lenet5>;
  static_assert(lenet.rows[5].field.size[0] == 16 && lenet.rows[5].field.jump_num[0] == 4);
  static_assert(lenet.rows[6].field.whole_input);  // after flatten every output sees the whole input
  // VGG-16 at its fifth pooling: 212 pixels, jump 32 (the textbook figure). Rows: each conv+relu chain
  // is 3 rows (the chain, then its two layers), so the stages take 7, 7, 10, 10 and 10 rows.
  constexpr auto& vgg = ctnn::summary_of<zoo::vgg16>;
  static_assert(vgg.rows[43].name[0] == 'm');  // max_pool2d
  static_assert(vgg.rows[43].field.size[0] == 212 && vgg.rows[43].field.jump_num[0] == 32);
  EXPECT_EQ(zoo::lenet5::arena_bytes, 23552);
}

// Upsampling by 3 and pooling by 2, 45 times: the jump is 2^45 / 3^45, whose denominator passes 64
// bits at the 40th step. The field is then the whole input, rather than a compile error of the summary.
namespace {
using jump_step = ctnn::chain<ctnn::upsample_nearest1d<ctnn::scale_factor<3>>, ctnn::max_pool1d<2>>;
using fractional_jumps = boost::mp11::mp_apply<
    ctnn::sequential, boost::mp11::mp_push_front<boost::mp11::mp_repeat_c<boost::mp11::mp_list<jump_step>, 45>, ctnn::input<1, 1>>>;
}  // namespace

TEST(Zoo, ReceptiveFieldPastSixtyFourBitsIsTheWholeInput) {
  constexpr auto& s = ctnn::summary_of<fractional_jumps>;
  // Three rows a step (the chain, then its two layers).
  static_assert(s.rows[2].field.jump_num[0] == 2 && s.rows[2].field.jump_den[0] == 3);  // the first step's pool
  static_assert(!s.rows[116].field.whole_input && s.rows[116].field.jump_den[0] == 4052555153018976267);  // 3^39
  static_assert(s.rows[117].field.whole_input);  // the 40th step: 3^40 > 2^63
  static_assert(s.rows[s.rows.size() - 1].field.whole_input);
  EXPECT_EQ(fractional_jumps::output_shape, (ctnn::shape{1, 1}));
}

namespace {
std::string printed(void (*print)(std::FILE*)) {
  std::FILE* file = std::tmpfile();
  print(file);
  std::rewind(file);
  std::string text;
  for (int c; (c = std::fgetc(file)) != EOF;) text += static_cast<char>(c);
  std::fclose(file);
  return text;
}
}  // namespace

TEST(Zoo, SummaryTableAndGraph) {
  const std::string table = printed([](std::FILE* f) { ctnn::print_summary<zoo::lenet5>(f); });
  EXPECT_NE(table.find("Total params:        61,706"), std::string::npos) << table;
  EXPECT_NE(table.find("Total MACs:          416,520"), std::string::npos) << table;
  EXPECT_NE(table.find("16x16 /4x4"), std::string::npos) << table;  // pool2's receptive field

  using block = ctnn::sequential<ctnn::input<4, 8, 8>, ctnn::residual<ctnn::conv2d<4, 3, ctnn::pad<1>>>, ctnn::relu>;
  const std::string dot = printed([](std::FILE* f) { ctnn::write_dot<block>(f); });
  // input -> conv2d -> residual <- input (the identity shortcut), residual -> relu -> output
  EXPECT_NE(dot.find("n0 -> n1 [label=\"[4, 8, 8]\"]"), std::string::npos) << dot;
  EXPECT_NE(dot.find("n1 -> n2 [label=\"[4, 8, 8]\"]"), std::string::npos) << dot;
  EXPECT_NE(dot.find("n0 -> n2 [label=\"[4, 8, 8]\"]"), std::string::npos) << dot;
  EXPECT_NE(dot.find("n2 [label=\"residual\", shape=ellipse]"), std::string::npos) << dot;
  EXPECT_NE(dot.find("n3 -> out"), std::string::npos) << dot;
}

TEST(Zoo, ReceptiveFieldsThroughUpsamplingAndAdaptivePooling) {
  // Nearest x3 keeps 1 pixel with jump 1/3; a 3-tap conv then reaches 2 * 1/3 further, rounded up: 2.
  using up = ctnn::sequential<ctnn::input<1, 4, 4>, ctnn::upsample_nearest2d<ctnn::scale_factor<3>>, ctnn::conv2d<1, 3>>;
  constexpr auto& u = ctnn::summary_of<up>;
  static_assert(u.rows[1].field.size[0] == 2 && u.rows[1].field.jump_num[0] == 1 && u.rows[1].field.jump_den[0] == 3);
  // Adaptive pooling 5 -> 3: windows [0, 2), [1, 4), [3, 5): the widest holds 3 pixels; jump 5/3.
  using adaptive = ctnn::sequential<ctnn::input<1, 5, 5>, ctnn::adaptive_avg_pool2d<3>>;
  constexpr auto& a = ctnn::summary_of<adaptive>;
  static_assert(a.rows[0].field.size[0] == 3 && a.rows[0].field.jump_num[0] == 5 && a.rows[0].field.jump_den[0] == 3);
  // A transposed conv k4 s2 after two k3 s2 convs: jump 4 -> 2, and ceil(4/2) = 2 taps of jump 2 more.
  using tr = ctnn::sequential<ctnn::input<1, 16, 16>, ctnn::conv2d<1, 3, ctnn::stride<2>>, ctnn::conv2d<1, 3, ctnn::stride<2>>,
                              ctnn::conv_transpose2d<1, 4, ctnn::stride<2>>>;
  constexpr auto& t = ctnn::summary_of<tr>;
  static_assert(t.rows[1].field.size[0] == 7 && t.rows[1].field.jump_num[0] == 4);
  static_assert(t.rows[2].field.size[0] == 7 + 4 && t.rows[2].field.jump_num[0] == 2);
  EXPECT_EQ(t.rows[2].field.size[0], 11);
}
