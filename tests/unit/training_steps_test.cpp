// Whole training steps against torch.optim (tests/data/training/steps.inc, made by
// tools/make_training_reference.py): the same network, weights, batch and labels; after each step the
// cross-entropy PyTorch printed, and after the last the weights PyTorch holds (in double: within 1e-6).
// And batch norm in training mode (with_batch_statistics): one batch's loss, the gradients of every sample
// and learned tensor, and the running statistics after it, in NCHW and NHWC (double) and float (1e-4).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <type_traits>
#include <vector>

#include "ctnn/ctnn.hpp"
#include "ctnn/training.hpp"
#include "kernel_harness.hpp"
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

template <class Plain, index_t B, class Scope, int Steps, class Optimizer>
void check_steps(const Optimizer& o, const std::vector<float>& x, const std::vector<count_t>& labels,
                 const std::vector<float>& params, const std::vector<float>& losses, const std::vector<float>& after) {
  using net = typename with_batch<Plain, B>::type;
  using train = training<net, Optimizer, Scope>;
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

// Truth: the labels (cross-entropy) or the targets (mean squared error, in NCHW order).
template <class Plain, index_t Num, index_t Den, index_t B, layout L, class T, class Truth>
void check_batch_gradients(const std::vector<float>& x, const std::vector<Truth>& labels,
                           const std::vector<float>& params, float loss, const std::vector<float>& dx,
                           const std::vector<float>& dparams, const std::vector<float>& after, double tolerance) {
  using net = relayout_t<typename with_batch<Plain, B>::type, L>;
  using train = training<net, plain_sgd, with_input_gradient<with_batch_statistics<train_all, Num, Den>>>;
  static_assert(train::samples_in_arena == B);
  const std::string where = std::string(L == layout::nchw ? "NCHW" : "NHWC") + (sizeof(T) == 8 ? ", double" : ", float");
  static typename net::template weights_of<T> w;
  ASSERT_EQ(w.values.size(), params.size());
  for (std::size_t i = 0; i < params.size(); ++i) w.values[i] = static_cast<T>(params[i]);
  static typename train::template state<T> s;
  s = {};
  std::vector<T> xs;
  for (index_t b = 0; b < B; ++b) {
    const std::vector<float> one(x.begin() + b * net::input_size, x.begin() + (b + 1) * net::input_size);
    const std::vector<float> v = harness::to_layout(one, net::input_shape, L);
    xs.insert(xs.end(), v.begin(), v.end());
  }
  T seen{};
  if constexpr (std::is_same_v<Truth, count_t>) {
    seen = train::accumulate_batch(w, s, std::span<const T, B * net::input_size>(xs.data(), xs.size()),
                                   std::span<const count_t, B>(labels.data(), labels.size()));
  } else {
    std::vector<T> targets;
    for (index_t b = 0; b < B; ++b) {
      const std::vector<float> one(labels.begin() + b * net::output_size, labels.begin() + (b + 1) * net::output_size);
      const std::vector<float> v = harness::to_layout(one, net::output_shape, L);
      targets.insert(targets.end(), v.begin(), v.end());
    }
    seen = train::accumulate_batch(w, s, std::span<const T, B * net::input_size>(xs.data(), xs.size()),
                                   std::span<const T, B * net::output_size>(targets.data(), targets.size()));
  }
  expect_close({static_cast<double>(seen)}, {loss}, tolerance, "loss, " + where);
  std::vector<double> all(params.size(), 0.0), input;
  train::for_each_gradient(s, [&](const char* name, const shape&, std::span<T> g) {
    for (const parameter_info& p : parameters_of<net>)
      if (std::string(p.name) == name)
        for (count_t i = 0; i < p.size; ++i) all[static_cast<std::size_t>(p.offset + i)] = static_cast<double>(g[i]);
  });
  expect_close(all, dparams, tolerance, "parameter gradients, " + where);
  for (index_t b = 0; b < B; ++b) {
    const std::span<const T, net::input_size> own = train::input_gradient(s, b);
    const std::vector<float> in_layout(own.begin(), own.end());
    const std::vector<float> g = harness::from_layout(in_layout.data(), net::input_shape, L);
    input.insert(input.end(), g.begin(), g.end());
  }
  expect_close(input, dx, tolerance, "input gradients, " + where);
  expect_close(std::vector<double>(w.values.begin(), w.values.end()), after, tolerance, "running statistics, " + where);
}

template <class Plain, index_t Num, index_t Den, index_t B, class Truth>
void check_batch_case(const std::vector<float>& x, const std::vector<Truth>& labels, const std::vector<float>& params,
                      float loss, const std::vector<float>& dx, const std::vector<float>& dparams,
                      const std::vector<float>& after) {
  check_batch_gradients<Plain, Num, Den, B, layout::nchw, double>(x, labels, params, loss, dx, dparams, after, 1e-6);
  check_batch_gradients<Plain, Num, Den, B, layout::nhwc, double>(x, labels, params, loss, dx, dparams, after, 1e-6);
  check_batch_gradients<Plain, Num, Den, B, layout::nchw, float>(x, labels, params, loss, dx, dparams, after, 1e-4);
}

}  // namespace

#define CTNN_STEP_CASE(id, net, scope, optimizer, batch_size, steps, x, labels, p, losses, after)             \
  static const bool CTNN_JOIN(case_, __LINE__) = reference_cases::add(id, [] {                                \
    const auto o = CTNN_UNPAREN optimizer;                                                                    \
    check_steps<CTNN_UNPAREN net, batch_size, CTNN_UNPAREN scope, steps>(                                     \
        o, {CTNN_UNPAREN x}, {CTNN_UNPAREN labels}, {CTNN_UNPAREN p}, {CTNN_UNPAREN losses}, {CTNN_UNPAREN after}); \
  })
#define CTNN_BATCH_GRADIENT_CASE(id, net, num, den, batch_size, x, labels, p, loss, dx, dp, after)            \
  static const bool CTNN_JOIN(case_, __LINE__) = reference_cases::add(id, [] {                                \
    check_batch_case<CTNN_UNPAREN net, num, den, batch_size>({CTNN_UNPAREN x}, std::vector<count_t>{CTNN_UNPAREN labels},         \
                                                             {CTNN_UNPAREN p}, loss, {CTNN_UNPAREN dx},       \
                                                             {CTNN_UNPAREN dp}, {CTNN_UNPAREN after});        \
  })
#define CTNN_BATCH_MSE_CASE(id, net, num, den, batch_size, x, targets, p, loss, dx, dp, after)                \
  static const bool CTNN_JOIN(case_, __LINE__) = reference_cases::add(id, [] {                                \
    check_batch_case<CTNN_UNPAREN net, num, den, batch_size>(                                                 \
        {CTNN_UNPAREN x}, std::vector<float>{CTNN_UNPAREN targets}, {CTNN_UNPAREN p}, loss, {CTNN_UNPAREN dx}, \
        {CTNN_UNPAREN dp}, {CTNN_UNPAREN after});                                                             \
  })

#include CTNN_TRAINING_FAMILY

TEST(TrainingSteps, EveryStepMatchesTorchOptim) {
  ASSERT_GE(reference_cases::all().size(), 5u);
  for (const reference_cases::registered_case& c : reference_cases::all()) {
    SCOPED_TRACE(c.id);
    c.run();
  }
}
