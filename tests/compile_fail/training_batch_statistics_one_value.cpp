// Must not compile: batch norm in training mode on one value per channel (a batch of 1 after a linear
// layer): its variance is 0 and PyTorch's model.train() refuses it too.
// expect: batch_statistics, ctnn::batch_norm1d<.*>
// expect: values_per_channel<1>
// expect: expected_more_than_1_value_per_channel_when_training
// twin: ctnn::batch<1> => ctnn::batch<2>
#include <array>
#include <span>

#include "ctnn/ctnn.hpp"
#include "ctnn/training.hpp"

using net = ctnn::sequential<ctnn::input<4>::with<ctnn::batch<1>>, ctnn::linear<6>, ctnn::batch_norm1d<>, ctnn::relu,
                             ctnn::linear<3>>;
using train = ctnn::training<net, ctnn::sgd, ctnn::with_batch_statistics<>>;
static net::weights w;
static train::state<float> s;

int main() {
  std::array<float, net::batch * net::input_size> xs{};
  std::array<ctnn::count_t, net::batch> labels{};
  return static_cast<int>(train::step(w, s, ctnn::sgd{}, std::span<const float, net::batch * net::input_size>(xs),
                                      std::span<const ctnn::count_t, net::batch>(labels)));
}
