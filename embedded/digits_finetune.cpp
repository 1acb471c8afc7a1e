// Fine-tuning on the board: the digits CNN trained in PyTorch (examples/digits/digits_model.hpp), its
// weights from flash, meets a new sensor that sees every digit mirrored. Its last two layers (the second
// convolution and the classifier) are trained on 320 mirrored training images (plain SGD, 16 images per
// step, 4 passes), with no heap; the accuracy on the 360 mirrored test images must rise. The training
// arena (activations, their gradients, the two layers' weight gradients) is a compile-time constant.
#include "run_model.hpp"

#include "../examples/digits/digits_model.hpp"
#include "../examples/digits/digits_train.hpp"
#include "ctnn/training.hpp"

using net = digits::network;
using train = ctnn::training<net, ctnn::plain_sgd, ctnn::train_last<2>>;
static_assert(train::arena_bytes <= 64 * 1024, "the issue's budget for fine-tuning on a Cortex-M4");

static net::weights weights;  // RAM: the trained layers change; loaded from the flash copy
alignas(16) [[gnu::section(".bss.ctnn_arena")]] static train::state<float> state;
alignas(16) [[gnu::section(".bss.ctnn_arena")]] std::byte arena[net::arena_bytes];

// A mirrored image (x -> 7 - x), as the network takes it (level / 16; NHWC with one channel: row-major).
static std::array<float, net::input_size> mirrored(const unsigned char* levels) {
  std::array<float, net::input_size> x{};
  for (int r = 0; r < 8; ++r)
    for (int c = 0; c < 8; ++c) x[static_cast<std::size_t>(r * 8 + c)] = levels[r * 8 + 7 - c] / 16.0f;
  return x;
}

static int correct_on_mirrored_test_set() {
  int correct = 0;
  for (int i = 0; i < digits::test_count; ++i) {
    const auto x = mirrored(digits::test_levels + i * 64);
    std::array<float, net::output_size> y{};
    net::forward(weights, std::span<const float, net::input_size>(x), std::span(y), std::span(arena));
    std::size_t best = 0;
    for (std::size_t c = 1; c < y.size(); ++c) best = y[c] > y[best] ? c : best;
    correct += best == digits::test_labels[i] ? 1 : 0;
  }
  return correct;
}

int main() {
  if (!ctnn::load_weights(weights, std::span<const float>(digits::float_weights)).ok) return 2;
  const board::instruction_counter counter;
  const int before = correct_on_mirrored_test_set();
  constexpr int images = 320, per_step = 16, passes = 4;
  long long instructions = 0, steps = 0;
  float loss = 0;
  for (int pass = 0; pass < passes; ++pass)
    for (int first = 0; first < images; first += per_step) {
      const std::uint32_t start = counter.now();
      train::zero_gradients(state);
      loss = 0;
      for (int i = first; i < first + per_step; ++i) {
        const auto x = mirrored(digits::train_levels + i * 64);
        loss += train::accumulate(weights, std::span<const float, net::input_size>(x), digits::train_labels[i], state,
                                  1.0f / per_step);
      }
      train::update(weights, state, ctnn::plain_sgd{0.05f, 0.0f});
      instructions += counter.instructions(start, counter.now());
      ++steps;
    }
  const int after = correct_on_mirrored_test_set();
  const bool ok = after > before + digits::test_count / 10;  // at least ten points better
  (semihosting::line() << "digits_finetune: " << (ok ? "ok" : "DID NOT LEARN") << ", mirrored test images right: "
                       << before << " before, " << after << " after (of " << digits::test_count << ")")
      .print();
  (semihosting::line() << "  last loss " << static_cast<long long>(1000 * loss / per_step) << "/1000; training arena "
                       << static_cast<long long>(train::arena_bytes) << " bytes")
      .print();
  (semihosting::line() << "  instructions " << instructions / steps << " per training step of " << per_step
                       << " images, stack " << static_cast<long long>(stack_bytes_used()) << " bytes")
      .print();
  return ok ? 0 : 1;
}
