// One U-Net level: an encoder, a skip connection, a downsampled bottleneck brought back up by a
// transposed convolution, the skip concatenated, and a decoder.
#include <ctnn/ctnn.hpp>

using namespace ctnn;

using encoder = chain<conv2d<64, 3, pad<1>>, relu, conv2d<64, 3, pad<1>>, relu>;
using bottleneck = chain<max_pool2d<2>, conv2d<128, 3, pad<1>>, relu, conv2d<128, 3, pad<1>>, relu,
                         conv_transpose2d<64, 2, stride<2>>>;  // k2 s2: doubles H and W
using decoder = chain<conv2d<64, 3, pad<1>>, relu, conv2d<64, 3, pad<1>>, relu>;

using unet_level = sequential<input<3, 128, 128>,
                              encoder, concat<identity_layer, bottleneck>, decoder, conv2d<2, 1>>;

static_assert(unet_level::shapes[2] == shape{128, 128, 128});  // 64 skip + 64 upsampled channels
static_assert(unet_level::output_shape == shape{2, 128, 128});

int main() {
  std::puts("U-Net level");
  print_shapes<unet_level>();
  std::printf("activation arena: %lld bytes (%lld with prepared weights)\n", (long long)unet_level::arena_bytes,
              (long long)unet_level::prepared_arena_bytes);
}
