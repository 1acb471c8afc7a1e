// ctnn/training.hpp: training a network on the device, from the same type: forward keeping what the
// backward pass reads, a loss, the backward pass, an optimizer step. No heap; every byte is a
// compile-time constant.
//
//   using train = ctnn::training<net, ctnn::adam>;            // or sgd, plain_sgd; train_last<2> as a third
//   static_assert(train::arena_bytes <= 64 * 1024);            // activations, gradients, optimizer state
//   static train::state<float> s;                              // exactly that memory
//   float loss = train::step(w, s, ctnn::adam{.learning_rate = 1e-3f}, xs, labels);   // one batch
//
// step() takes net::batch samples (ctnn::input<..., ctnn::batch<N>>) with their labels or targets,
// averages the loss over them as PyTorch's mean reduction does, and updates the weights. The parts, for
// other schedules: train::zero_gradients(s); train::accumulate_batch(w, s, xs, labels) or, a sample at a
// time, train::accumulate(w, x, label, s, scale); train::update(w, s, optimizer);
// Losses: cross-entropy on the logits (softmax fused: the network ends at its last linear layer), given
// a class; mean squared error, given a target. The optimizers are PyTorch's SGD (momentum, weight decay,
// no dampening; plain_sgd: no momentum and no memory for it) and Adam, with their update formulas.
// Batch norm: its running statistics stay frozen (PyTorch's model.eval() while fine-tuning), or, with the
// scope ctnn::with_batch_statistics<...>, it normalizes by each batch's statistics and moves its running
// ones (model.train()); the samples of a step then run together, each with its copy of the arena
// (arena_bytes grows with the batch), and a step goes through step() or accumulate_batch().
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

#include "ctnn/kernels/train.hpp"
#include "ctnn/network.hpp"

CTNN_BEGIN_CONFIG

// PyTorch's torch.optim.SGD(lr, momentum, weight_decay): v = momentum v + (g + weight_decay w); w -= lr v.
struct sgd {
  static constexpr int moments = 1;  // the velocity
  float learning_rate = 0.01f;
  float momentum = 0.0f;
  float weight_decay = 0.0f;
};
// The same without momentum, and without its memory: w -= lr (g + weight_decay w).
struct plain_sgd {
  static constexpr int moments = 0;
  float learning_rate = 0.01f;
  float weight_decay = 0.0f;
};

// PyTorch's torch.optim.Adam(lr, betas, eps, weight_decay): the first and second moments with their bias
// corrections at step t; w -= lr / (1 - beta1^t) m / (sqrt(v) / sqrt(1 - beta2^t) + eps).
struct adam {
  static constexpr int moments = 2;
  float learning_rate = 0.001f;
  float beta1 = 0.9f, beta2 = 0.999f;
  float eps = 1e-8f;
  float weight_decay = 0.0f;
};

// Cross-entropy of the logits y against class `label`, -log softmax(y)[label]; writes scale dL/dy into dy.
// A label outside [0, n) stops the program (no exceptions here, and no output would be right).
template <class T>
constexpr T cross_entropy_loss(const T* y, count_t n, count_t label, T scale, T* dy) {
  if (label < 0 || label >= n) __builtin_trap();
  T largest = y[0];
  for (count_t i = 1; i < n; ++i) largest = y[i] > largest ? y[i] : largest;
  T sum{};
  for (count_t i = 0; i < n; ++i) sum += math::exp(y[i] - largest);
  const T log_sum = math::log(sum);
  for (count_t i = 0; i < n; ++i) dy[i] = scale * (math::exp(y[i] - largest - log_sum) - (i == label ? T(1) : T(0)));
  return log_sum + largest - y[label];
}

// Mean squared error over the n outputs (PyTorch's MSELoss); writes scale dL/dy into dy.
template <class T>
constexpr T mean_squared_error_loss(const T* y, const T* target, count_t n, T scale, T* dy) {
  T sum{};
  for (count_t i = 0; i < n; ++i) {
    const T d = y[i] - target[i];
    sum += d * d;
    dy[i] = scale * T(2) * d / static_cast<T>(n);
  }
  return sum / static_cast<T>(n);
}

