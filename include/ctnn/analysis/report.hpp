// ctnn/analysis/report.hpp: the summary table and the Graphviz graph of a network.
//
//   ctnn::print_summary<net>();    like torchinfo: layer, output shape, parameters, MACs, output bytes,
//                                  receptive field, arena offset (bytes of float), then the totals
//   ctnn::write_dot<net>(file);    `dot -Tsvg` draws it; edges carry the shapes, branches fan out and meet
#pragma once

#include <cstdio>

#include "ctnn/analysis/summary.hpp"

CTNN_BEGIN_CONFIG

namespace impl {
// Text appended into a fixed buffer, cut (never overrun) when it is full.
template <std::size_t Size>
struct bounded_text {
  char text[Size] = {};
  std::size_t length = 0;

  template <class... A>
  void append(const char* format, A... args) {
    if (length + 1 >= Size) return;
    const int wrote = std::snprintf(text + length, Size - length, format, args...);
    if (wrote < 0) return;
    length += static_cast<std::size_t>(wrote) < Size - length ? static_cast<std::size_t>(wrote) : Size - length - 1;
  }
  const char* c_str() const { return text; }
};

// 1234567 -> "1,234,567"
inline bounded_text<32> grouped(count_t v) {
  char digits[32];
  const int n = std::snprintf(digits, sizeof digits, "%lld", static_cast<long long>(v < 0 ? -v : v));
  bounded_text<32> r;
  if (v < 0) r.append("%s", "-");
  for (int i = 0; i < n; ++i) r.append(i > 0 && (n - i) % 3 == 0 ? ",%c" : "%c", digits[i]);
  return r;
}

// "11x11 /4": receptive field size per dim and the jump (stride in input pixels); "all" when the outputs
// see the whole input. Cut at the buffer's end, whatever the numbers.
template <std::size_t Size>
void field_text(const receptive_field& f, bounded_text<Size>& out) {
  if (f.whole_input || f.rank == 0) {
    out.append("%s", "all");
    return;
  }
  for (int i = 0; i < f.rank; ++i) out.append("%s%lld", i ? "x" : "", static_cast<long long>(f.size[i]));
  out.append("%s", " /");
  for (int i = 0; i < f.rank; ++i) {
    if (f.jump_den[i] == 1)
      out.append("%s%lld", i ? "x" : "", static_cast<long long>(f.jump_num[i]));
    else
      out.append("%s%lld/%lld", i ? "x" : "", static_cast<long long>(f.jump_num[i]), static_cast<long long>(f.jump_den[i]));
  }
}
}  // namespace impl

template <class Net>
void print_summary(std::FILE* out = stdout) {
  constexpr auto& s = summary_of<Net>;
  constexpr auto& plan = memory_plan_of<Net>;
  const char* rule = "==================================================================================================================";
  std::fprintf(out, "%-30s %-18s %12s %14s %12s %-16s %s\n%s\n", "Layer", "Output shape", "Params", "MACs",
               "Output bytes", "Receptive field", "Arena offset", rule);
  std::fprintf(out, "%-30s %s\n", "input", to_text(Net::input_shape).c_str());
  for (const layer_summary& row : s.rows) {
    impl::bounded_text<64> name, offset;
    impl::bounded_text<48> field;
    if (row.branch >= 0) std::fprintf(out, "%*s  branch %d\n", 2 * row.depth - 2, "", row.branch);
    name.append("%*s%s", 2 * row.depth, "", row.name);
    impl::field_text(row.field, field);
    if (plan.buffer[row.tensor] == caller_input)
      offset.append("%s", "(input)");
    else if (plan.buffer[row.tensor] == caller_output)
      offset.append("%s", "(output)");
    else
      offset.append("%s", impl::grouped(plan.offset(row.tensor) * count_t(sizeof(float))).c_str());
    std::fprintf(out, "%-30s %-18s %12s %14s %12s %-16s %s\n", name.c_str(), to_text(row.output).c_str(),
                 impl::grouped(row.params).c_str(), impl::grouped(row.macs).c_str(),
                 impl::grouped(row.output.size() * count_t(sizeof(float))).c_str(), field.c_str(), offset.c_str());
  }
  std::fprintf(out, "%s\n", rule);
  std::fprintf(out, "Total params:        %s\n", impl::grouped(Net::params).c_str());
  std::fprintf(out, "Total MACs:          %s\n", impl::grouped(Net::macs).c_str());
  std::fprintf(out, "Weight bytes:        %s (float, batch norm statistics included)\n",
               impl::grouped(Net::weight_bytes).c_str());
  std::fprintf(out, "Activation arena:    %s bytes (peak, static; %s with prepared weights)\n",
               impl::grouped(Net::arena_bytes).c_str(), impl::grouped(Net::prepared_arena_bytes).c_str());
  std::fprintf(out, "Input / output:      %s / %s bytes (the caller's)\n",
               impl::grouped(Net::input_size * count_t(sizeof(float))).c_str(),
               impl::grouped(Net::output_size * count_t(sizeof(float))).c_str());
}

// ---- Graphviz -------------------------------------------------------------------------------------
// One graph node per layer and per merge; a chain used as a layer is only its layers. Each edge leaves
// the node that wrote a tensor and carries that tensor's shape.
template <class Net>
void write_dot(std::FILE* out) {
  constexpr const auto& s = schedule_of<Net>::value;
  std::fprintf(out, "digraph network {\n  rankdir=TB;\n  node [shape=box, fontname=\"monospace\"];\n");
  std::fprintf(out, "  n0 [label=\"input\", shape=plaintext];\n");
  std::array<int, s.node_count + 1> writer{};  // the graph node that wrote each tensor (0: the input)
  std::array<shape, s.node_count + 1> dims{};
  dims[0] = Net::input_shape;
  for (int k = 0; k < s.node_count; ++k) {
    const schedule_node& n = s.nodes[k];
    dims[k + 1] = n.out;
    if (n.kind == node_kind::chain) {
      writer[k + 1] = writer[n.inputs[0]];
      continue;
    }
    const int me = k + 1;
    writer[k + 1] = me;
    std::fprintf(out, "  n%d [label=\"%s\"%s];\n", me, n.name, n.kind == node_kind::layer ? "" : ", shape=ellipse");
    for (int i = 0; i < n.input_count; ++i)
      std::fprintf(out, "  n%d -> n%d [label=\"%s\"];\n", writer[n.inputs[i]], me, to_text(dims[n.inputs[i]]).c_str());
  }
  std::fprintf(out, "  out [label=\"output\", shape=plaintext];\n  n%d -> out [label=\"%s\"];\n}\n", writer[s.result],
               to_text(Net::output_shape).c_str());
}

CTNN_END_CONFIG
