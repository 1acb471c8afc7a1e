// Trains the digits CNN from scratch in ctnn alone, on the host: scikit-learn's 8x8 digits (1,437 training
// images, 360 test), Adam, batches of 32, no heap. The same network trained by PyTorch is
// examples/digits/digits_model.hpp; its test accuracy is printed beside this one's.
#include <array>
#include <cstdio>

#include "ctnn/ctnn.hpp"
#include "ctnn/training.hpp"
#include "digits/digits_model.hpp"
#include "digits/digits_train.hpp"

using namespace ctnn;
using net = sequential<input<1, 8, 8>::with<batch<32>>, conv2d<8, 3, pad<1>>, relu, max_pool2d<2>,
                       conv2d<16, 3, pad<1>>, relu, max_pool2d<2>, flatten, linear<10>>;
using train = training<net, adam>;
static_assert(train::arena_bytes <= 64 * 1024, "activations, gradients and Adam's moments");

static net::weights w;
static train::state<float> state;
static static_arena<net> arena;

static float correct_on_test_set() {
  int correct = 0;
  for (int i = 0; i < digits::test_count; ++i) {
    std::array<float, net::input_size> x{};
    for (std::size_t p = 0; p < x.size(); ++p) x[p] = digits::test_levels[i * 64 + p] / 16.0f;
    std::array<float, net::output_size> logits{};
    net::forward(w, std::span<const float, net::input_size>(x), std::span(logits), arena);
    std::size_t best = 0;
    for (std::size_t c = 1; c < logits.size(); ++c) best = logits[c] > logits[best] ? c : best;
    correct += best == digits::test_labels[i] ? 1 : 0;
  }
  return 100.0f * static_cast<float>(correct) / static_cast<float>(digits::test_count);
}

int main() {
  initialize_parameters(w, 2026);
  std::printf("train_digits: training arena %lld bytes; test accuracy before %.2f%%\n",
              static_cast<long long>(train::arena_bytes), static_cast<double>(correct_on_test_set()));
  std::array<int, digits::train_count> order{};
  for (int i = 0; i < digits::train_count; ++i) order[i] = i;
  unsigned shuffle = 1;
  std::array<float, net::batch * net::input_size> xs{};
  std::array<count_t, net::batch> labels{};
  for (int epoch = 1; epoch <= 15; ++epoch) {
    for (int i = digits::train_count - 1; i > 0; --i) {  // a new order every epoch
      shuffle = shuffle * 1664525u + 1013904223u;
      std::swap(order[i], order[(shuffle >> 8) % static_cast<unsigned>(i + 1)]);
    }
    float loss = 0.0f;
    const int batches = digits::train_count / net::batch;
    for (int b = 0; b < batches; ++b) {
      for (int j = 0; j < net::batch; ++j) {
        const int image = order[b * net::batch + j];
        for (int p = 0; p < 64; ++p) xs[j * 64 + p] = digits::train_levels[image * 64 + p] / 16.0f;
        labels[j] = digits::train_labels[image];
      }
      loss += train::step(w, state, adam{.learning_rate = 0.01f}, std::span<const float, xs.size()>(xs), std::span(labels));
    }
    if (epoch % 5 == 0) std::printf("  epoch %2d: mean loss %.4f\n", epoch, static_cast<double>(loss / batches));
  }
  const float accuracy = correct_on_test_set();
  std::printf("train_digits: test accuracy after 15 epochs %.2f%% (the same network trained by PyTorch: %.2f%%)\n",
              static_cast<double>(accuracy), 100.0 * digits::pytorch_correct / digits::test_count);
  return accuracy >= 95.0f ? 0 : 1;
}
