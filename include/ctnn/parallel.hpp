// ctnn/parallel.hpp: one inference split over several threads.
//
//   ctnn::thread_team team(2);  // the caller's thread and one more, kept between inferences
//   ctnn::forward_parallel<net>(team, prepared_weights, x, y, arena);
//
// On prepared weights the convolution kernels (plain, transposed, depthwise, fused depthwise +
// pointwise) and the linear kernel split their output among the team when a call has at least
// parallel_min_macs multiply-accumulates (ctnn/kernels/run.hpp): rows of the output map, or for small
// maps whole channel or pixel tiles, or blocks of outputs. Every other call runs on the caller's thread
// while the others wait; all meet before and after a shared call. Each output element is computed by
// one thread, in the same order as forward computes it, so the result is bit-identical to forward's. A
// team runs one inference at a time. Not part of ctnn/ctnn.hpp: it needs std::thread, which bare-metal
// targets lack.
#pragma once

#include <atomic>
#include <span>
#include <thread>
#include <vector>

#include "ctnn/ctnn.hpp"

namespace ctnn {

class thread_team {
 public:
  // threads: the caller's thread included (1 runs everything on it); the others start here and wait.
  explicit thread_team(int threads) : size_(threads < 1 ? 1 : threads) {
    for (int i = 1; i < size_; ++i) workers_.emplace_back([this, i] { serve(i); });
  }
  ~thread_team() {
    stopping_.store(true, std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);
    generation_.notify_all();
    for (std::thread& t : workers_) t.join();
  }
  thread_team(const thread_team&) = delete;
  thread_team& operator=(const thread_team&) = delete;

  int size() const { return size_; }

  // Calls job(i) for every i in [0, size()), job(0) on the caller's thread; returns when all have returned.
  template <class Job>
  void run(Job& job) {
    if (size_ == 1) {
      job(0);
      return;
    }
    job_ = &job;
    call_ = [](void* j, int i) { (*static_cast<Job*>(j))(i); };
    pending_.store(size_ - 1, std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);
    generation_.notify_all();
    job(0);
    wait_until([&] { return pending_.load(std::memory_order_acquire) == 0; });
  }

  // Inside a job: returns when every thread of the team has called it as often (what each wrote before
  // is then visible to all).
  void sync() {
    if (size_ == 1) return;
    const unsigned phase = phase_.load(std::memory_order_acquire);
    if (arrived_.fetch_add(1, std::memory_order_acq_rel) == size_ - 1) {
      arrived_.store(0, std::memory_order_relaxed);
      phase_.store(phase + 1, std::memory_order_release);
    } else {
      wait_until([&] { return phase_.load(std::memory_order_acquire) != phase; });
    }
  }

 private:
  // Spins first (a kernel call takes microseconds, and waking a sleeping thread as long), then yields
  // the core to whoever has work (more threads than cores).
  template <class Ready>
  static void wait_until(Ready ready) {
    for (int spin = 0; !ready(); ++spin) {
      if (spin < 4096) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
      } else {
        std::this_thread::yield();
      }
    }
  }

  void serve(int index) {
    unsigned seen = 0;
    for (;;) {
      // Between inferences a worker sleeps on the generation counter instead of spinning.
      for (int spin = 0; spin < 4096 && generation_.load(std::memory_order_acquire) == seen; ++spin) {
      }
      generation_.wait(seen, std::memory_order_acquire);
      seen = generation_.load(std::memory_order_acquire);
      if (stopping_.load(std::memory_order_relaxed)) return;
      call_(job_, index);
      pending_.fetch_sub(1, std::memory_order_release);
    }
  }

  int size_;
  std::vector<std::thread> workers_;
  void* job_ = nullptr;
  void (*call_)(void*, int) = nullptr;
  std::atomic<unsigned> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<int> arrived_{0};
  std::atomic<unsigned> phase_{0};
  std::atomic<bool> stopping_{false};
};

// Net::forward on the team's threads: the same arguments, the same result.
template <class Net, class W, class A>
std::span<typename W::value_type, Net::output_size> forward_parallel(
    thread_team& team, const W& weights, std::span<const typename W::value_type, Net::input_size> x,
    std::span<typename W::value_type, Net::output_size> y, static_arena<A>& arena) {
  // Nothing to share (a small network, or plain weights): the caller's thread alone, without waking the
  // team (a sleeping thread takes microseconds to wake, LeNet-5's whole inference about seven).
  if constexpr (Net::template shared_calls<W>() == 0) {
    return Net::forward(weights, x, y, arena);
  } else {
    auto job = [&](int index) {
      Net::forward_part(weights, x, y, arena, work_part{index, team.size()}, [&] { team.sync(); });
    };
    team.run(job);
    return y;
  }
}

}  // namespace ctnn
