// ctnn/batch.hpp: a batch of samples through the same network, on several threads.
//
//   std::vector<ctnn::static_arena<net>> arenas(threads);
//   ctnn::forward_batch<net>(weights, inputs, outputs, arenas);   // inputs: N x net::input_size
//
// Each thread runs whole samples with its own arena; the weights are shared (read only). Not part of
// ctnn/ctnn.hpp: it needs std::thread, which bare-metal targets do not have.
#pragma once

#include <cstddef>
#include <span>
#include <thread>
#include <vector>

#include "ctnn/ctnn.hpp"

namespace ctnn {

template <class Net, class W, class T>
void forward_batch(const W& weights, std::span<const T> inputs, std::span<T> outputs,
                   std::span<static_arena<Net, T>> arenas) {
  const std::size_t samples = inputs.size() / Net::input_size;
  const std::size_t threads = arenas.size() < samples ? arenas.size() : samples;
  const auto work = [&](std::size_t t) {
    for (std::size_t s = t; s < samples; s += threads) {
      const std::span<const T, Net::input_size> x(inputs.data() + s * Net::input_size, Net::input_size);
      const auto y = Net::forward(weights, x, arenas[t]);
      for (std::size_t i = 0; i < Net::output_size; ++i) outputs[s * Net::output_size + i] = y[i];
    }
  };
  if (threads <= 1) {
    work(0);
    return;
  }
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(work, t);
  work(0);
  for (std::thread& thread : pool) thread.join();
}

}  // namespace ctnn
