// Fusion is decided twice: by the schedule on values (layers_after, ctnn/plan/schedule.hpp) and by the
// runner on types (the flattening's followers, which name the fused layers' kernels). Here, on every
// network of the zoo (chains in chains, repeats, empty repeats, blocks of every kind), both see the same
// layers after every layer, up to the first that is not one: the runner's group is the schedule's.
#include <gtest/gtest.h>

#include <array>
#include <string_view>

#include "../../examples/zoo/alexnet.hpp"
#include "../../examples/zoo/convnext.hpp"
#include "../../examples/zoo/ds_cnn.hpp"
#include "../../examples/zoo/efficientnet.hpp"
#include "../../examples/zoo/inception.hpp"
#include "../../examples/zoo/lenet5.hpp"
#include "../../examples/zoo/mobilenet_v1.hpp"
#include "../../examples/zoo/mobilenet_v2.hpp"
#include "../../examples/zoo/mobilenet_v3.hpp"
#include "../../examples/zoo/regnet.hpp"
#include "../../examples/zoo/resnet18.hpp"
#include "../../examples/zoo/shufflenet_v2.hpp"
#include "../../examples/zoo/unet.hpp"
#include "../../examples/zoo/vgg16.hpp"

using namespace ctnn;

namespace {
// A follower as the runner's types name it: an atomic layer (its name and input shape), or the end of
// what fusion may look at (void, a block).
struct follower_id {
  bool layer = false;
  const char* name = "";
  shape in;
};
template <class N>
constexpr follower_id id_of() {
  if constexpr (std::is_void_v<N>) {
    return {};
  } else if constexpr (block_layer<typename N::type>) {
    return {};
  } else {
    return {true, detail::display_name<typename N::type>(), N::input_shape};
  }
}
struct followers {
  using value_type = std::array<follower_id, 3>;
  static constexpr bool uses_followers = true;
  template <class Node, class N1, class N2, class N3>
  static constexpr value_type of() {
    return {id_of<N1>(), id_of<N2>(), id_of<N3>()};
  }
};

template <class Net>
void expect_followers_agree(const char* net) {
  using s = schedule_of<Net>;
  constexpr auto& schedule = s::value;
  const auto& typed = node_table<s, followers>;
  int layers = 0, followed = 0;
  for (int k = 0; k < schedule.node_count; ++k) {
    if (schedule.nodes[k].kind != node_kind::layer) continue;
    ++layers;
    const impl::next_layers after = impl::layers_after(schedule.nodes.data(), schedule.node_count, k);
    for (int i = 0; i < 3; ++i) {
      const follower_id& t = typed[k][i];
      if (!t.layer) {
        EXPECT_EQ(after.node[i], -1) << net << ": node " << k << " follower " << i;
        break;
      }
      ASSERT_GE(after.node[i], 0) << net << ": node " << k << " follower " << i << " (" << t.name << ")";
      const schedule_node& n = schedule.nodes[after.node[i]];
      EXPECT_EQ(std::string_view(n.name), std::string_view(t.name)) << net << ": node " << k << " follower " << i;
      EXPECT_TRUE(n.in == t.in) << net << ": node " << k << " follower " << i;
      ++followed;
    }
  }
  EXPECT_GT(layers, 0) << net;
  EXPECT_GT(followed, 0) << net;
}

TEST(FusionFollowers, TypesAndScheduleSeeTheSameLayersAfterEachLayer) {
  expect_followers_agree<zoo::lenet5>("lenet5");
  expect_followers_agree<zoo::alexnet>("alexnet");
  expect_followers_agree<zoo::vgg16>("vgg16");
  expect_followers_agree<zoo::inception_3a>("inception_3a");
  expect_followers_agree<zoo::resnet18>("resnet18");
  expect_followers_agree<zoo::mobilenet_v1>("mobilenet_v1");
  expect_followers_agree<zoo::mobilenet_v2>("mobilenet_v2");
  expect_followers_agree<zoo::mobilenet_v3_small>("mobilenet_v3_small");
  expect_followers_agree<zoo::efficientnet_b0>("efficientnet_b0");
  expect_followers_agree<zoo::regnet_y_400mf>("regnet_y_400mf");
  expect_followers_agree<zoo::shufflenet_v2_x1_0>("shufflenet_v2_x1_0");
  expect_followers_agree<zoo::convnext_tiny>("convnext_tiny");
  expect_followers_agree<zoo::ds_cnn>("ds_cnn");
  expect_followers_agree<zoo::unet>("unet");
}

// The zoo's MobileNetV2 and ResNet-18 as they run (NHWC, prepared weights): every depthwise layer of at
// most fusion_max_channels channels runs with the projection after it, each ReLU after a conv_bn chain
// inside its convolution's pass.
TEST(FusionFollowers, ZooGroupsCrossTheirChains) {
  constexpr auto& v2 = schedule_of<relayout_t<zoo::mobilenet_v2, layout::nhwc>>::value;
  int depthwise = 0, with_projection = 0;
  for (const schedule_node& n : v2.nodes)
    if (n.kind == node_kind::layer && n.lower.depthwise && n.out[0] <= fusion_max_channels) {
      ++depthwise;
      with_projection += n.pointwise > 0 ? 1 : 0;
    }
  EXPECT_EQ(depthwise, 7);  // 32, 96, 144 twice, 192 three times
  EXPECT_EQ(with_projection, fusion_max_channels > 0 ? 7 : 0);
  constexpr auto& r18 = schedule_of<relayout_t<zoo::resnet18, layout::nhwc>>::value;
  int relus = 0, fused_relus = 0;
  for (const schedule_node& n : r18.nodes)
    if (n.kind == node_kind::layer && std::string_view(n.name) == "relu") {
      ++relus;
      fused_relus += n.inside_group ? 1 : 0;
    }
  EXPECT_EQ(relus, 17);  // the stem's, and two in each of the eight blocks
  EXPECT_EQ(fused_relus, 17);
}
}  // namespace
