// ctnn/batch.hpp: a batch of samples through the same network, on several threads.
//
//   std::vector<ctnn::static_arena<net::prepared>> arenas(threads);
//   ctnn::batch_status s = ctnn::forward_batch<net>(weights, inputs, outputs, arenas);
//
// or, on memory the caller placed, a span of byte spans (std::span<std::byte, net::arena_bytes>), one
// per thread. inputs holds whole samples (N x net::input_size), outputs exactly N x net::output_size.
// Each thread runs whole samples with its own arena; the weights are shared (read only). Bad spans are
// refused before anything is written. Not part of ctnn/ctnn.hpp: it needs std::thread, which bare-metal
// targets lack.
#pragma once

#include <cstddef>
#include <span>
#include <thread>
#include <vector>

#include "ctnn/ctnn.hpp"

namespace ctnn {

enum class batch_status : int {
  ok,
  no_arenas,             // no arena given: nothing to run on
  partial_sample,        // inputs.size() is not a whole number of samples
  output_size_mismatch,  // outputs.size() is not samples x output_size
};

// arenas: one per thread, static_arena<A>s or spans of the caller's bytes (std::span<std::byte, Bytes>),
// each checked by forward as for one sample.
template <class Net, class W, class Arena>
batch_status forward_batch(const W& weights, std::span<const typename W::value_type> inputs,
                           std::span<typename W::value_type> outputs, std::span<Arena> arenas) {
  using T = typename W::value_type;
  constexpr std::size_t in = Net::input_size, out = Net::output_size;
  if (arenas.empty()) return batch_status::no_arenas;
  if (inputs.size() % in != 0) return batch_status::partial_sample;
  const std::size_t samples = inputs.size() / in;
  if (outputs.size() != samples * out) return batch_status::output_size_mismatch;
  const std::size_t threads = arenas.size() < samples ? arenas.size() : samples;
  const auto work = [&](std::size_t t) {
    for (std::size_t s = t; s < samples; s += threads)
      Net::forward(weights, std::span<const T, in>(inputs.data() + s * in, in), std::span<T, out>(outputs.data() + s * out, out),
                   arenas[t]);
  };
  if (threads <= 1) {
    if (samples > 0) work(0);
    return batch_status::ok;
  }
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(work, t);
  work(0);
  for (std::thread& thread : pool) thread.join();
  return batch_status::ok;
}

}  // namespace ctnn
