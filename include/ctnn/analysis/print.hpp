// ctnn/analysis/print.hpp: prints a network's layers and shapes, branches indented, and its memory plan.
//
//   ctnn::print_shapes<lenet>();
//
//       #  layer              output            weight            bias
//          input              [1, 32, 32]
//       0  conv2d             [6, 28, 28]       [6, 1, 5, 5]      [6]
//   ...
// Writes with std::fputs, so it runs where there is no iostream.
#pragma once

#include <cstdio>

#include "ctnn/core/text.hpp"
#include "ctnn/network.hpp"

CTNN_BEGIN_CONFIG

namespace impl {

// One table row, trailing blanks trimmed.
inline void print_row(std::FILE* out, int indent, const char* index, const char* name, const shape& output,
                      const shape& weight, const shape& bias) {
  const auto text = [](const shape& s) { return s.rank == 0 ? shape_text{} : to_text(s); };
  char line[512];  // room for the longest name and three shapes of six dims
  std::snprintf(line, sizeof line, "%*s%5s  %-*s %-17s %-17s %s", indent, "", index, 22 - indent, name,
                text(output).c_str(), text(weight).c_str(), text(bias).c_str());
  int end = 0;
  while (line[end] != '\0') ++end;
  while (end > 0 && line[end - 1] == ' ') --end;
  line[end] = '\0';
  std::fputs(line, out);
  std::fputc('\n', out);
}

// The nodes in summary order: a block before its branches.
template <int N>
constexpr std::array<int, N + 1> rows_in_order(const schedule<N>& s) {
  std::array<int, N + 1> order{};
  for (int k = 0; k < N; ++k) order[s.nodes[k].row] = k;
  return order;
}

// A node's tensor with this suffix, or a rank-0 shape.
template <class Net>
constexpr shape tensor_shape(int node, const char* suffix) {
  constexpr const auto& s = schedule_of<Net>::value;
  constexpr const auto& tensors = parameter_layout_of<Net>::value.tensors;
  for (int t = s.nodes[node].first_tensor; t < s.nodes[node].first_tensor + s.nodes[node].tensor_count; ++t)
    if (same_text(tensors[t].suffix, suffix)) return tensors[t].dims;
  return {};
}

}  // namespace impl

template <class Net>
void print_shapes(std::FILE* out = stdout) {
  constexpr const auto& s = schedule_of<Net>::value;
  constexpr auto order = impl::rows_in_order(s);
  std::fprintf(out, "%5s  %-22s %-17s %-17s %s\n", "#", "layer", "output", "weight", "bias");
  impl::print_row(out, 0, "", "input", Net::input_shape, shape{}, shape{});
  for (int row = 0; row < s.node_count; ++row) {
    const int k = order[row];
    const schedule_node& n = s.nodes[k];
    if (n.branch >= 0) std::fprintf(out, "%*s       branch %d\n", 4 * (n.depth - 1), "", n.branch);
    char number[16];
    std::snprintf(number, sizeof number, "%d", n.index);
    impl::print_row(out, 4 * n.depth, number, n.name, n.out, impl::tensor_shape<Net>(k, "weight"),
                      impl::tensor_shape<Net>(k, "bias"));
  }
}

// A memory plan: every node's output tensor, its elements, where it lives, the node that last reads
// it, and how it shares memory.
template <class Plan>
void print_memory_plan(const Plan& plan, std::FILE* out = stdout) {
  std::fprintf(out, "%5s  %-9s %12s %12s %10s\n", "node", "storage", "elements", "offset", "last use");
  for (int t = 1; t < Plan::tensors; ++t) {
    const int b = plan.buffer[t];
    const bool shared = b >= 0 && b == plan.buffer[t - 1];
    const char* where = b == caller_output ? "output" : b == caller_input ? "input" : b == not_stored ? "fused" : shared ? "shared" : "own";
    std::fprintf(out, "%5d  %-9s %12lld %12lld %10d\n", t - 1, where, static_cast<long long>(plan.size[t]),
                 static_cast<long long>(plan.in_arena(t) ? plan.offset(t) : 0), plan.last_use[t]);
  }
  std::fprintf(out, "arena: %lld elements\n", static_cast<long long>(plan.arena_elements));
}

CTNN_END_CONFIG
