// Training: the plan's choices (what is kept, what is trained, the arena), the losses and optimizers
// against their formulas by hand, batches against single samples, partial training against full, and
// finite differences where PyTorch has no derivative (channel shuffle). PyTorch's gradients of every
// family: training_reference_test.cpp; its optimizer steps: training_steps_test.cpp.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <span>
#include <string>
#include <vector>

#include "ctnn/ctnn.hpp"
#include "ctnn/training.hpp"

using namespace ctnn;

namespace {

using lenet = sequential<input<1, 12, 12>, conv2d<4, 3>, relu, max_pool2d<2>, conv2d<6, 3>, relu, flatten,
                         linear<10>, relu, linear<3>>;

template <class Net>
void fill(typename Net::template weights_of<double>& w, std::array<double, Net::input_size>& x, unsigned seed) {
  initialize_parameters(w, seed);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::sin(0.37 * static_cast<double>(i) + seed);
}

TEST(TrainingPlan, TrainsEveryLayerWithParametersByDefault) {
  constexpr const auto& p = training_plan_of<lenet>;
  constexpr const auto& nodes = schedule_of<lenet>::value.nodes;
  for (int k = 0; k < 9; ++k) EXPECT_EQ(p.trained[k], nodes[k].params > 0) << k;
  EXPECT_EQ(p.trained_parameters, lenet::params);
  // Every layer's output has a gradient; the input has none (not asked for).
  for (int t = 1; t <= 9; ++t) EXPECT_TRUE(p.needs_gradient[t]) << t;
  EXPECT_FALSE(p.needs_gradient[0]);
  EXPECT_EQ(p.gradient_offset[0], no_gradient);
}

TEST(TrainingPlan, FrozenLayersKeepNothingAndPassNoGradient) {
  constexpr const auto& all = training_plan_of<lenet>;
  constexpr const auto& last = training_plan_of<lenet, train_last<1>>;
  // Only the last linear layer (node 8) trains; only its input (tensor 8) is kept, only its output has a gradient.
  for (int k = 0; k < 9; ++k) {
    EXPECT_EQ(last.trained[k], k == 8) << k;
    EXPECT_EQ(last.runs_backward[k], k == 8) << k;
  }
  for (int t = 0; t <= 9; ++t) {
    EXPECT_EQ(last.kept[t], t == 8) << t;
    EXPECT_EQ(last.needs_gradient[t], t == 9) << t;
  }
  EXPECT_EQ(last.trained_parameters, 10 * 3 + 3);
  EXPECT_EQ(last.weight_gradient_elements, 10 * 3 + 3);
  EXPECT_LT(last.arena_elements, all.arena_elements);
  // Training everything keeps the input of every convolution, linear layer, relu and max pool, but not
  // flatten's (it reads nothing) nor the result (the loss reads it before any backward pass).
  for (int t = 0; t <= 9; ++t) EXPECT_EQ(all.kept[t], t != 5 && t != 9) << t;
}

// Tensors whose lifetimes overlap never share memory.
template <class Net, class Scope>
void expect_disjoint_while_alive() {
  constexpr const auto& p = training_plan_of<Net, Scope>;
  constexpr int N = schedule_of<Net>::value.node_count;
  struct span_of {
    count_t from, to;
    int first, last;
  };
  // What each layer's backward reads (its family's rule); the lifetimes follow from it here, by the
  // module comment's time axis, independently of the plan's own computation.
  constexpr const auto& reads = node_table<schedule_of<Net>, impl::list_backward_reads>;
  constexpr const auto& statistics = node_table<schedule_of<Net>, impl::list_batch_statistics>;
  std::vector<span_of> live;
  for (int t = 1; t <= N; ++t) {
    int last = t - 1;
    for (int k = 0; k < N; ++k) {
      const bool reads_input = reads[k].input || (reads[k].input_for_weights && p.trained[k]) ||
                               (Scope::batch_statistics && statistics[k] > 0);
      if (reads[k].output && k + 1 == t && p.runs_backward[k] && 2 * N - k > last) last = 2 * N - k;
      for (int i = 0; i < schedule_of<Net>::value.nodes[k].input_count; ++i)
        if (schedule_of<Net>::value.nodes[k].inputs[i] == t) {
          if (k > last) last = k;
          if (reads_input && p.runs_backward[k] && 2 * N - k > last) last = 2 * N - k;
        }
    }
    if (t == N) last = 2 * N + 1;  // read by the loss, and after the step
    live.push_back({p.value_offset[t], p.value_offset[t] + p.size[t], t - 1, last});
    if (p.needs_gradient[t])
      live.push_back({p.gradient_offset[t], p.gradient_offset[t] + p.size[t], t == N ? N : 2 * N - p.zeroes_gradient[t],
                      2 * N - (t - 1)});
  }
  for (std::size_t a = 0; a < live.size(); ++a)
    for (std::size_t b = a + 1; b < live.size(); ++b) {
      const bool same_time = live[a].first <= live[b].last && live[b].first <= live[a].last;
      const bool same_memory = live[a].from < live[b].to && live[b].from < live[a].to;
      EXPECT_FALSE(same_time && same_memory) << a << " [" << live[a].from << ", " << live[a].to << ") at ["
                                             << live[a].first << ", " << live[a].last << "] and " << b << " ["
                                             << live[b].from << ", " << live[b].to << ") at [" << live[b].first
                                             << ", " << live[b].last << "]";
    }
  for (const span_of& s : live) EXPECT_LE(s.to, p.arena_elements);
}

TEST(TrainingPlan, LiveTensorsNeverShareMemory) {
  expect_disjoint_while_alive<lenet, train_all>();
  expect_disjoint_while_alive<lenet, train_last<2>>();
  using branchy = sequential<input<4, 6, 6>, conv2d<8, 3, pad<1>>, residual<chain<conv2d<8, 3, pad<1>>, relu>>,
                             concat<chain<conv2d<4, 1>>, chain<max_pool2d<3, stride<1>, pad<1>>>>,
                             squeeze_excitation<12, 4>, global_avg_pool, flatten, linear<5>>;
  expect_disjoint_while_alive<branchy, train_all>();
  expect_disjoint_while_alive<branchy, train_last<1>>();
}

using normalized = sequential<input<2, 6, 6>::with<batch<4>>, conv2d<4, 3, pad<1>>, batch_norm2d<>, relu,
                              residual<chain<conv2d<4, 3, pad<1>>, batch_norm2d<0, no_affine>>>, global_avg_pool,
                              flatten, linear<3>>;

TEST(TrainingPlan, BatchStatisticsKeepTheNormalizedInputs) {
  expect_disjoint_while_alive<normalized, train_all>();
  expect_disjoint_while_alive<normalized, with_batch_statistics<>>();
  expect_disjoint_while_alive<normalized, with_batch_statistics<train_last<1>>>();
  constexpr const auto& frozen = training_plan_of<normalized>;
  constexpr const auto& batch = training_plan_of<normalized, with_batch_statistics<>>;
  constexpr const auto& nodes = schedule_of<normalized>::value.nodes;
  std::vector<int> norms;
  for (int k = 0; k < schedule_of<normalized>::value.node_count; ++k) {
    const bool norm = std::string(nodes[k].name) == "batch_norm2d";
    if (norm) norms.push_back(k);
    EXPECT_FALSE(frozen.batch_coupled[k]);
    EXPECT_EQ(batch.batch_coupled[k], norm) << k;
    if (norm) {
      EXPECT_TRUE(batch.kept[nodes[k].inputs[0]]) << k;
    }
  }
  ASSERT_EQ(norms.size(), 2u);
  EXPECT_FALSE(frozen.kept[nodes[norms[1]].inputs[0]]);  // no_affine, frozen: its backward reads nothing
  EXPECT_EQ(batch.statistics_elements, 2 * 4 + 2 * 4);  // a mean and an inverse deviation per channel
  EXPECT_EQ(batch.statistics_offset[norms[1]], 8);
  using train = training<normalized, sgd, with_batch_statistics<>>;
  static_assert(train::samples_in_arena == 4 && training<normalized>::samples_in_arena == 1);
  static_assert(train::activation_bytes == 4 * batch.arena_elements * count_t{sizeof(float)});
  static_assert(train::arena_bytes == sizeof(train::state<float>));
}

// The running statistics stay put with frozen statistics; with batch statistics the forward pass moves
// them towards the batch's by the momentum (here 1: they become the batch's, by hand).
TEST(TrainingStep, BatchStatisticsMoveTheRunningStatistics) {
  using net = sequential<input<2, 3>::with<batch<2>>, batch_norm1d<>, flatten, linear<2>>;
  static net::weights_of<double> w;
  initialize_parameters(w, 3);
  const std::array<double, 12> xs{1, 2, 3, 4, 5, 6, -1, 0, 1, 2, 2, 2};
  const std::array<count_t, 2> labels{0, 1};
  const auto run = [&](auto train) {
    using train_type = decltype(train);
    static typename train_type::template state<double> s;
    initialize_parameters(w, 3);
    train_type::step(w, s, plain_sgd{0.0f, 0.0f}, std::span<const double, 12>(xs), std::span<const count_t, 2>(labels));
  };
  run(training<net, plain_sgd>{});
  EXPECT_EQ(w.values[4], 0.0);  // running_mean[0]
  EXPECT_EQ(w.values[6], 1.0);  // running_var[0]
  run(training<net, plain_sgd, with_batch_statistics<train_all, 1, 1>>{});
  // Channel 0 holds 1, 2, 3 and -1, 0, 1: mean 1, unbiased variance (0+1+4+4+1+0) / 5 = 2.
  // Channel 1 holds 4, 5, 6 and 2, 2, 2: mean 3.5, unbiased variance (0.25+2.25+6.25+2.25+2.25+2.25) / 5 = 3.1.
  EXPECT_DOUBLE_EQ(w.values[4], 1.0);
  EXPECT_DOUBLE_EQ(w.values[5], 3.5);
  EXPECT_DOUBLE_EQ(w.values[6], 2.0);
  EXPECT_DOUBLE_EQ(w.values[7], 3.1);
}

// Training runs its own forward (the plain loops, convolutions as matrices); deployment runs the fast
// kernels on prepared weights (folded batch norm, fused activations, NHWC tiles). After training steps,
// prepare_into the trained weights: both give the same outputs.
TEST(TrainingStep, TrainedWeightsRunTheSameOnTheFastKernels) {
  using net = sequential<input<3, 10, 10>::with<nhwc, batch<4>>, conv2d<8, 3, pad<1>>, batch_norm2d<>, relu,
                         depthwise_conv2d<3, pad<1>>, relu6, conv2d<12, 1>, max_pool2d<2>,
                         conv_transpose2d<6, 2, stride<2>>, hardswish, global_avg_pool, flatten, linear<5>>;
  using train = training<net, adam>;
  static net::weights w;
  initialize_parameters(w, 11);
  static train::state<float> s;
  std::array<float, 4 * net::input_size> xs{};
  for (std::size_t i = 0; i < xs.size(); ++i) xs[i] = std::sin(0.11f * static_cast<float>(i));
  const std::array<count_t, 4> labels{0, 3, 1, 4};
  for (int step = 0; step < 3; ++step)
    train::step(w, s, adam{.learning_rate = 0.01f}, std::span<const float, xs.size()>(xs), std::span<const count_t, 4>(labels));
  static net::prepared p;
  prepare_into(w, p);
  static static_arena<net::prepared> arena;
  for (index_t b = 0; b < 4; ++b) {
    const std::span<const float, net::input_size> x(xs.data() + b * net::input_size, net::input_size);
    train::zero_gradients(s);
    train::accumulate(w, x, labels[b], s);
    std::array<float, net::output_size> fast{};
    net::forward(p, x, fast, arena);
    for (count_t i = 0; i < net::output_size; ++i)
      EXPECT_NEAR(fast[i], train::output(s)[i], 1e-5f * (1.0f + std::fabs(fast[i]))) << b << ", " << i;
  }
}

TEST(TrainingArena, IsTheStateItSizes) {
  using train = training<lenet, adam>;
  static_assert(train::arena_bytes == sizeof(train::state<float>));
  EXPECT_GE(train::arena_bytes, train::activation_bytes + train::gradient_bytes + train::optimizer_bytes);
  EXPECT_EQ(train::gradient_bytes, lenet::params * 4);
  EXPECT_EQ(train::optimizer_bytes, 2 * train::gradient_bytes);  // Adam's two moments
  using head = training<lenet, sgd, train_last<1>>;
  EXPECT_LT(head::arena_bytes, train::arena_bytes);
  EXPECT_EQ(head::gradient_bytes, (10 * 3 + 3) * 4);
}

TEST(Losses, CrossEntropyByHand) {
  const std::array<double, 3> logits{1.0, 2.0, 3.0};
  std::array<double, 3> dy{};
  const double loss = cross_entropy_loss(logits.data(), 3, 2, 1.0, dy.data());
  const double sum = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  EXPECT_NEAR(loss, std::log(sum) - 3.0, 1e-15);
  EXPECT_NEAR(dy[0], std::exp(1.0) / sum, 1e-15);
  EXPECT_NEAR(dy[1], std::exp(2.0) / sum, 1e-15);
  EXPECT_NEAR(dy[2], std::exp(3.0) / sum - 1.0, 1e-15);
  // Large logits: shifted by the maximum, no overflow.
  const std::array<float, 2> big{1000.0f, 0.0f};
  std::array<float, 2> g{};
  EXPECT_NEAR(cross_entropy_loss(big.data(), 2, 1, 0.5f, g.data()), 1000.0f, 1e-3f);
  EXPECT_NEAR(g[1], -0.5f, 1e-6f);
}

TEST(Losses, LabelOutsideTheClassesStops) {
  const std::array<float, 3> logits{1.0f, 2.0f, 3.0f};
  std::array<float, 3> dy{};
  EXPECT_DEATH(cross_entropy_loss(logits.data(), 3, 3, 1.0f, dy.data()), "");
  EXPECT_DEATH(cross_entropy_loss(logits.data(), 3, -1, 1.0f, dy.data()), "");
}

TEST(Losses, MeanSquaredErrorByHand) {
  const std::array<double, 2> y{1.0, 2.0}, target{0.0, 4.0};
  std::array<double, 2> dy{};
  EXPECT_DOUBLE_EQ(mean_squared_error_loss(y.data(), target.data(), 2, 1.0, dy.data()), 2.5);
  EXPECT_DOUBLE_EQ(dy[0], 1.0);
  EXPECT_DOUBLE_EQ(dy[1], -2.0);
}

TEST(Initialization, PyTorchsBoundsAndFills) {
  using net = sequential<input<3, 8, 8>, conv2d<5, 3>, batch_norm2d<>, prelu<>, flatten, linear<4>>;
  static net::weights w, again;
  initialize_parameters(w, 7);
  initialize_parameters(again, 7);
  EXPECT_EQ(w.values, again.values);
  const float conv_bound = 1.0f / std::sqrt(27.0f), linear_bound = 1.0f / std::sqrt(5.0f * 36.0f);
  float largest = 0;
  for (float v : w.at<0>().weight) largest = std::max(largest, std::fabs(v));
  EXPECT_LE(largest, conv_bound);
  EXPECT_GT(largest, 0.8f * conv_bound);  // spread over the range, not near 0
  for (float v : w.at<0>().bias) EXPECT_LE(std::fabs(v), conv_bound);
  for (float v : w.at<1>().weight) EXPECT_EQ(v, 1.0f);
  for (float v : w.at<1>().bias) EXPECT_EQ(v, 0.0f);
  for (float v : w.at<1>().running_mean) EXPECT_EQ(v, 0.0f);
  for (float v : w.at<1>().running_var) EXPECT_EQ(v, 1.0f);
  for (float v : w.at<2>().weight) EXPECT_EQ(v, 0.25f);
  for (float v : w.at<4>().weight) EXPECT_LE(std::fabs(v), linear_bound);
  initialize_parameters(again, 8);
  EXPECT_NE(w.values, again.values);
}

// A batch step is the mean of the samples' gradients, then the optimizer's update.
TEST(TrainingStep, BatchIsTheMeanOfItsSamples) {
  using single = lenet;
  using batched = sequential<input<1, 12, 12>::with<batch<2>>, conv2d<4, 3>, relu, max_pool2d<2>, conv2d<6, 3>, relu,
                             flatten, linear<10>, relu, linear<3>>;
  using one = training<single, sgd>;
  using two = training<batched, sgd>;
  static single::weights_of<double> w;
  static batched::weights_of<double> wb;
  std::array<double, single::input_size> x0{}, x1{};
  fill<single>(w, x0, 3);
  fill<single>(w, x1, 4);
  fill<single>(w, x0, 3);
  wb.values = w.values;
  static one::state<double> s;
  one::zero_gradients(s);
  const double l0 = one::accumulate(w, std::span<const double, single::input_size>(x0), 2, s, 0.5);
  const double l1 = one::accumulate(w, std::span<const double, single::input_size>(x1), 0, s, 0.5);
  const sgd o{0.1f, 0.0f, 0.0f};
  one::update(w, s, o);
  std::array<double, 2 * single::input_size> xs{};
  std::copy(x0.begin(), x0.end(), xs.begin());
  std::copy(x1.begin(), x1.end(), xs.begin() + single::input_size);
  const std::array<count_t, 2> labels{2, 0};
  static two::state<double> sb;
  const double mean = two::step(wb, sb, o, std::span<const double, xs.size()>(xs), std::span(labels));
  EXPECT_NEAR(mean, (l0 + l1) / 2, 1e-12);
  for (std::size_t i = 0; i < w.values.size(); ++i) EXPECT_NEAR(wb.values[i], w.values[i], 1e-12) << i;
}

// The gradients a narrower training computed (those `keep` names) against the full training's of the same
// names; returns how many tensors it compared.
template <class Part, class Full, class Keep>
int expect_gradients_of_full(typename Part::template state<double>& part, typename Full::template state<double>& full,
                             Keep keep) {
  int compared = 0;
  Part::for_each_gradient(part, [&](const char* name, const shape&, std::span<double> g) {
    if (!keep(std::string(name))) return;
    Full::for_each_gradient(full, [&](const char* other, const shape&, std::span<double> h) {
      if (std::string(name) != other) return;
      for (std::size_t i = 0; i < g.size(); ++i) EXPECT_NEAR(g[i], h[i], 1e-14) << name;
      ++compared;
    });
  });
  return compared;
}

// Training the last layers gives them the same gradients as training everything, and leaves the rest.
TEST(TrainingStep, PartialTrainingMatchesFullOnItsLayers) {
  using all = training<lenet, sgd>;
  using last_two = training<lenet, sgd, train_last<2>>;
  static lenet::weights_of<double> w, before;
  std::array<double, lenet::input_size> x{};
  fill<lenet>(w, x, 5);
  before = w;
  static all::state<double> s;
  static last_two::state<double> p;
  all::zero_gradients(s);
  last_two::zero_gradients(p);
  EXPECT_DOUBLE_EQ(all::accumulate(w, std::span<const double, lenet::input_size>(x), 1, s),
                   last_two::accumulate(w, std::span<const double, lenet::input_size>(x), 1, p));
  // 6.weight, 6.bias, 8.weight, 8.bias
  EXPECT_EQ((expect_gradients_of_full<last_two, all>(p, s, [](const std::string&) { return true; })), 4);
  last_two::update(w, p, sgd{0.5f, 0.0f, 0.0f});
  constexpr count_t frozen = parameters_of<lenet>[4].offset;  // 6.weight: the first trained tensor
  for (count_t i = 0; i < frozen; ++i) EXPECT_EQ(w.values[i], before.values[i]) << i;
  bool moved = false;
  for (count_t i = frozen; i < lenet::weights::size; ++i) moved = moved || w.values[i] != before.values[i];
  EXPECT_TRUE(moved);
}

// Channel shuffle (PyTorch 1.13 has no derivative for it) and the layers around it, by central differences.
TEST(Gradients, FiniteDifferencesWherePyTorchHasNone) {
  using net = sequential<input<4, 3, 3>, conv2d<6, 1>, channel_shuffle<3>, tanh_activation, flatten, linear<3>>;
  using train = training<net, sgd, with_input_gradient<>>;
  static net::weights_of<double> w;
  std::array<double, net::input_size> x{};
  fill<net>(w, x, 9);
  static train::state<double> s;
  train::zero_gradients(s);
  train::accumulate(w, std::span<const double, net::input_size>(x), 1, s);
  const std::vector<double> dx(train::input_gradient(s).begin(), train::input_gradient(s).end());
  std::vector<double> dw;
  train::for_each_gradient(s, [&](const char*, const shape&, std::span<double> g) { dw.insert(dw.end(), g.begin(), g.end()); });
  ASSERT_EQ(dw.size(), w.values.size());
  static train::state<double> scratch;
  const auto loss = [&] { return train::accumulate(w, std::span<const double, net::input_size>(x), 1, scratch); };
  const auto central_difference = [&](double& v) {
    const double h = 1e-6, keep = v;
    v = keep + h;
    const double up = loss();
    v = keep - h;
    const double down = loss();
    v = keep;
    return (up - down) / (2 * h);
  };
  for (std::size_t i = 0; i < w.values.size(); ++i)
    EXPECT_NEAR(dw[i], central_difference(w.values[i]), 1e-7) << "parameter " << i;
  for (std::size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(dx[i], central_difference(x[i]), 1e-7) << "input " << i;
}

}  // namespace

namespace {
// The convolution's two training paths, matrices over receptive fields and the loops, on the same data.
template <class Layer, shape In, layout L>
void expect_matrices_match_loops() {
  using node = placed_layer<Layer, In>;
  constexpr conv_params P = Layer::params;
  using matrices = conv_as_matrices<P, In, L>;
  static_assert(matrices::m.scratch() > 0);
  constexpr count_t in_size = In.size(), out_size = node::output_shape.size(), weights = node::weight_shape.size();
  constexpr index_t channels = node::output_shape[0];
  std::vector<double> x(in_size), w(weights), b(channels), dy(out_size), scratch(matrices::m.scratch());
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::sin(0.3 * static_cast<double>(i));
  for (std::size_t i = 0; i < w.size(); ++i) w[i] = std::cos(0.7 * static_cast<double>(i));
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = 0.1 * static_cast<double>(i);
  for (std::size_t i = 0; i < dy.size(); ++i) dy[i] = std::sin(1.1 * static_cast<double>(i) + 0.5);
  std::vector<double> y_loops(out_size), y_matrices(out_size);
  conv_forward<P, In, L>(x.data(), w.data(), b.data(), y_loops.data());
  matrices::forward(x.data(), w.data(), b.data(), y_matrices.data(), scratch.data());
  for (count_t i = 0; i < out_size; ++i) EXPECT_NEAR(y_matrices[i], y_loops[i], 1e-12) << "y " << i;
  std::vector<double> dx_loops(in_size), dw_loops(weights), db_loops(channels);
  std::vector<double> dx_matrices(in_size), dw_matrices(weights), db_matrices(channels);
  conv_backward<P, In, L>(x.data(), w.data(), dy.data(), dx_loops.data(), dw_loops.data(), db_loops.data());
  matrices::backward(x.data(), w.data(), dy.data(), dx_matrices.data(), dw_matrices.data(), db_matrices.data(),
                     scratch.data());
  for (count_t i = 0; i < in_size; ++i) EXPECT_NEAR(dx_matrices[i], dx_loops[i], 1e-12) << "dx " << i;
  for (count_t i = 0; i < weights; ++i) EXPECT_NEAR(dw_matrices[i], dw_loops[i], 1e-12) << "dw " << i;
  for (index_t i = 0; i < channels; ++i) EXPECT_NEAR(db_matrices[i], db_loops[i], 1e-12) << "db " << i;
}
}  // namespace

TEST(Gradients, ConvolutionMatricesMatchTheLoops) {
  expect_matrices_match_loops<conv2d<5, 3, pad<1>>, shape{3, 7, 6}, layout::nchw>();
  expect_matrices_match_loops<conv2d<5, 3, pad<1>>, shape{3, 7, 6}, layout::nhwc>();
  expect_matrices_match_loops<conv2d<4, kernel<3, 2>, stride<2, 1>, dilation<1, 2>, pad_begin<2, 0>, pad_end<0, 1>>,
                              shape{2, 9, 8}, layout::nchw>();
  expect_matrices_match_loops<conv2d<4, kernel<3, 2>, stride<2, 1>, dilation<1, 2>, pad_begin<2, 0>, pad_end<0, 1>>,
                              shape{2, 9, 8}, layout::nhwc>();
  expect_matrices_match_loops<conv1d<3, 5, stride<3>, pad<2>>, shape{2, 17}, layout::nchw>();
  expect_matrices_match_loops<conv3d<2, 2, pad<1>>, shape{2, 3, 4, 5}, layout::nhwc>();
  // A layer past the table's size: the runs along W instead of the compiler's table.
  expect_matrices_match_loops<conv2d<4, 3>, shape{8, 40, 40}, layout::nchw>();
  expect_matrices_match_loops<conv2d<4, 3, stride<2>, pad<1>>, shape{8, 41, 40}, layout::nhwc>();
}

// Biases only: the same bias gradients as training everything, no input kept for a weight gradient,
// and only the biases move.
TEST(TrainingStep, BiasesOnlyMatchFullTrainingOnTheBiases) {
  using net = sequential<input<2, 8, 8>, conv2d<4, 3, pad<1>>, batch_norm2d<>, relu, max_pool2d<2>, flatten,
                         linear<6>, tanh_activation, linear<3>>;
  using all = training<net, sgd>;
  using biases = training<net, sgd, train_biases>;
  constexpr const auto& p = training_plan_of<net, train_biases>;
  // Kept: the relu's and max pool's inputs (their own derivatives) and the tanh's; not the input (the
  // convolution's), nor the linear layers' inputs, nor batch norm's.
  for (int t = 0; t <= 8; ++t) EXPECT_EQ(p.kept[t], t == 2 || t == 3 || t == 6) << t;
  EXPECT_EQ(p.trained_parameters, 4 + 4 + 6 + 3);  // conv, batch norm (its shift), two linear biases
  // Only the biases get gradient memory (and momentum), not their layers' weights.
  EXPECT_EQ(p.weight_gradient_elements, 4 + 4 + 6 + 3);
  static_assert(biases::gradient_bytes == (4 + 4 + 6 + 3) * 4 && biases::optimizer_bytes == biases::gradient_bytes);
  static net::weights_of<double> w, before;
  std::array<double, net::input_size> x{};
  fill<net>(w, x, 11);
  before = w;
  static all::state<double> s;
  static biases::state<double> b;
  all::zero_gradients(s);
  biases::zero_gradients(b);
  all::accumulate(w, std::span<const double, net::input_size>(x), 2, s);
  biases::accumulate(w, std::span<const double, net::input_size>(x), 2, b);
  EXPECT_EQ((expect_gradients_of_full<biases, all>(b, s, [](const std::string& name) { return name.ends_with(".bias"); })),
            4);
  biases::update(w, b, sgd{0.5f, 0.0f, 0.0f});
  for (const parameter_info& t : parameters_of<net>) {
    bool moved = false;
    for (count_t i = 0; i < t.size; ++i) moved = moved || w.values[t.offset + i] != before.values[t.offset + i];
    EXPECT_EQ(moved, std::string(t.name).ends_with(".bias")) << t.name;
  }
}
