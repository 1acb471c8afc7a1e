// AlexNet's first layer: 227x227x3, 96 kernels 11x11, stride 4, no padding -> 55x55x96.
#include <ctnn/ctnn.hpp>

using namespace ctnn;

using alexnet_conv1 = sequential<input<3, 227, 227>, conv2d<96, 11, stride<4>>, relu, max_pool2d<3, stride<2>>>;

static_assert(alexnet_conv1::shapes[1] == shape{96, 55, 55});  // (227 - 11) / 4 + 1
static_assert(alexnet_conv1::output_shape == shape{96, 27, 27});

int main() {
  std::puts("AlexNet conv1");
  print_shapes<alexnet_conv1>();
}
