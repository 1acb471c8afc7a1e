// ctnn/analysis/report.hpp: the summary table and the Graphviz graph of a network.
//
//   ctnn::print_summary<net>();    like torchinfo: layer, output shape, parameters, MACs, output bytes,
//                                  receptive field, arena offset (bytes of float), then the totals
//   ctnn::write_dot<net>(file);    `dot -Tsvg` draws it; edges carry the shapes, branches fan out and meet
#pragma once

#include <cstdio>
#include <utility>

#include <boost/mp11/algorithm.hpp>

#include "ctnn/network.hpp"

namespace ctnn {

namespace detail {
// 1234567 -> "1,234,567"
struct number_text {
  char text[32] = {};
};
inline number_text grouped(count_t v) {
  char digits[32];
  const int n = std::snprintf(digits, sizeof digits, "%lld", static_cast<long long>(v < 0 ? -v : v));
  number_text r;
  int at = 0;
  if (v < 0) r.text[at++] = '-';
  for (int i = 0; i < n; ++i) {
    if (i > 0 && (n - i) % 3 == 0) r.text[at++] = ',';
    r.text[at++] = digits[i];
  }
  return r;
}

// "11x11 /4" : receptive field size per dim and the jump (stride in input pixels); "all" when the
// outputs see the whole input.
inline void field_text(const receptive_field& f, char* out, std::size_t size) {
  if (f.whole_input || f.rank == 0) {
    std::snprintf(out, size, "all");
    return;
  }
  int at = 0;
  for (int i = 0; i < f.rank; ++i)
    at += std::snprintf(out + at, size - at, "%s%lld", i ? "x" : "", static_cast<long long>(f.size[i]));
  at += std::snprintf(out + at, size - at, " /");
  for (int i = 0; i < f.rank; ++i) {
    if (f.jump_den[i] == 1)
      at += std::snprintf(out + at, size - at, "%s%lld", i ? "x" : "", static_cast<long long>(f.jump_num[i]));
    else
      at += std::snprintf(out + at, size - at, "%s%lld/%lld", i ? "x" : "", static_cast<long long>(f.jump_num[i]),
                          static_cast<long long>(f.jump_den[i]));
  }
}
}  // namespace detail

template <class Net>
void print_summary(std::FILE* out = stdout) {
  constexpr auto& s = summary_of<Net>;
  constexpr auto& plan = memory_plan_of<Net>;
  const char* rule = "==================================================================================================================";
  std::fprintf(out, "%-30s %-18s %12s %14s %12s %-16s %s\n%s\n", "Layer", "Output shape", "Params", "MACs",
               "Output bytes", "Receptive field", "Arena offset", rule);
  std::fprintf(out, "%-30s %s\n", "input", to_text(Net::input_shape).c_str());
  for (const layer_summary& row : s.rows) {
    char name[64], field[48], offset[40];
    if (row.branch >= 0)
      std::fprintf(out, "%*s  branch %d\n", 2 * row.depth - 2, "", row.branch);
    std::snprintf(name, sizeof name, "%*s%s", 2 * row.depth, "", row.name);
    detail::field_text(row.field, field, sizeof field);
    if (plan.external(row.tensor))
      std::snprintf(offset, sizeof offset, "(input)");
    else
      std::snprintf(offset, sizeof offset, "%s", detail::grouped(plan.offset(row.tensor) * count_t(sizeof(float))).text);
    std::fprintf(out, "%-30s %-18s %12s %14s %12s %-16s %s\n", name, to_text(row.output).c_str(),
                 detail::grouped(row.params).text, detail::grouped(row.macs).text,
                 detail::grouped(row.output.size() * count_t(sizeof(float))).text, field, offset);
  }
  std::fprintf(out, "%s\n", rule);
  std::fprintf(out, "Total params:        %s\n", detail::grouped(Net::params).text);
  std::fprintf(out, "Total MACs:          %s\n", detail::grouped(Net::macs).text);
  std::fprintf(out, "Weight bytes:        %s (float, batch norm statistics included)\n", detail::grouped(Net::weight_bytes).text);
  std::fprintf(out, "Activation arena:    %s bytes (peak, static)\n", detail::grouped(Net::arena_bytes).text);
  std::fprintf(out, "Input / output:      %s / %s bytes\n", detail::grouped(Net::input_size * count_t(sizeof(float))).text,
               detail::grouped(Net::output_size * count_t(sizeof(float))).text);
}

// ---- Graphviz -------------------------------------------------------------------------------------
namespace detail {
template <class Placed>
int dot_chain(std::FILE* out, int& next_node, int from, shape from_shape);

template <class Layer, shape In>
int dot_layer(std::FILE* out, int& next_node, int from) {
  using placed = placed_layer<Layer, In>;
  if constexpr (is_chain<Layer>) {
    return dot_chain<typename placed::template branch<0>>(out, next_node, from, In);
  } else if constexpr (requires { typename Layer::branches; }) {
    constexpr std::size_t n = boost::mp11::mp_size<typename Layer::branches>::value;
    int ends[n + 1] = {};
    [&]<std::size_t... B>(std::index_sequence<B...>) {
      ((ends[B] = dot_chain<typename placed::template branch<B>>(out, next_node, from, In)), ...);
    }(std::make_index_sequence<n>{});
    const int me = next_node++;
    std::fprintf(out, "  n%d [label=\"%s\", shape=ellipse];\n", me, Layer::name);
    [&]<std::size_t... B>(std::index_sequence<B...>) {
      ((std::fprintf(out, "  n%d -> n%d [label=\"%s\"];\n", ends[B], me,
                     to_text(placed::template branch<B>::output_shape).c_str())),
       ...);
    }(std::make_index_sequence<n>{});
    return me;
  } else {
    const int me = next_node++;
    std::fprintf(out, "  n%d [label=\"%s\"];\n", me, Layer::name);
    std::fprintf(out, "  n%d -> n%d [label=\"%s\"];\n", from, me, to_text(In).c_str());
    return me;
  }
}

// The edge into a chain's first layer carries the chain's input shape; an empty chain passes `from` on.
template <class Placed>
int dot_chain(std::FILE* out, int& next_node, int from, shape) {
  return [&]<std::size_t... I>(std::index_sequence<I...>) {
    using draw = int (*)(std::FILE*, int&, int);
    const draw table[sizeof...(I) + 1] = {
        &dot_layer<boost::mp11::mp_at_c<typename Placed::layers, I>, Placed::trace.shapes[I]>..., nullptr};
    int current = from;
    for (std::size_t i = 0; i != sizeof...(I); ++i) current = table[i](out, next_node, current);
    return current;
  }(std::make_index_sequence<Placed::size>{});
}
}  // namespace detail

template <class Net>
void write_dot(std::FILE* out) {
  std::fprintf(out, "digraph network {\n  rankdir=TB;\n  node [shape=box, fontname=\"monospace\"];\n");
  std::fprintf(out, "  n0 [label=\"input\", shape=plaintext];\n");
  int next_node = 1;
  const int last = detail::dot_chain<Net>(out, next_node, 0, Net::input_shape);
  std::fprintf(out, "  out [label=\"output\", shape=plaintext];\n  n%d -> out [label=\"%s\"];\n}\n", last,
               to_text(Net::output_shape).c_str());
}

}  // namespace ctnn
