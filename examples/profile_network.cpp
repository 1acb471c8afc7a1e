// Where the time of a forward pass goes: MobileNetV3-small (NHWC, prepared weights, fused kernels), each
// kernel call's median time, GFLOP/s and share. Weights are made up: the time does not depend on them.
#include <ctnn/analysis/profile.hpp>

#include <array>
#include <cmath>

#include "zoo/mobilenet_v3.hpp"

using net = ctnn::relayout_t<zoo::mobilenet_v3_small, ctnn::layout::nhwc>;

static net::weights weights;
static net::prepared prepared;
static ctnn::static_arena<net::prepared> arena;
static std::array<float, net::input_size> image;
static std::array<float, net::output_size> logits;

int main() {
  for (std::size_t i = 0; i < weights.values.size(); ++i) weights.values[i] = 0.05f * std::sin(0.37f * float(i));
  for (std::size_t i = 0; i < image.size(); ++i) image[i] = std::cos(0.01f * float(i));
  ctnn::prepare_into(weights, prepared);
  std::printf("MobileNetV3-small, 224x224, NHWC, prepared weights: one row per kernel call\n");
  ctnn::print_profile<net>(prepared, image, logits, arena);
}
