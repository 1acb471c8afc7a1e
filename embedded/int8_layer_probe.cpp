// Instructions per kernel call of the int8 examples (not a test: `cmake --build --preset cortex-m4
// --target probe_int8_layers` prints them): where an int8 board total comes from.
#include "run_model.hpp"

namespace {
template <class Data>
void probe(const char* name) {
  using Net = typename Data::net;
  static constexpr auto input = models::make_int8_input<Data>();
  static ctnn::static_arena<typename Net::quantized> arena;
  static std::array<std::int8_t, Net::output_size> y;
  const board::instruction_counter counter;
  std::uint32_t last = counter.now();
  const std::uint32_t start = last;
  ctnn::run_int8_schedule<Net>(models::quantized_weights<Data>, input.data(), y.data(), arena.data.data(), [&](int node, int) {
    const std::uint32_t now = counter.now();
    (semihosting::line() << name << " node " << node << " " << ctnn::schedule_of<Net>::value.nodes[node].name << ": "
                         << counter.instructions(last, now) << " instructions")
        .print();
    last = counter.now();
  });
  (semihosting::line() << name << ": " << counter.instructions(start, counter.now()) << " instructions in all").print();
}
}  // namespace

int main() {
  probe<models::lenet_int8>("lenet int8");
  probe<models::ds_cnn_int8>("ds_cnn int8");
  return 0;
}
