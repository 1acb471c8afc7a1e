// A 1,000-layer network shape-checks, with every shape available by index: no recursion limit, no
// fold over the layer pack.
#include <gtest/gtest.h>

#include <boost/mp11/algorithm.hpp>

#include "ctnn/ctnn.hpp"

using namespace ctnn;
namespace mp = boost::mp11;

// 1,000 layers: a same-padded conv and a relu, 500 times.
using block = mp::mp_list<conv2d<8, 3, pad_same>, relu>;
using layers = mp::mp_apply<mp::mp_append, mp::mp_repeat_c<mp::mp_list<block>, 500>>;
using deep = mp::mp_apply<sequential, mp::mp_push_front<layers, input<8, 16, 16>>>;

static_assert(deep::size == 1000);
static_assert(deep::output_shape == shape{8, 16, 16});
static_assert(layer_t<deep, 998>::weight_shape == shape{8, 8, 3, 3});

TEST(DeepNetwork, EveryShapeByIndex) {
  for (std::size_t i = 0; i <= deep::size; ++i) EXPECT_EQ(deep::shapes[i], (shape{8, 16, 16}));
}

// An error deep in a long network still names its layer.
template <class Input, class... Layers>
struct first_error {
  static constexpr layer_error value = network_error<Input, Layers...>();
};
using broken = mp::mp_push_back<layers, conv2d<8, 3, groups<3>>>;
constexpr layer_error broken_error = mp::mp_apply<first_error, mp::mp_push_front<broken, input<8, 16, 16>>>::value;
static_assert(broken_error.code == error_code::in_channels_groups);
static_assert(broken_error.path[0] == 1000);

TEST(DeepNetwork, ErrorAtTheEnd) { EXPECT_EQ(broken_error.a, 8); }

// The trace reuses a result only for the same layer type on the same input, within 8 layers.
// Expected shapes and counts from the formulas: a valid 3x3 conv takes 2 off each side pair,
// an 8->8 3x3 conv has 8*8*9 + 8 = 584 parameters and a 1x1 one 8*8 + 8 = 72.
template <std::size_t Repeats, class... Period>
using repeated = mp::mp_apply<sequential, mp::mp_push_front<mp::mp_apply<mp::mp_append, mp::mp_repeat_c<mp::mp_list<mp::mp_list<Period...>>, Repeats>>, input<8, 40, 40>>>;

// Period 8: the same conv sees a smaller input each time it comes back.
using shrinking = repeated<4, conv2d<8, 3>, relu, conv2d<8, 1>, relu, conv2d<8, 1>, relu, conv2d<8, 1>, relu>;
static_assert(shrinking::output_shape == shape{8, 32, 32});
static_assert(shrinking::params == 4 * (584 + 3 * 72));
// Period 8 with an unchanged input: the result 8 layers back is reused.
using same_input = repeated<4, conv2d<8, 3, pad_same>, relu, conv2d<8, 1>, relu, conv2d<8, 1>, relu, conv2d<8, 1>, relu>;
static_assert(same_input::output_shape == shape{8, 40, 40});
static_assert(same_input::params == 4 * (584 + 3 * 72));
// Period 9: beyond the look-back, every rule runs again.
using period9 = repeated<3, conv2d<8, 3>, relu, conv2d<8, 1>, relu, conv2d<8, 1>, relu, conv2d<8, 1>, relu, relu>;
static_assert(period9::output_shape == shape{8, 34, 34});
// Types equal but for a parameter are not confused: 4 then 8 output channels.
using alternating = repeated<2, conv2d<4, 1>, conv2d<8, 1>>;
static_assert(alternating::output_shape == shape{8, 40, 40});
static_assert(alternating::params == (8 * 4 + 4) + (4 * 8 + 8) + (8 * 4 + 4) + (4 * 8 + 8));

TEST(DeepNetwork, RepeatedLayersShapeByShape) {
  for (std::size_t i = 0; i <= shrinking::size; ++i) {
    const int side = 40 - 2 * static_cast<int>((i + 7) / 8);
    EXPECT_EQ(shrinking::shapes[i], (shape{8, side, side})) << "after layer " << i;
  }
}
