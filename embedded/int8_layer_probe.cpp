// Instructions per kernel call of the int8 examples (not a test: `cmake --build --preset cortex-m4
// --target probe_int8_layers` prints them): where an int8 board total comes from; and the layers an int8
// network computes in float.
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
// A network of the layers computed in float (ConvNeXt's layer norm over the channels, a group norm, a lone
// batch norm, PReLU) on DS-CNN's 64 x 25 x 5 map, on made-up quantization: their instructions per call.
using float_layers = ctnn::sequential<ctnn::input<64, 25, 5>::with<ctnn::nhwc>, ctnn::channel_layer_norm<>,
                                      ctnn::group_norm<8>, ctnn::batch_norm2d<64>, ctnn::prelu<64>>;
void probe_float_layers() {
  static typename float_layers::quantized q;
  for (std::size_t i = 0; i < q.float_parameters.size(); ++i) q.float_parameters[i] = i % 2 == 0 ? 1.25f : 0.5f;
  for (auto& a : q.activations) a = {0.05f, -3};
  ctnn::finish_quantization_in_place(q);
  static std::array<std::int8_t, float_layers::input_size> x;
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<std::int8_t>(i * 37 % 256 - 128);
  static ctnn::static_arena<typename float_layers::quantized> arena;
  static std::array<std::int8_t, float_layers::output_size> y;
  const board::instruction_counter counter;
  std::uint32_t last = counter.now();
  ctnn::run_int8_schedule<float_layers>(q, x.data(), y.data(), arena.data.data(), [&](int node, int) {
    const std::uint32_t now = counter.now();
    (semihosting::line() << "layers in float node " << node << " " << ctnn::schedule_of<float_layers>::value.nodes[node].name
                         << ": " << counter.instructions(last, now) << " instructions")
        .print();
    last = counter.now();
  });
}
}  // namespace

int main() {
  probe<models::lenet_int8>("lenet int8");
  probe<models::ds_cnn_int8>("ds_cnn int8");
  probe_float_layers();
  return 0;
}
