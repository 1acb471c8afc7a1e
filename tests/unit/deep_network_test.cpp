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
