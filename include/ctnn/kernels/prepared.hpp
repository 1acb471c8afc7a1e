// ctnn/kernels/prepared.hpp: weights repacked, at compile time or once before running, into the order
// the fast kernels read.
//
//   static net::prepared p;                  // net::prepared_weights_of<float>
//   ctnn::prepare_into(w, p);                // or, for constants: constexpr auto p = ctnn::prepare<net>(w);
//   net::forward(p, x, y, arena);            // the fast kernels; forward(w, ...) runs the plain loops
//
// One flat array, a block per node, each block aligned to 64 bytes: a node the schedule lowers onto a
// fast kernel (ctnn/plan/schedule.hpp) gets its family's packed order (ctnn/kernels/<family>.hpp:
// packed_elements, pack); every other node a copy of its tensors in PyTorch's order. A batch norm the
// schedule fuses after a fast kernel is folded into that kernel's block (its own block is not read).
#pragma once

#include <array>
#include <cstddef>

#include "ctnn/kernels/run.hpp"
#include "ctnn/kernels/target.hpp"
#include "ctnn/plan/weights.hpp"

CTNN_BEGIN_CONFIG

namespace impl {
// Each node's block: its size and how to fill it (a visitor of the schedule, ctnn/plan/schedule.hpp);
// for a fast kernel's block where its output channels are, for a batch norm its per-channel scale and
// shift, so that prepare folds the one into the other.
template <class T>
struct node_packing {
  count_t (*size)(count_t plain) = nullptr;
  void (*pack)(const T* from, T* to, count_t plain) = nullptr;
  packed_channels channels{};
  void (*scale_shift)(const T* tensors, index_t c, T& scale, T& shift) = nullptr;
};

template <class Node, layout L, class T>
constexpr bool packs() {
  if constexpr (block_layer<typename Node::type>) {
    return false;
  } else {
    return lowering_at<Node, L>().fast;
  }
}
template <class Node, layout L, class T>
constexpr count_t block_elements(count_t plain) {
  if constexpr (packs<Node, L, T>()) {
    return packed_elements<Node, L, T>(Node::type::params);
  } else {
    return plain;
  }
}
template <class Node, layout L, class T>
constexpr void pack_block(const T* from, T* to, count_t plain) {
  if constexpr (packs<Node, L, T>()) {
    pack<Node, L>(Node::type::params, from, to);
  } else {
    for (count_t i = 0; i < plain; ++i) to[i] = from[i];
  }
}
template <class Node, layout L, class T>
constexpr void scale_shift_of(const T* tensors, index_t c, T& scale, T& shift) {
  channel_scale_shift<Node, L>(Node::type::params, tensors, c, scale, shift);
}

// y = conv(x; w) a + b = conv(x; w a) + (bias a + b), per output channel c: the block's weights of c
// scaled by a[c], its bias mapped to bias a + b.
template <class T>
constexpr void fold_scale_shift(T* block, const packed_channels& at, const T* tensors,
                                void (*scale_shift)(const T*, index_t, T&, T&)) {
  for (index_t c = 0; c < at.channels; ++c) {
    T scale{}, shift{};
    scale_shift(tensors, c, scale, shift);
    const index_t group = at.group_channels > 0 ? c / at.group_channels : 0, j = c - group * at.group_channels;
    const count_t first = group * at.group_elements + j;
    const count_t end = at.group_channels > 0 ? (group + 1) * at.group_elements : at.weight_elements;
    for (count_t i = first; i < end; i += at.stride) block[i] *= scale;
    T& bias = block[at.weight_elements + count_t{group} * at.stride + j];
    bias = bias * scale + shift;
  }
}

template <layout L, class T>
struct packing_for {
  using value_type = node_packing<T>;
  static constexpr bool uses_followers = false;
  template <class Node, class N1, class N2, class N3>
  static constexpr node_packing<T> of() {
    node_packing<T> r{&block_elements<Node, L, T>, &pack_block<Node, L, T>};
    if constexpr (packs<Node, L, T>()) {
      r.channels = packed_channels_of<Node, L, T>(Node::type::params);
    } else if constexpr (lowering_at<Node, L>().channel_affine) {
      r.scale_shift = &scale_shift_of<Node, L, T>;
    }
    return r;
  }
};

template <class Schedule, layout L, class T>
struct prepared_layout {
  static constexpr const auto& s = Schedule::value;
  static constexpr const auto& tensors = build_parameters<Schedule>::value.tensors;
  static constexpr int nodes = Schedule::value.node_count;
  static constexpr const auto& packing = node_table<Schedule, packing_for<L, T>>;
  // Elements of each node's tensors in PyTorch's order.
  static constexpr auto plain = [] {
    std::array<count_t, nodes + 1> r{};
    const schedule_node* node = s.nodes.data();  // not operator[]: two calls each in a constant expression
    const parameter_tensor* tensor = tensors.data();
    count_t* out = r.data();
    for (int k = 0; k < nodes; ++k)
      for (int t = node[k].first_tensor; t < node[k].first_tensor + node[k].tensor_count; ++t) out[k] += tensor[t].size;
    return r;
  }();
  // Where each node's block starts; offsets[nodes] is the total.
  static constexpr auto offsets = [] {
    std::array<count_t, nodes + 1> r{};
    const auto* pack = packing.data();
    const count_t* elements = plain.data();
    count_t* out = r.data();
    count_t at = 0;
    for (int k = 0; k < nodes; ++k) {
      out[k] = at;
      at += align_up(pack[k].size(elements[k]));
    }
    r[nodes] = at;
    return r;
  }();
};
}  // namespace impl

template <class Net, class T = float>
struct prepared_weights_of {
  using network = Net;
  using value_type = T;
  using layout_type = impl::prepared_layout<schedule_of<Net>, Net::memory_layout, T>;
  static constexpr count_t size = layout_type::offsets[schedule_of<Net>::value.node_count];
  alignas(64) std::array<T, size> values{};
};

// Repacks `w` into `p` (no copy on the stack: large prepared weights live in static storage).
template <class Net, class T>
constexpr void prepare_into(const weights_of<Net, T>& w, prepared_weights_of<Net, T>& p) {
  using layout = typename prepared_weights_of<Net, T>::layout_type;
  constexpr const auto& s = schedule_of<Net>::value;
  for (int k = 0; k < s.node_count; ++k)
    layout::packing[k].pack(w.values.data() + plain_weight_offsets<Net>[k], p.values.data() + layout::offsets[k],
                            layout::plain[k]);
  for (int k = 0; k < s.node_count; ++k)
    if (const int j = k + s.nodes[k].batch_norm; j > k)
      impl::fold_scale_shift(p.values.data() + layout::offsets[k], layout::packing[k].channels,
                             w.values.data() + plain_weight_offsets<Net>[j], layout::packing[j].scale_shift);
}

// The same, returned: for constants (`constexpr auto p = ctnn::prepare<net>(w);`), which the compiler
// places in read-only memory.
template <class Net, class T>
constexpr prepared_weights_of<Net, T> prepare(const weights_of<Net, T>& w) {
  prepared_weights_of<Net, T> p{};
  prepare_into(w, p);
  return p;
}

CTNN_END_CONFIG