// Weights to train from scratch, with the distributions of PyTorch's default initialization: U(-b, b),
// b = 1/sqrt(fan_in), for every weight of rank >= 2 and the bias of its layer (kaiming_uniform with a = sqrt(5));
// 1 for batch norm's weight and running variance, 0.25 for PReLU's slopes, 0 for the rest. The numbers come
// from a seeded generator (splitmix64), the same on every compiler and target, not from PyTorch's.
template <class W>
constexpr void initialize_parameters(W& w, std::uint64_t seed) {
  using Net = typename W::network;
  using T = typename W::value_type;
  constexpr const auto& tensors = parameter_layout_of<Net>::value.tensors;
  constexpr const auto& nodes = schedule_of<Net>::value.nodes;
  const auto next_uniform = [&seed]() {  // in [-1, 1)
    seed += 0x9e3779b97f4a7c15ull;
    std::uint64_t z = seed;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return static_cast<T>(static_cast<double>(z >> 11) * 0x1p-52 - 1.0);
  };
  count_t fan_in = 1;  // of the node's weight, which comes before its bias
  for (const parameter_tensor& t : tensors) {
    T* v = w.values.data() + t.offset;
    const bool weight = same_text(t.suffix, "weight");
    if (weight && t.dims.rank >= 2) fan_in = t.size / t.dims[0];
    if ((weight && t.dims.rank >= 2) || same_text(t.suffix, "bias")) {
      const bool matrix_layer = nodes[t.node].tensor_count > 0 &&
                                tensors[nodes[t.node].first_tensor].dims.rank >= 2;
      const T bound = matrix_layer ? T(1) / math::sqrt(static_cast<T>(fan_in)) : T(0);
      for (count_t i = 0; i < t.size; ++i) v[i] = bound * next_uniform();
    } else {
      const T fill = same_text(t.suffix, "running_var") ? T(1)
                   : weight && same_text(nodes[t.node].name, "prelu") ? T(0.25)
                   : weight                                            ? T(1)
                                                                       : T(0);
      for (count_t i = 0; i < t.size; ++i) v[i] = fill;
    }
  }
}

template <class Net, class Optimizer = sgd, class Scope = train_all>
struct training {
  static_assert(Net::valid, "ctnn::training: the network is invalid (its error is above)");
  static_assert(std::is_same_v<Optimizer, sgd> || std::is_same_v<Optimizer, plain_sgd> || std::is_same_v<Optimizer, adam>,
                "ctnn::training<Net, Optimizer>: the optimizer is ctnn::sgd, ctnn::plain_sgd or ctnn::adam");
  static constexpr const auto& plan = training_plan_of<Net, Scope>;
  static_assert(plan.trained_parameters > 0 || Scope::input_gradient,
                "ctnn::training: nothing to train (no layer with parameters is trained)");
  static constexpr count_t input_size = Net::input_size, output_size = Net::output_size;
  static constexpr index_t batch = Net::batch;
  // Copies of the activations: one per sample when batch norm normalizes over the batch.
  static constexpr index_t samples_in_arena = Scope::batch_statistics ? batch : 1;

  // Everything a step writes besides the weights: activations and their gradients (the plan's arena),
  // the trained layers' weight gradients, the optimizer's moments, the step count (Adam's bias correction).
  template <class T = float>
  struct state {
    alignas(64) std::array<T, samples_in_arena * plan.arena_elements> arena{};
    std::array<T, plan.weight_gradient_elements> gradients{};
    std::array<T, Optimizer::moments * plan.weight_gradient_elements> moments{};
    std::array<T, plan.scratch_elements> scratch{};  // a convolution's matrices, reused layer after layer
    std::array<T, plan.statistics_elements> statistics{};  // with_batch_statistics: the batch's, per channel
    long long steps = 0;
  };
  static constexpr count_t activation_bytes = samples_in_arena * plan.arena_elements * count_t{sizeof(float)};
  static constexpr count_t gradient_bytes = plan.weight_gradient_elements * count_t{sizeof(float)};
  static constexpr count_t optimizer_bytes = Optimizer::moments * gradient_bytes;
  // The training arena of a float network: what a static train::state<float> occupies.
  static constexpr count_t arena_bytes = count_t{sizeof(state<float>)};

