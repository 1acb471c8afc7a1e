// Whole training steps against torch.optim (tests/data/training/steps.inc, made by
// tools/make_training_reference.py): the same network, weights, batch and labels; after each step the
// cross-entropy PyTorch printed, and after the last the weights PyTorch holds (in double: within 1e-6).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "ctnn/ctnn.hpp"
#include "ctnn/training.hpp"
#include "reference_cases.hpp"

using namespace ctnn;

namespace {

// The network with its input declared as a batch of B samples.
template <class Net, index_t B>
struct with_batch;
template <class Input, class... Layers, index_t B>
struct with_batch<sequential<Input, Layers...>, B> {
  using type = sequential<typename Input::plain::template with<batch<B>, nchw>, Layers...>;
};

void expect_close(const std::vector<double>& actual, const std::vector<float>& expected, double tolerance,
                  const std::string& what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  int wrong = 0;
  for (std::size_t i = 0; i < actual.size(); ++i)
    if (!(std::fabs(actual[i] - expected[i]) <= tolerance * (1.0 + std::fabs(expected[i]))) && ++wrong <= 3)
      ADD_FAILURE() << what << "[" << i << "]: " << actual[i] << ", PyTorch " << expected[i];
  EXPECT_EQ(wrong, 0) << what;
}

template <class Plain, index_t B, int Steps, class Optimizer>
void check_steps(const Optimizer& o, const std::vector<float>& x, const std::vector<count_t>& labels,
                 const std::vector<float>& params, const std::vector<float>& losses, const std::vector<float>& after) {
  using net = typename with_batch<Plain, B>::type;
  using train = training<net, Optimizer>;
  static typename net::template weights_of<double> w;
  ASSERT_EQ(w.values.size(), params.size());
  for (std::size_t i = 0; i < params.size(); ++i) w.values[i] = params[i];
  static typename train::template state<double> s;
  s = {};
  const std::vector<double> xs(x.begin(), x.end());
  std::vector<double> seen;
  for (int step = 0; step < Steps; ++step)
    seen.push_back(train::step(w, s, o, std::span<const double, B * net::input_size>(xs.data(), xs.size()),
                               std::span<const count_t, B>(labels.data(), labels.size())));
  expect_close(seen, losses, 1e-6, "losses");
  expect_close(std::vector<double>(w.values.begin(), w.values.end()), after, 1e-6, "weights after the steps");
}

}  // namespace

#define CTNN_STEP_CASE(id, net, optimizer, batch_size, steps, x, labels, p, losses, after)                        \
  static const bool CTNN_JOIN(case_, __LINE__) = reference_cases::add(id, [] {                                    \
    const auto o = CTNN_UNPAREN optimizer;                                                                        \
    check_steps<CTNN_UNPAREN net, batch_size, steps>(o, {CTNN_UNPAREN x}, {CTNN_UNPAREN labels}, {CTNN_UNPAREN p}, \
                                                     {CTNN_UNPAREN losses}, {CTNN_UNPAREN after});                 \
  })

#include CTNN_TRAINING_FAMILY

TEST(TrainingSteps, EveryStepMatchesTorchOptim) {
  ASSERT_GE(reference_cases::all().size(), 5u);
  for (const reference_cases::registered_case& c : reference_cases::all()) {
    SCOPED_TRACE(c.id);
    c.run();
  }
}
