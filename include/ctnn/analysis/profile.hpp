// ctnn/analysis/profile.hpp: where a forward pass spends its time, kernel call by kernel call. For the
// host (std::chrono, std::vector); not included by ctnn/ctnn.hpp.
//
//   ctnn::print_profile<net>(p, x, y, arena);      prepared weights: the fast kernels, fused layers together
//   ctnn::print_profile<net>(w, x, y, arena, 51);  plain weights, median of 51 runs
//
// Each row is one call of the runner (a layer, a block's merge, or a fast kernel with the layers it
// fuses), its median time over the runs, its share of the sum of medians, for layers with MACs GFLOP/s
// (2 per MAC), and whether forward_parallel's threads share the call or one thread runs it.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <span>
#include <vector>

#include "ctnn/analysis/report.hpp"
#include "ctnn/families.hpp"  // every family's kernels, for a network profiled with only this header

CTNN_BEGIN_CONFIG

template <class Net, class W, class A>
void print_profile(const W& w, std::span<const typename W::value_type, Net::input_size> x,
                   std::span<typename W::value_type, Net::output_size> y, static_arena<A>& arena, int runs = 21,
                   std::FILE* out = stdout) {
  using clock = std::chrono::steady_clock;
  constexpr const auto& schedule = schedule_of<Net>::value;
  constexpr int node_count = schedule.node_count;
  if (runs < 1) runs = 1;
  std::vector<double> seconds(static_cast<std::size_t>(runs) * node_count, -1.0);
  std::vector<int> group(node_count, 0);  // nodes computed by the call at each node (0: not a call)
  Net::forward(w, x, y, arena);           // warm caches and pages
  for (int r = 0; r < runs; ++r) {
    double* row = seconds.data() + static_cast<std::size_t>(r) * node_count;
    auto last = clock::now();
    Net::forward_observed(w, x, y, arena, [&](int node, int nodes) {
      const auto now = clock::now();
      row[node] = std::chrono::duration<double>(now - last).count();
      group[static_cast<std::size_t>(node)] = nodes;
      last = now;
    });
  }
  std::vector<double> median(node_count, 0.0), samples(static_cast<std::size_t>(runs));
  double total = 0;
  for (int k = 0; k < node_count; ++k) {
    if (group[static_cast<std::size_t>(k)] == 0) continue;
    for (int r = 0; r < runs; ++r) samples[static_cast<std::size_t>(r)] = seconds[static_cast<std::size_t>(r) * node_count + k];
    std::nth_element(samples.begin(), samples.begin() + runs / 2, samples.end());
    median[static_cast<std::size_t>(k)] = samples[static_cast<std::size_t>(runs / 2)];
    total += median[static_cast<std::size_t>(k)];
  }
  // Which calls forward_parallel's threads share (ctnn/parallel.hpp); the rest run on one thread.
  constexpr const auto& kernels = kernel_table<schedule_of<Net>, impl::is_prepared<W>, Net::memory_layout, typename W::value_type>;
  std::fprintf(out, "%-5s %-44s %-18s %14s %10s %8s %6s %7s\n", "node", "layer (+ fused)", "output shape", "MACs",
               "time (us)", "GFLOP/s", "share", "threads");
  for (int k = 0; k < node_count; ++k) {
    const int nodes = group[static_cast<std::size_t>(k)];
    if (nodes == 0) continue;
    impl::bounded_text<45> name;
    count_t macs = 0;
    for (int i = k; i < k + nodes; ++i) {
      if (i > k && impl::moves_nothing(schedule.nodes[i])) continue;  // (a chain's end inside a group)
      name.append(i > k ? " + %s" : "%s", schedule.nodes[i].name);
      if (schedule.nodes[i].kind == node_kind::layer) macs += schedule.nodes[i].macs;  // a block's are its branches'
    }
    const double t = median[static_cast<std::size_t>(k)];
    std::fprintf(out, "%-5d %-44s %-18s %14s %10.1f ", k, name.c_str(), to_text(schedule.nodes[k + nodes - 1].out).c_str(),
                 impl::grouped(macs).c_str(), t * 1e6);
    if (macs > 0 && t > 0) {
      std::fprintf(out, "%8.1f", 2.0 * static_cast<double>(macs) / t * 1e-9);
    } else {
      std::fprintf(out, "%8s", "");
    }
    std::fprintf(out, " %5.1f%% %7s\n", total > 0 ? 100.0 * t / total : 0.0, kernels[k].splits ? "shared" : "one");
  }
  std::fprintf(out, "total %.1f us (sum of the calls' medians over %d runs)\n", total * 1e6, runs);
}

CTNN_END_CONFIG
