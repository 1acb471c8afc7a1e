// GoogLeNet's inception 3a: 1x1 convolutions reduce 192 channels before the 3x3 and 5x5 branches.
#include <ctnn/ctnn.hpp>

using namespace ctnn;

using inception_3a = sequential<input<192, 28, 28>,
    concat<chain<conv2d<64, 1>, relu>,
           chain<conv2d<96, 1>, relu, conv2d<128, 3, pad<1>>, relu>,   // 1x1 reduction, then 3x3
           chain<conv2d<16, 1>, relu, conv2d<32, 5, pad<2>>, relu>,    // 1x1 reduction, then 5x5
           chain<max_pool2d<3, stride<1>, pad<1>>, conv2d<32, 1>, relu>>>;

static_assert(inception_3a::output_shape == shape{256, 28, 28});  // 64 + 128 + 32 + 32

int main() {
  std::puts("GoogLeNet inception 3a");
  print_shapes<inception_3a>();
}
