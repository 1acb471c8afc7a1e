// Instructions per layer of the embedded examples, each layer run alone with prepared weights (not a
// test: `cmake --build --preset cortex-m55 --target probe_layers` prints them). Where a board's total
// comes from, and what a kernel change buys on it.
#include "run_model.hpp"

namespace {
using namespace ctnn;

template <class Net>
void probe(const char* name) {
  static constexpr typename Net::prepared weights = prepare<Net>(models::make_weights<Net>(3));
  static constexpr auto input = models::make_input<Net>(3);
  static static_arena<typename Net::prepared> arena;
  static std::array<float, Net::output_size> y;
  const board::instruction_counter counter;
  const std::uint32_t start = counter.now();
  Net::forward(weights, input, y, arena);
  const std::uint32_t end = counter.now();
  (semihosting::line() << name << ": " << counter.instructions(start, end) << " instructions").print();
}

template <index_t C, index_t H, index_t W>
using nhwc_input = input<C, H, W>::template with<nhwc>;
}  // namespace

int main() {
  probe<sequential<nhwc_input<1, 32, 32>, conv2d<6, 5>, relu>>("lenet conv1 + relu");
  probe<sequential<nhwc_input<6, 28, 28>, max_pool2d<2>>>("lenet pool1");
  probe<sequential<nhwc_input<6, 14, 14>, conv2d<16, 5>, relu>>("lenet conv2 + relu");
  probe<sequential<input<400>, linear<120>, relu>>("lenet fc1 + relu");
  probe<sequential<input<120>, linear<84>, relu>>("lenet fc2 + relu");
  probe<sequential<nhwc_input<1, 49, 10>, conv2d<64, kernel<10, 4>, stride<2>, pad_tf_same>, relu>>(
      "ds_cnn stem + relu");
  probe<sequential<nhwc_input<64, 25, 5>, depthwise_conv2d<3, pad_same>, relu>>("ds_cnn depthwise + relu");
  probe<sequential<nhwc_input<64, 25, 5>, conv2d<64, 1>, relu>>("ds_cnn pointwise + relu");
  probe<sequential<nhwc_input<64, 25, 5>, depthwise_conv2d<3, pad_same>, relu, conv2d<64, 1>, relu>>(
      "ds_cnn block (fused where the build fuses)");
  return 0;
}
