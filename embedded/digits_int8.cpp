// The digits CNN trained in PyTorch (examples/digits/digits_model.hpp, tools/make_digits_example.py) in
// int8 on an emulated Cortex-M: the network quantized by the importer, in flash with the 360 test
// images; the accuracy must be within one point of PyTorch's float accuracy.
#include "run_model.hpp"

#include "../examples/digits/digits_model.hpp"

using net = digits::network;
[[gnu::section(".rodata.ctnn_weights")]] constexpr net::quantized weights = digits::quantized_weights;
alignas(16) [[gnu::section(".bss.ctnn_arena")]] std::byte arena[net::quantized_arena_bytes];

int main() {
  const board::instruction_counter counter;
  std::array<std::int8_t, net::input_size> x{};
  std::array<std::int8_t, net::output_size> y{};
  int correct = 0;
  long long instructions = 0;
  for (int i = 0; i < digits::test_count; ++i) {
    for (std::size_t p = 0; p < x.size(); ++p)
      x[p] = ctnn::quantize_value(digits::test_levels[i * 64 + p] / 16.0f, weights.input_quantization());
    const std::uint32_t start = counter.now();
    net::forward(weights, std::span<const std::int8_t, net::input_size>(x), std::span<std::int8_t, net::output_size>(y),
                 std::span(arena));
    instructions += counter.instructions(start, counter.now());
    std::size_t best = 0;
    for (std::size_t c = 1; c < y.size(); ++c) best = y[c] > y[best] ? c : best;
    correct += best == digits::test_labels[i];
  }
  // Within one point of PyTorch's float accuracy: 100 correct >= 100 pytorch_correct - test_count.
  const bool ok = 100 * correct >= 100 * digits::pytorch_correct - digits::test_count;
  (semihosting::line() << "digits_int8: " << (ok ? "ok" : "ACCURACY LOST") << ", " << correct << " of "
                       << digits::test_count << " test images right (PyTorch float " << digits::pytorch_correct
                       << "), instructions " << instructions / digits::test_count << " per inference, stack "
                       << static_cast<long long>(stack_bytes_used()) << " bytes, arena "
                       << static_cast<long long>(sizeof arena) << " bytes")
      .print();
  return ok ? 0 : 1;
}
