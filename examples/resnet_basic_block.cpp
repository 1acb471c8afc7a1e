// ResNet's basic block with a strided 1x1 projection on the shortcut: 64x56x56 -> 128x28x28.
#include <ctnn/ctnn.hpp>

using namespace ctnn;

using basic_block = sequential<input<64, 56, 56>,
    residual<chain<conv2d<128, 3, stride<2>, pad<1>, no_bias>, batch_norm2d<>, relu,
                   conv2d<128, 3, pad<1>, no_bias>, batch_norm2d<>>,
             chain<conv2d<128, 1, stride<2>, no_bias>, batch_norm2d<>>>,   // projection shortcut
    relu>;

static_assert(basic_block::output_shape == shape{128, 28, 28});

int main() {
  std::puts("ResNet basic block");
  print_shapes<basic_block>();
  std::printf("activation arena: %lld bytes (%lld with prepared weights)\n", (long long)basic_block::arena_bytes,
              (long long)basic_block::prepared_arena_bytes);
}
