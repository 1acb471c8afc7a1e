// LeNet-5 (LeCun et al. 1998): the network of the README, checked and printed.
#include <ctnn/ctnn.hpp>

using namespace ctnn;

using lenet = sequential<input<1, 32, 32>,
                         conv2d<6, 5>, relu, max_pool2d<2>,
                         conv2d<16, 5>, relu, max_pool2d<2>,
                         flatten, linear<120>, relu, linear<84>, relu, linear<10>>;

static_assert(lenet::output_shape == shape{10});
static_assert(layer_t<lenet, 0>::weight_shape == shape{6, 1, 5, 5});
static_assert(layer_t<lenet, 7>::weight_shape == shape{120, 400});

int main() {
  std::puts("LeNet-5");
  print_shapes<lenet>();
  std::printf("activation arena: %lld bytes (%lld with prepared weights)\n", (long long)lenet::arena_bytes,
              (long long)lenet::prepared_arena_bytes);
  print_memory_plan(memory_plan_of<lenet>);
}
