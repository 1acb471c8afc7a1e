// A VGG-style stack: 3x3 convolutions with "same" padding keep the size, 2x2 pooling halves it.
#include <ctnn/ctnn.hpp>

using namespace ctnn;

using vgg = sequential<input<3, 224, 224>,
                       conv2d<64, 3, pad_same>, relu, conv2d<64, 3, pad_same>, relu, max_pool2d<2>,
                       conv2d<128, 3, pad_same>, relu, conv2d<128, 3, pad_same>, relu, max_pool2d<2>,
                       conv2d<256, 3, pad_same>, relu, conv2d<256, 3, pad_same>, relu, max_pool2d<2>>;

static_assert(vgg::output_shape == shape{256, 28, 28});

int main() {
  std::puts("VGG-style same-padding stack");
  print_shapes<vgg>();
}
