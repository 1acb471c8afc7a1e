// ctnn/plan/memory.hpp: where every activation lives, decided at compile time from the schedule.
//
// Node k writes tensor k + 1. A tensor lives from the node that writes it to the last node that reads
// it; tensors whose lifetimes overlap get disjoint memory in one arena, placed greedily, largest first
// (offsets in elements, aligned). A node whose storage allows it (ctnn/shapes/result.hpp) writes over
// its input when nothing later reads it (in place), or is its input (alias). The network's input is the
// caller's, and so is its output: the nodes that produce the result write straight into the caller's
// output buffer, which is not part of the arena.
//
// Two plans: the plain one runs every node; the fused one (prepared weights) runs a fused group
// (ctnn/plan/schedule.hpp) as one step: its input, and a residual it adds, live to the group's end and
// its inner tensors get no memory, except an inverted bottleneck's expansion, which gets the ring of rows
// its depthwise window reads (expansion_ring: its size in plan.size).
//
//   constexpr auto& plan = ctnn::memory_plan_of<net>;   plan.arena_elements, plan.offsets[t], plan.buffer[t]
//   ctnn::fused_memory_plan_of<net>                     the plan forward(prepared weights) runs on
//
// Placement costs O(N + E + E log E) for N tensors with E overlapping pairs: linear for chains.
#pragma once

#include <array>
#include <cstddef>

#include "ctnn/core/sort.hpp"
#include "ctnn/plan/schedule.hpp"

CTNN_BEGIN_CONFIG

inline constexpr count_t arena_alignment = 16;  // elements: 64 bytes of float, a cache line

// Where a tensor is, besides an arena buffer (>= 0).
inline constexpr int caller_input = -1, not_stored = -2, caller_output = -3;

template <int Nodes>
struct memory_plan {
  static constexpr int tensors = Nodes + 1;
  std::array<count_t, tensors> size{};     // elements of each tensor
  std::array<int, tensors> buffer{};       // arena buffer of each tensor, or caller_input / caller_output /
                                           // not_stored (inside a fused group)
  std::array<int, tensors> last_use{};     // last node that reads each tensor (Nodes: the result)
  std::array<count_t, tensors> offsets{};  // element offset of each tensor in the arena
  count_t arena_elements = 0;
  int buffers = 0;

  constexpr count_t offset(int tensor) const { return offsets[tensor]; }
  constexpr bool stored(int tensor) const { return buffer[tensor] != not_stored; }
  constexpr bool in_arena(int tensor) const { return buffer[tensor] >= 0; }
};

