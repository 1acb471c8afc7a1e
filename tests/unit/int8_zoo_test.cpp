// Today's CNNs in int8: every node of MobileNetV3-small (hardswish and hardsigmoid by tables,
// squeeze-and-excitation products, depthwise convolutions, residual adds) and ShuffleNetV2 (channel
// slices into concats, channel shuffles, max pooling) has an int8 kernel, and the network in NHWC (the
// fast kernels: x86's, or Cortex-M's where built for one) gives the integers of the same network in
// NCHW (the reference kernels), bit for bit, on random int8 data and quantization. ConvNeXt's blocks (layer
// norms, the layer scale: computed in float) the same, in a network of them small enough for every build.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <random>
#include <span>

#include "../../examples/zoo/convnext.hpp"
#include "../../examples/zoo/mobilenet_v3.hpp"
#include "../../examples/zoo/shufflenet_v2.hpp"

using namespace ctnn;

namespace {

template <class Net>
std::unique_ptr<typename Net::quantized> random_quantized(unsigned seed) {
  std::mt19937 gen(seed);
  auto q = std::make_unique<typename Net::quantized>();
  for (auto& v : q->weights) v = static_cast<std::int8_t>(gen() % 256 - 128);
  for (auto& v : q->weight_scales) v = 0.0005f + 0.002f * static_cast<float>(gen() % 1000) / 1000.0f;
  for (auto& v : q->biases) v = static_cast<std::int32_t>(gen() % 2001) - 1000;
  for (auto& a : q->activations) a = {0.02f + 0.1f * static_cast<float>(gen() % 1000) / 1000.0f, static_cast<std::int32_t>(gen() % 64) - 32};
  for (std::size_t i = 0; i < q->float_parameters.size(); ++i)  // weights near 1 and biases near 0, alternating
    q->float_parameters[i] = (i % 2 == 0 ? 0.5f : -0.5f) + static_cast<float>(gen() % 1000) / 1000.0f;
  finish_quantization_in_place(*q);  // (not q = finish_quantization(q): two copies of 2.5 MB on the stack)
  return q;
}

// The NCHW network's integers (reference kernels) against the NHWC one's (fast kernels) on one input.
template <class Net>
void nhwc_is_nchw(unsigned seed) {
  using nchw = relayout_t<Net, layout::nchw>;
  using nhwc = relayout_t<Net, layout::nhwc>;
  const auto q_nchw = random_quantized<nchw>(seed);
  const auto q_nhwc = random_quantized<nhwc>(seed);  // the same draws: the data's layout does not depend on L
  ASSERT_EQ(q_nchw->weights, q_nhwc->weights);
  std::mt19937 gen(seed + 1);
  auto x = std::make_unique<std::array<std::int8_t, Net::input_size>>();
  for (auto& v : *x) v = static_cast<std::int8_t>(gen() % 256 - 128);
  auto x_nhwc = std::make_unique<std::array<std::int8_t, Net::input_size>>();
  nhwc::template input_from_nchw<std::int8_t>(*x, *x_nhwc);
  auto y_nchw = std::make_unique<std::array<std::int8_t, Net::output_size>>();
  auto y_nhwc = std::make_unique<std::array<std::int8_t, Net::output_size>>();
  auto arena_nchw = std::make_unique<static_arena<typename nchw::quantized>>();
  auto arena_nhwc = std::make_unique<static_arena<typename nhwc::quantized>>();
  nchw::forward(*q_nchw, std::span<const std::int8_t, Net::input_size>(*x), std::span<std::int8_t, Net::output_size>(*y_nchw), *arena_nchw);
  nhwc::forward(*q_nhwc, std::span<const std::int8_t, Net::input_size>(*x_nhwc), std::span<std::int8_t, Net::output_size>(*y_nhwc), *arena_nhwc);
  int differ = 0, spread = 0;
  for (count_t i = 0; i < Net::output_size; ++i) {
    differ += (*y_nchw)[i] != (*y_nhwc)[i] ? 1 : 0;
    spread += (*y_nchw)[i] != (*y_nchw)[0] ? 1 : 0;
  }
  EXPECT_EQ(differ, 0) << "of " << Net::output_size;
  EXPECT_GT(spread, 0) << "a constant output says nothing";
}

TEST(Int8Zoo, MobileNetV3SmallInNhwcIsNchw) { nhwc_is_nchw<zoo::mobilenet_v3_small>(1); }
TEST(Int8Zoo, ShuffleNetV2InNhwcIsNchw) { nhwc_is_nchw<zoo::shufflenet_v2_x1_0>(2); }

// ConvNeXt-T's float parameters in int8: every layer norm's weight and bias and every layer scale (torchvision's
// 2 C + C per block, 2 C per channel layer norm), and nothing else.
static_assert(zoo::convnext_tiny::quantized::layout.float_parameters ==
              3 * 3 * (96 + 192 + 768) + 9 * 3 * 384 + 2 * (96 + 96 + 192 + 384 + 768));
using convnext_small_map = sequential<input<3, 32, 32>, conv2d<24, 4, stride<4>>, channel_layer_norm<zoo::convnext::eps>,
                                      repeat<2, zoo::convnext::block<24>>, zoo::convnext::downsample<48>,
                                      repeat<2, zoo::convnext::block<48>>, global_avg_pool,
                                      channel_layer_norm<zoo::convnext::eps>, flatten, linear<10>>;
TEST(Int8Zoo, ConvNeXtBlocksInNhwcAreNchw) { nhwc_is_nchw<convnext_small_map>(3); }

}  // namespace
