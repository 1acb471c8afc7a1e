// ctnn/analysis/summary.hpp: everything about a network before it runs, as constexpr values.
//
//   constexpr auto& s = ctnn::summary_of<net>;     s.rows[i]: one per layer, blocks before their branches
//   static_assert(net::params == 61706);           totals on the network type: params, macs,
//   static_assert(net::macs == 416520);            weight_bytes, arena_bytes
//   ctnn::print_summary<net>();                    a torchinfo-like table
//   ctnn::write_dot<net>(file);                    Graphviz, shapes on the edges
//
// Per row: the layer's name, depth and index in its chain, input and output shapes, parameters, MACs
// (ctnn/analysis/cost.hpp), receptive field, and the memory plan's tensor for its output (whose arena
// offset is memory_plan_of<net>.offset(row.tensor)). The layer's own parameters are its type's
// `params`: layer_t<net, i>::type::params.
#pragma once

#include <array>
#include <cstddef>
#include <utility>

#include <boost/mp11/algorithm.hpp>

#include "ctnn/analysis/cost.hpp"
#include "ctnn/checks/placed.hpp"
#include "ctnn/plan/memory.hpp"
#include "ctnn/plan/weights.hpp"

namespace ctnn {

struct layer_summary {
  const char* name = "";
  int depth = 0;         // 0 for the network's own layers, +1 inside each block
  int index = 0;         // position in its chain
  int branch = -1;       // for the first layer of a branch: the branch's number
  bool block = false;    // residual / concat / chain: its branches' rows follow
  shape input, output;
  count_t params = 0;    // this layer's own (a block's: its branches' total)
  count_t buffers = 0;   // non-learned numbers (batch norm's running statistics)
  count_t macs = 0;      // this layer's own (a block's: its branches' total)
  receptive_field field;
  int tensor = 0;        // the memory plan's tensor holding the output
};

template <int Rows>
struct network_summary {
  std::array<layer_summary, Rows> rows{};
  count_t params = 0, buffers = 0, macs = 0;
  receptive_field field;  // of the network's output
};

// ---- rows per layer ------------------------------------------------------------------------------
template <class Layer>
constexpr int row_count();

namespace detail {
template <class Layers>
struct chain_rows;
template <class... L>
struct chain_rows<boost::mp11::mp_list<L...>> {
  static constexpr int value = [] {
    const int counts[sizeof...(L) + 1] = {row_count<L>()..., 0};
    int total = 0;
    for (int c : counts) total += c;
    return total;
  }();
};
template <class Branches>
struct branches_rows;
template <class... B>
struct branches_rows<boost::mp11::mp_list<B...>> {
  static constexpr int value = (0 + ... + chain_rows<typename B::layers>::value);
};
}  // namespace detail

template <class Layer>
constexpr int row_count() {
  if constexpr (requires { typename Layer::branches; }) {
    return 1 + detail::branches_rows<typename Layer::branches>::value;
  } else {
    return 1;
  }
}

namespace detail {
template <int Rows>
struct summary_builder {
  network_summary<Rows> s;
  int row = 0;
  int step = 0;  // the memory plan's steps, in the same order (ctnn/plan/memory.hpp)
};

struct chain_totals {
  count_t params = 0, buffers = 0, macs = 0;
  receptive_field field;
};

template <class Placed, int Rows>
constexpr chain_totals summarize_chain(summary_builder<Rows>& b, int depth, int branch, receptive_field field);

template <class Layer, shape In, int Rows>
constexpr chain_totals summarize_layer(summary_builder<Rows>& b, int depth, int index, int branch,
                                       receptive_field field) {
  using placed = placed_layer<Layer, In>;
  layer_summary& row = b.s.rows[b.row++];
  row.name = Layer::name;
  row.depth = depth;
  row.index = index;
  row.branch = branch;
  row.input = In;
  row.output = placed::output_shape;
  chain_totals totals;
  if constexpr (requires { typename Layer::branches; }) {
    row.block = true;
    constexpr std::size_t n = boost::mp11::mp_size<typename Layer::branches>::value;
    bool first = true;
    receptive_field merged;
    [&]<std::size_t... B>(std::index_sequence<B...>) {
      ((
           [&] {
             const chain_totals t = summarize_chain<typename placed::template branch<B>>(
                 b, depth + 1, n > 1 ? static_cast<int>(B) : -1, field);
             totals.params += t.params;
             totals.buffers += t.buffers;
             totals.macs += t.macs;
             merged = first ? t.field : merge_fields(merged, t.field);
             first = false;
           }()),
       ...);
    }(std::make_index_sequence<n>{});
    if constexpr (n == 0) merged = field;
    totals.field = merged;
    if (!is_chain<Layer>) ++b.step;  // the merge
    row.tensor = b.step;             // step s writes tensor s + 1: the latest step's output
  } else {
    const layer_cost c = cost_of(Layer::params, In, placed::result, field);
    totals.params = parameter_elements(placed::weight_shape) + parameter_elements(placed::bias_shape);
    totals.buffers = std::is_same_v<std::remove_cvref_t<decltype(Layer::params)>, batch_norm_params> ? 2 * In[0] : 0;
    totals.macs = c.macs;
    totals.field = c.field;
    row.tensor = ++b.step;
  }
  row.params = totals.params;
  row.buffers = totals.buffers;
  row.macs = totals.macs;
  row.field = totals.field;
  return totals;
}

template <class Placed, int Rows>
constexpr chain_totals summarize_chain(summary_builder<Rows>& b, int depth, int branch, receptive_field field) {
  return [&]<std::size_t... I>(std::index_sequence<I...>) {
    using summarize = chain_totals (*)(summary_builder<Rows>&, int, int, int, receptive_field);
    // A table, not a fold: networks may have more layers than a fold may expand.
    const summarize table[sizeof...(I) + 1] = {
        &summarize_layer<boost::mp11::mp_at_c<typename Placed::layers, I>, Placed::trace.shapes[I], Rows>..., nullptr};
    chain_totals totals;
    totals.field = field;
    for (std::size_t i = 0; i != sizeof...(I); ++i) {
      const chain_totals t = table[i](b, depth, static_cast<int>(i), i == 0 ? branch : -1, totals.field);
      totals.params += t.params;
      totals.buffers += t.buffers;
      totals.macs += t.macs;
      totals.field = t.field;
    }
    return totals;
  }(std::make_index_sequence<Placed::size>{});
}
}  // namespace detail

template <class Placed>
constexpr auto make_summary() {
  constexpr int rows = detail::chain_rows<typename Placed::layers>::value;
  detail::summary_builder<rows> b;
  const detail::chain_totals t = detail::summarize_chain<Placed>(b, 0, -1, input_field(Placed::input_shape));
  b.s.params = t.params;
  b.s.buffers = t.buffers;
  b.s.macs = t.macs;
  b.s.field = t.field;
  return b.s;
}

}  // namespace ctnn
