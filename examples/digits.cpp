// A CNN trained in PyTorch on scikit-learn's 8x8 digits, imported with two int8 twins (quantized by ctnn,
// and by PyTorch's torch.ao; tools/make_digits_example.py), run on the 360 test images in float and int8.
#include <array>
#include <cstdio>
#include <span>

#include "digits/digits_torch_ao.hpp"  // (and digits_model.hpp)

using net = digits::network;

static net::weights weights;
static ctnn::static_arena<net> arena;
static ctnn::static_arena<net::quantized> arena8;  // a quarter of the float one

template <class Scores>
std::size_t top_class(const Scores& s) {
  std::size_t best = 0;
  for (std::size_t i = 1; i < s.size(); ++i) best = s[i] > s[best] ? i : best;
  return best;
}

int main() {
  if (!ctnn::load_weights(weights, std::span<const float>(digits::float_weights)).ok) return 1;
  constexpr const net::quantized& q = digits::quantized_weights;  // constant data: flash on a board
  constexpr const net::quantized& q_ao = digits::torch_ao_quantized_weights;
  int float_correct = 0, int8_correct = 0, same_as_pytorch = 0, ao_correct = 0, same_as_pytorch_int8 = 0;
  for (int i = 0; i < digits::test_count; ++i) {
    std::array<float, net::input_size> x{};
    for (std::size_t p = 0; p < x.size(); ++p) x[p] = digits::test_levels[i * 64 + p] / 16.0f;
    std::array<float, net::output_size> logits{};
    net::forward(weights, x, logits, arena);
    const std::size_t label = digits::test_labels[i], guess = top_class(logits);
    float_correct += guess == label;
    same_as_pytorch += guess == digits::pytorch_predictions[i];

    std::array<std::int8_t, net::input_size> x8{};
    std::array<std::int8_t, net::output_size> logits8{};
    ctnn::quantize_tensor(x, q.input_quantization(), x8);
    net::forward(q, std::span<const std::int8_t, net::input_size>(x8), std::span<std::int8_t, net::output_size>(logits8),
                 arena8);
    int8_correct += top_class(logits8) == label;

    ctnn::quantize_tensor(x, q_ao.input_quantization(), x8);
    net::forward(q_ao, std::span<const std::int8_t, net::input_size>(x8), std::span<std::int8_t, net::output_size>(logits8),
                 arena8);
    ao_correct += top_class(logits8) == label;
    same_as_pytorch_int8 += top_class(logits8) == digits::pytorch_int8_predictions[i];
  }
  const double n = digits::test_count;
  std::printf("digits: %d test images; accuracy float %.2f%% (PyTorch %.2f%%, same prediction on %d), int8 %.2f%%\n",
              digits::test_count, 100.0 * float_correct / n, 100.0 * digits::pytorch_correct / n, same_as_pytorch,
              100.0 * int8_correct / n);
  std::printf("int8 as torch.ao quantized it: %.2f%% (PyTorch's int8 %.2f%%, same prediction on %d)\n",
              100.0 * ao_correct / n, 100.0 * digits::pytorch_int8_correct / n, same_as_pytorch_int8);
  std::printf("weights: float %zu B, int8 %zu B; arena: float %zu B, int8 %zu B\n", sizeof(digits::float_weights),
              sizeof(q.weights) + sizeof(q.biases) + sizeof(q.multipliers), sizeof(arena), sizeof(arena8));
  // The example fails if ctnn's float network is not PyTorch's, int8 loses more than a point, or torch.ao's
  // int8 network predicts otherwise than PyTorch's on more than one image in a hundred.
  return same_as_pytorch == digits::test_count && int8_correct >= digits::pytorch_correct - n / 100 &&
                 same_as_pytorch_int8 >= digits::test_count - n / 100
             ? 0
             : 1;
}