  template <class T>
  static constexpr void zero_gradients(state<T>& s) {
    for (T& g : s.gradients) g = T(0);
  }

  // One sample: forward, cross-entropy against `label`, backward; adds scale times its gradients into
  // s.gradients and returns its loss. The network's output is the logits.
  template <class T>
  static constexpr T accumulate(const weights_of<Net, T>& w, std::span<const T, input_size> x, count_t label,
                                state<T>& s, T scale = T(1)) {
    static_assert(!Scope::batch_statistics, "ctnn::training: with batch statistics the samples run together: use step or accumulate_batch");
    static_assert(Net::output_shape.rank == 1, "ctnn::training: cross-entropy takes a network whose output is a vector of logits");
    const training_run<T> r = forward(w, x, s);
    T* dy = r.gradient(result);
    const T loss = cross_entropy_loss(r.value(result), output_size, label, scale, dy);
    run_backward_schedule<Net, Scope>(r);
    return loss;
  }
  // The same with the mean squared error against `target` (the network's layout).
  template <class T>
  static constexpr T accumulate(const weights_of<Net, T>& w, std::span<const T, input_size> x,
                                std::span<const T, output_size> target, state<T>& s, T scale = T(1)) {
    static_assert(!Scope::batch_statistics, "ctnn::training: with batch statistics the samples run together: use step or accumulate_batch");
    const training_run<T> r = forward(w, x, s);
    const T loss = mean_squared_error_loss(r.value(result), target.data(), output_size, scale, r.gradient(result));
    run_backward_schedule<Net, Scope>(r);
    return loss;
  }

  // Forward, then the backward pass from a given gradient of the output (a loss of the caller's own):
  // adds the gradients into s.gradients.
  template <class T>
  static constexpr void backward_from(const weights_of<Net, T>& w, std::span<const T, input_size> x,
                                      std::span<const T, output_size> dy, state<T>& s) {
    static_assert(!Scope::batch_statistics, "ctnn::training: with batch statistics the samples run together: use step or accumulate_batch");
    const training_run<T> r = forward(w, x, s);
    T* g = r.gradient(result);
    for (count_t i = 0; i < output_size; ++i) g[i] = dy[i];
    run_backward_schedule<Net, Scope>(r);
  }

  // The gradient with respect to the input of the last step (Scope = with_input_gradient<...>); with batch
  // statistics, sample b's.
  template <class T>
  static constexpr std::span<const T, input_size> input_gradient(const state<T>& s, index_t b = 0) {
    static_assert(Scope::input_gradient, "ctnn::training: ask for the input's gradient with ctnn::with_input_gradient<Scope>");
    return std::span<const T, input_size>(s.arena.data() + sample_arena(b) + plan.gradient_offset[0], input_size);
  }