namespace impl {
constexpr count_t align_up(count_t n) { return (n + arena_alignment - 1) / arena_alignment * arena_alignment; }

// Phase 1: which tensors share a buffer, and each buffer's size and lifetime. Buffers are made in node
// order, so their first uses are sorted.
template <int Nodes>
struct buffer_plan {
  memory_plan<Nodes> plan;
  std::array<count_t, Nodes + 1> buffer_size{};
  std::array<int, Nodes + 1> first{}, last{};
  int output_buffer = -1;  // the buffer that is the caller's output
};

// The phases read and write through pointers: in a constant expression each std::array::operator[] is
// two calls in libstdc++, about ten times the cost of the access itself.
template <class Schedule>
constexpr buffer_plan<Schedule::node_count> assign_buffers(const Schedule& s, count_t input_size, bool fused) {
  constexpr int N = Schedule::node_count;
  buffer_plan<N> b;
  memory_plan<N>& p = b.plan;
  const schedule_node* nodes = s.nodes.data();
  count_t* size = p.size.data();
  int* last_use = p.last_use.data();
  int* buffer = p.buffer.data();
  count_t* buffer_size = b.buffer_size.data();
  int* first = b.first.data();
  int* last = b.last.data();
  size[0] = input_size;
  for (int k = 0; k < N; ++k) size[k + 1] = nodes[k].out.size();
  for (int t = 0; t <= N; ++t) last_use[t] = -1;
  for (int k = 0; k < N; ++k)
    for (int i = 0; i < nodes[k].input_count; ++i) last_use[nodes[k].inputs[i]] = k;
  last_use[s.result] = N;  // the result outlives the run
  if (fused)
    for (int k = 0; k < N; ++k) {
      const int group = nodes[k].fused, in = nodes[k].inputs[0], addend = nodes[k].addend;
      if (group > 0 && last_use[in] < k + group) last_use[in] = k + group;  // read until the group's end
      // So is a residual the group adds (then never the group's output's buffer: the kernel adds it
      // after its sums, which it may have kept in the output meanwhile).
      if (addend >= 0 && last_use[addend] < k + group) last_use[addend] = k + group;
    }

  buffer[0] = caller_input;
  std::array<int, N + 1> head_storage{};  // for the last node of a fused group: the group's first node
  int* head = head_storage.data();
  for (int k = 0; k < N; ++k) head[k] = k;
  if (fused)
    for (int k = 0; k < N; ++k)
      if (nodes[k].fused > 0 && !nodes[k].inside_group) {  // (not a group inside an expansion's)
        // The group's inner tensors live in the kernel's registers and tiles; its output is written
        // when the group starts.
        for (int j = 0; j < nodes[k].fused; ++j) buffer[k + 1 + j] = not_stored;
        head[k + nodes[k].fused] = k;
      }
  for (int k = 0; k < N; ++k) {
    const schedule_node& n = nodes[k];
    const int out = k + 1, in = n.inputs[0], in_buffer = buffer[in];
    if (fused && n.inside_group && head[k] == k) continue;  // an inner node of a group
    if (fused && n.fused > 0) {  // a group's head: written by its last node
      if (n.expands > 0) {  // the expansion's rows the depthwise window reads, for the group's time
        const int ring = source_of(nodes, nodes[k + n.expands].inputs[0]);
        size[ring] = expansion_ring(nodes[k + n.expands]);
        buffer[ring] = p.buffers;
        buffer_size[p.buffers] = align_up(size[ring]);
        first[p.buffers] = k;
        last[p.buffers] = k + n.fused;
        ++p.buffers;
      }
      continue;
    }
    const bool is_result = out == s.result;
    // A group that adds a residual writes a buffer of its own: its kernel may keep partial sums in its
    // output before it reads the residual (which the add's input may be).
    const bool adds = fused && head[k] != k && nodes[head[k]].addend >= 0;
    if (!adds && n.how == storage::alias && in_buffer != not_stored && !(is_result && in_buffer == caller_input)) {
      buffer[out] = in_buffer;
    } else if (!adds && n.how == storage::in_place && in_buffer >= 0 && last[in_buffer] <= k) {
      buffer[out] = in_buffer;
    } else {
      buffer[out] = p.buffers;
      buffer_size[p.buffers] = align_up(size[out]);
      first[p.buffers] = head[k];
      last[p.buffers] = last_use[out];
      ++p.buffers;
      continue;
    }
    if (buffer[out] >= 0 && last_use[out] > last[buffer[out]]) last[buffer[out]] = last_use[out];
  }
  b.output_buffer = buffer[s.result];
  return b;
}

// Phase 2: the overlapping pairs. A buffer made later overlaps buffer a exactly when it is made while a
// lives, a run of consecutive buffers after a; each run is stored once per end (CSR).
template <int Nodes>
constexpr int count_overlaps(const buffer_plan<Nodes>& b) {
  const int *first = b.first.data(), *last = b.last.data();
  int pairs = 0;
  for (int a = 0; a < b.plan.buffers; ++a)
    for (int c = a + 1; c < b.plan.buffers && first[c] <= last[a]; ++c) ++pairs;
  return pairs;
}

// Phase 3: placement, largest first, each buffer at the lowest offset clear of the placed buffers it
// overlaps. The caller's output buffer is not placed.
template <int Nodes, int Pairs>
constexpr memory_plan<Nodes> place_buffers(const buffer_plan<Nodes>& b) {
  memory_plan<Nodes> p = b.plan;
  const int n = p.buffers;
  const int *first = b.first.data(), *last = b.last.data();
  const count_t* size = b.buffer_size.data();
  std::array<int, Nodes + 2> start_storage{};  // neighbours of buffer x: neighbour[start[x] .. start[x + 1])
  std::array<int, 2 * Pairs + 1> neighbour_storage{};
  std::array<int, Nodes + 1> filled_storage{}, order_storage{}, busy_storage{};
  std::array<count_t, Nodes + 1> at_storage{};
  std::array<bool, Nodes + 1> placed_storage{};
  int *start = start_storage.data(), *neighbour = neighbour_storage.data(), *filled = filled_storage.data();
  int *order = order_storage.data(), *busy = busy_storage.data();
  count_t* at = at_storage.data();
  bool* placed = placed_storage.data();
  for (int a = 0; a < n; ++a)
    for (int c = a + 1; c < n && first[c] <= last[a]; ++c) {
      ++start[a + 1];
      ++start[c + 1];
    }
  for (int x = 0; x < n; ++x) start[x + 1] += start[x];
  for (int a = 0; a < n; ++a)
    for (int c = a + 1; c < n && first[c] <= last[a]; ++c) {
      neighbour[start[a] + filled[a]++] = c;
      neighbour[start[c] + filled[c]++] = a;
    }

  for (int i = 0; i < n; ++i) order[i] = i;
  sort_indices(order, n, size, /*descending=*/true);  // largest first, ties in order
  for (int i = 0; i < n; ++i) {
    const int me = order[i];
    if (me == b.output_buffer) continue;
    // The placed neighbours' intervals, by offset; the first gap that fits.
    int count = 0;
    for (int j = start[me]; j < start[me + 1]; ++j)
      if (placed[neighbour[j]] && neighbour[j] != b.output_buffer) busy[count++] = neighbour[j];
    sort_indices(busy, count, at, /*descending=*/false);
    count_t candidate = 0;
    for (int j = 0; j < count; ++j) {
      const int other = busy[j];
      if (candidate + size[me] <= at[other]) break;
      if (at[other] + size[other] > candidate) candidate = at[other] + size[other];
    }
    at[me] = candidate;
    placed[me] = true;
    if (candidate + size[me] > p.arena_elements) p.arena_elements = candidate + size[me];
  }
  int* buffer = p.buffer.data();
  count_t* offsets = p.offsets.data();
  for (int t = 0; t <= Nodes; ++t) {
    if (buffer[t] >= 0 && buffer[t] == b.output_buffer) buffer[t] = caller_output;
    offsets[t] = buffer[t] >= 0 ? at[buffer[t]] : 0;
  }
  return p;
}

template <class Schedule, count_t InputSize, bool Fused>
struct plan_phases {
  static constexpr auto buffers = assign_buffers(Schedule::value, InputSize, Fused);
  static constexpr int overlaps = count_overlaps(buffers);
  static constexpr auto value = place_buffers<Schedule::value.node_count, overlaps>(buffers);
};
}  // namespace impl

// The plan of a network's schedule: plain (every node runs) or fused (prepared weights).
template <class Net, bool Fused = false>
inline constexpr const auto& memory_plan_for =
    impl::plan_phases<schedule_of<Net>, Net::input_shape.size(), Fused>::value;

template <class Net>
inline constexpr const auto& memory_plan_of = memory_plan_for<Net, false>;
template <class Net>
inline constexpr const auto& fused_memory_plan_of = memory_plan_for<Net, true>;

CTNN_END_CONFIG
