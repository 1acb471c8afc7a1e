// ctnn/analysis/summary.hpp: everything about a network before it runs, as constexpr values.
//
//   constexpr auto& s = ctnn::summary_of<net>;     s.rows[i]: one per layer, blocks before their branches
//   static_assert(net::params == 61706);           totals on the network type: params, macs,
//   static_assert(net::macs == 416520);            weight_bytes, arena_bytes
//   ctnn::print_summary<net>();                    a torchinfo-like table (ctnn/analysis/report.hpp)
//
// Per row: the layer's name, depth and index in its chain, input and output shapes, parameters, MACs,
// receptive field, and the tensor holding its output (whose arena offset is
// memory_plan_of<net>.offset(row.tensor)). All read from the schedule (ctnn/plan/schedule.hpp); the
// receptive field grows through each family's grow_field (ctnn/shapes/<family>.hpp).
#pragma once

#include <array>
#include <cstddef>


#include "ctnn/network.hpp"

CTNN_BEGIN_CONFIG

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

namespace impl {
template <class Node>
constexpr receptive_field grow_node(const receptive_field& f) {
  if constexpr (block_layer<typename Node::type>) {
    return f;  // merges combine their inputs' fields, below
  } else {
    return grow_field(Node::type::params, Node::input_shape, Node::result, f);
  }
}

struct grow_fields {
  using value_type = receptive_field (*)(const receptive_field&);
  static constexpr bool uses_followers = false;
  template <class Node, class N1, class N2, class N3>
  static constexpr value_type of() {
    return &grow_node<Node>;
  }
};

template <class Net>
constexpr auto make_summary() {
  using schedule = schedule_of<Net>;
  constexpr const auto& s = schedule::value;
  constexpr int nodes = s.node_count;
  network_summary<nodes> r;
  std::array<receptive_field, nodes + 1> field{};  // per tensor
  field[0] = input_field(Net::input_shape);
  for (int k = 0; k < nodes; ++k) {
    const schedule_node& n = s.nodes[k];
    if (n.kind != node_kind::layer && n.kind != node_kind::chain) {  // a merge: every branch's field
      field[k + 1] = field[n.inputs[0]];
      for (int i = 1; i < n.input_count; ++i) field[k + 1] = merge_fields(field[k + 1], field[n.inputs[i]]);
    } else {
      field[k + 1] = node_table<schedule, grow_fields>[k](field[n.inputs[0]]);
    }
    layer_summary& row = r.rows[n.row];
    row.name = n.name;
    row.depth = n.depth;
    row.index = n.index;
    row.branch = n.branch;
    row.block = n.kind != node_kind::layer;
    row.input = n.in;
    row.output = n.out;
    row.params = n.params;
    row.buffers = n.buffers;
    row.macs = n.macs;
    row.field = field[k + 1];
    row.tensor = k + 1;
  }
  r.params = Net::params;
  r.buffers = Net::buffers;
  r.macs = Net::macs;
  r.field = field[s.result];
  return r;
}
}  // namespace impl

// Every layer's figures, computed when first used.
template <class Net>
inline constexpr auto summary_of = impl::make_summary<Net>();

CTNN_END_CONFIG