  // The optimizer's step on the trained layers' learned tensors, from s.gradients.
  template <class T>
  static constexpr void update(weights_of<Net, T>& w, state<T>& s, const Optimizer& o) {
    ++s.steps;
    constexpr const auto& tensors = parameter_layout_of<Net>::value.tensors;
    [[maybe_unused]] T correction1 = T(1), correction2 = T(1);
    if constexpr (std::is_same_v<Optimizer, adam>) {  // beta^t in double, as PyTorch's Python floats
      const double t = static_cast<double>(s.steps);
      correction1 = static_cast<T>(1.0 - math::exp(t * math::log(static_cast<double>(o.beta1))));
      correction2 = static_cast<T>(math::sqrt(1.0 - math::exp(t * math::log(static_cast<double>(o.beta2)))));
    }
    for (const parameter_tensor& t : tensors) {
      const count_t at = gradient_at(t);
      if (!t.learned || at == no_gradient) continue;
      T* p = w.values.data() + t.offset;
      const T* g = s.gradients.data() + at;
      T* m = Optimizer::moments > 0 ? s.moments.data() + at : nullptr;  // plain_sgd has none
      for (count_t i = 0; i < t.size; ++i) {
        const T gradient = g[i] + static_cast<T>(o.weight_decay) * p[i];
        if constexpr (std::is_same_v<Optimizer, plain_sgd>) {
          p[i] -= static_cast<T>(o.learning_rate) * gradient;
        } else if constexpr (std::is_same_v<Optimizer, sgd>) {
          m[i] = static_cast<T>(o.momentum) * m[i] + gradient;
          p[i] -= static_cast<T>(o.learning_rate) * (o.momentum != 0.0f ? m[i] : gradient);
        } else {
          T* v = m + plan.weight_gradient_elements;
          m[i] = static_cast<T>(o.beta1) * m[i] + (T(1) - static_cast<T>(o.beta1)) * gradient;
          v[i] = static_cast<T>(o.beta2) * v[i] + (T(1) - static_cast<T>(o.beta2)) * gradient * gradient;
          const T denominator = math::sqrt(v[i]) / correction2 + static_cast<T>(o.eps);
          p[i] -= static_cast<T>(o.learning_rate) / correction1 * m[i] / denominator;
        }
      }
    }
  }

  // The batch's forward and backward passes (xs one after another, each in the network's layout): adds the
  // gradient of the mean of their cross-entropies into s.gradients and returns that mean. With batch
  // statistics it also moves batch norm's running statistics in w.
  template <class T>
  static constexpr T accumulate_batch(weights_of<Net, T>& w, state<T>& s, std::span<const T, batch * input_size> xs,
                                      std::span<const count_t, batch> labels) {
    static_assert(Net::output_shape.rank == 1, "ctnn::training: cross-entropy takes a network whose output is a vector of logits");
    return through_batch(w, s, xs, [&](index_t b, const T* y, T scale, T* dy) {
      return cross_entropy_loss(y, output_size, labels[b], scale, dy);
    });
  }
  // The same with the mean squared error against targets (one after another, the network's layout).
  template <class T>
  static constexpr T accumulate_batch(weights_of<Net, T>& w, state<T>& s, std::span<const T, batch * input_size> xs,
                                      std::span<const T, batch * output_size> targets) {
    return through_batch(w, s, xs, [&](index_t b, const T* y, T scale, T* dy) {
      return mean_squared_error_loss(y, targets.data() + count_t{b} * output_size, output_size, scale, dy);
    });
  }

  // One step on a batch of net::batch samples: the mean of their losses (cross-entropy against labels, or
  // mean squared error against targets), its gradient, the optimizer's update. Returns the mean loss.
  template <class T>
  static constexpr T step(weights_of<Net, T>& w, state<T>& s, const Optimizer& o,
                          std::span<const T, batch * input_size> xs, std::span<const count_t, batch> labels) {
    zero_gradients(s);
    const T loss = accumulate_batch(w, s, xs, labels);
    update(w, s, o);
    return loss;
  }
  template <class T>
  static constexpr T step(weights_of<Net, T>& w, state<T>& s, const Optimizer& o,
                          std::span<const T, batch * input_size> xs, std::span<const T, batch * output_size> targets) {
    zero_gradients(s);
    const T loss = accumulate_batch(w, s, xs, targets);
    update(w, s, o);
    return loss;
  }

  // f(name, dims, span of its gradient) for every trained tensor, in state_dict order.
  template <class T, class F>
  static constexpr void for_each_gradient(state<T>& s, F&& f) {
    constexpr const auto& tensors = parameter_layout_of<Net>::value.tensors;
    for (std::size_t i = 0; i < tensors.size(); ++i) {
      const parameter_tensor& t = tensors[i];
      const count_t at = gradient_at(t);
      if (at == no_gradient) continue;
      f(parameters_of<Net>[i].name, t.dims, std::span<T>(s.gradients.data() + at, static_cast<std::size_t>(t.size)));
    }
  }

