// MobileNet's depthwise-separable block: a 3x3 depthwise conv (one filter per channel), then a 1x1
// pointwise conv that mixes channels: 9*32 + 32*64 weights instead of 9*32*64.
#include <ctnn/ctnn.hpp>

using namespace ctnn;

using separable = sequential<input<32, 112, 112>,
                             depthwise_conv2d<3, pad<1>, no_bias>, batch_norm2d<>, relu,
                             conv2d<64, 1, no_bias>, batch_norm2d<>, relu>;

static_assert(layer_t<separable, 0>::weight_shape == shape{32, 1, 3, 3});
static_assert(layer_t<separable, 3>::weight_shape == shape{64, 32, 1, 1});
static_assert(separable::output_shape == shape{64, 112, 112});

int main() {
  std::puts("Depthwise-separable block");
  print_shapes<separable>();
}
