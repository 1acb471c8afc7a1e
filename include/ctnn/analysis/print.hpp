// ctnn/analysis/print.hpp: prints a network's layers and shapes, branches indented.
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
#include <utility>

#include <boost/mp11/algorithm.hpp>

#include "ctnn/checks/placed.hpp"
#include "ctnn/plan/memory.hpp"

namespace ctnn {

namespace detail {

// One table row, trailing blanks trimmed.
inline void print_row(std::FILE* out, int indent, const char* index, const char* name, const shape& output,
                      const shape& weight, const shape& bias) {
  const auto text = [](const shape& s) { return s.rank == 0 ? shape_text{} : to_text(s); };
  char line[256];
  std::snprintf(line, sizeof line, "%*s%5s  %-*s %-17s %-17s %s", indent, "", index, 22 - indent, name,
                text(output).c_str(), text(weight).c_str(), text(bias).c_str());
  int end = 0;
  while (line[end] != '\0') ++end;
  while (end > 0 && line[end - 1] == ' ') --end;
  line[end] = '\0';
  std::fputs(line, out);
  std::fputc('\n', out);
}

template <class Placed>
void print_chain(std::FILE* out, int depth);

// A chain used as a layer has one branch: it gets no "branch" header.
template <class Placed>
void print_branch(std::FILE* out, int depth, int index, bool with_header) {
  if (with_header) std::fprintf(out, "%*s       branch %d\n", 4 * depth, "", index);
  print_chain<Placed>(out, depth + 1);
}

template <class Layer, shape In>
void print_layer(std::FILE* out, int index, int depth) {
  using placed = placed_layer<Layer, In>;
  char number[16];
  std::snprintf(number, sizeof number, "%d", index);
  print_row(out, 4 * depth, number, Layer::name, placed::output_shape, placed::weight_shape, placed::bias_shape);
  if constexpr (requires { typename Layer::branches; }) {
    constexpr std::size_t branches = boost::mp11::mp_size<typename Layer::branches>::value;
    [&]<std::size_t... B>(std::index_sequence<B...>) {
      (print_branch<typename placed::template branch<B>>(out, depth, static_cast<int>(B), branches > 1), ...);
    }(std::make_index_sequence<branches>{});
  }
}

template <class Placed, std::size_t... I>
void print_rows(std::FILE* out, int depth, std::index_sequence<I...>) {
  using row = void (*)(std::FILE*, int, int);
  // An array of row printers rather than a fold: long networks exceed the compilers' fold limits.
  const row rows[sizeof...(I) + 1] = {
      &print_layer<boost::mp11::mp_at_c<typename Placed::layers, I>, Placed::trace.shapes[I]>..., nullptr};
  for (std::size_t i = 0; i != sizeof...(I); ++i) rows[i](out, static_cast<int>(i), depth);
}

template <class Placed>
void print_chain(std::FILE* out, int depth) {
  print_rows<Placed>(out, depth, std::make_index_sequence<Placed::size>{});
}

}  // namespace detail

template <class Net>
void print_shapes(std::FILE* out = stdout) {
  std::fprintf(out, "%5s  %-22s %-17s %-17s %s\n", "#", "layer", "output", "weight", "bias");
  detail::print_row(out, 0, "", "input", Net::input_shape, shape{}, shape{});
  detail::print_chain<Net>(out, 0);
}

// The memory plan of a network: every step's output tensor, its elements, its offset in the arena,
// the step that last reads it, and how it shares memory.
template <class Plan>
void print_memory_plan(const Plan& plan, std::FILE* out = stdout) {
  std::fprintf(out, "%5s  %-9s %12s %12s %10s\n", "step", "storage", "elements", "offset", "last use");
  for (std::size_t s = 0; s < plan.steps.size(); ++s) {
    const plan_step& st = plan.steps[s];
    const int t = st.output;
    const bool shared = plan.buffer[t] >= 0 && plan.buffer[t] == plan.buffer[st.inputs[0]];
    const char* how = plan.external(t) ? "input" : shared ? (st.how == storage::alias ? "alias" : "in place") : "own";
    std::fprintf(out, "%5d  %-9s %12lld %12lld %10d\n", static_cast<int>(s), how, static_cast<long long>(plan.size[t]),
                 static_cast<long long>(plan.offset(t)), plan.last_use[t]);
  }
  std::fprintf(out, "arena: %lld elements\n", static_cast<long long>(plan.arena_elements));
}

}  // namespace ctnn