  // The network's output of the last accumulate (its layout), still in the arena; with batch statistics,
  // sample b's.
  template <class T>
  static constexpr std::span<const T, output_size> output(const state<T>& s, index_t b = 0) {
    return std::span<const T, output_size>(s.arena.data() + sample_arena(b) + plan.value_offset[result], output_size);
  }

 private:
  static constexpr int result = schedule_of<Net>::value.node_count;

  static constexpr count_t sample_arena(index_t b) { return count_t{b} * plan.arena_elements; }
  // Where tensor t's gradient is in state::gradients: in its node's block, or alone (a bias under
  // train_biases); no_gradient when it has none.
  static constexpr count_t gradient_at(const parameter_tensor& t) {
    if (plan.weight_gradient[t.node] != no_gradient)
      return plan.weight_gradient[t.node] + (t.offset - plain_weight_offsets<Net>[t.node]);
    if (t.learned && same_text(t.suffix, "bias")) return plan.bias_gradient[t.node];
    return no_gradient;
  }

  template <class T>
  static constexpr run_state<T> forward_state(const weights_of<Net, T>& w, std::span<const T, input_size> x, state<T>& s) {
    using schedule = schedule_of<Net>;
    return {x.data(), nullptr, s.arena.data(), plan.value_offset.data(), plan.buffer.data(),
            schedule::value.nodes.data(), w.values.data(), plain_weight_offsets<Net>.data()};
  }
  template <class T>
  static constexpr training_run<T> run_of(const weights_of<Net, T>& w, std::span<const T, input_size> x, state<T>& s) {
    using schedule = schedule_of<Net>;
    return {x.data(), s.arena.data(), plan.value_offset.data(), plan.gradient_offset.data(),
            plan.kept.data(), schedule::value.nodes.data(), w.values.data(),
            plain_weight_offsets<Net>.data(), s.gradients.data(), plan.weight_gradient.data(),
            plan.bias_gradient.data(), s.scratch.data()};
  }
  // Every sample through the forward pass, loss(b, y, scale, dy) (scale 1 / batch: PyTorch's mean), the
  // backward pass; one sample after another, or layer by layer together with batch statistics.
  template <class T, class Loss>
  static constexpr T through_batch(weights_of<Net, T>& w, state<T>& s, std::span<const T, batch * input_size> xs,
                                   Loss&& loss) {
    const T scale = T(1) / static_cast<T>(batch);
    const auto sample = [&](index_t b) { return std::span<const T, input_size>(xs.data() + count_t{b} * input_size, input_size); };
    T total{};
    if constexpr (Scope::batch_statistics) {
      const training_run<T> r = run_of(w, sample(0), s);
      run_training_forward_batch<Net, Scope>(forward_state(w, sample(0), s), r, batch, plan.arena_elements,
                                             w.values.data(), s.statistics.data());
      for (index_t b = 0; b < batch; ++b) {
        const training_run<T> one = sample_run<Net>(r, b, plan.arena_elements);
        total += loss(b, one.value(result), scale, one.gradient(result));
      }
      run_backward_batch<Net, Scope>(r, batch, plan.arena_elements, w.values.data(), s.statistics.data());
    } else {
      for (index_t b = 0; b < batch; ++b) {
        const training_run<T> r = forward(w, sample(b), s);
        total += loss(b, r.value(result), scale, r.gradient(result));
        run_backward_schedule<Net, Scope>(r);
      }
    }
    return total / static_cast<T>(batch);
  }

  template <class T>
  static constexpr training_run<T> forward(const weights_of<Net, T>& w, std::span<const T, input_size> x, state<T>& s) {
    const training_run<T> r = run_of(w, x, s);
    run_training_forward_schedule<Net>(forward_state(w, x, s), r);
    return r;
  }
};

CTNN_END_CONFIG
