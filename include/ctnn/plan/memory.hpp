// ctnn/plan/memory.hpp: where every activation lives, decided at compile time.
//
// The network is flattened into steps in execution order (a layer is one step; a residual or concat
// block is its branches' steps followed by one merge step). Each step writes one tensor. A tensor
// lives from the step that writes it to the last step that reads it; tensors whose lifetimes overlap
// get disjoint memory in one arena, placed greedily, largest first (offsets in elements, aligned).
// Element-wise layers write over their input when nothing later reads it; identity, dropout and (in
// NCHW) flatten and reshape alias their input. A chain therefore needs the two largest adjacent
// tensors; a block keeps its input alive until its last branch has read it, and a group of fused
// layers (ctnn/plan/lowering.hpp) until its last layer.
//
//   constexpr auto& plan = ctnn::memory_plan_of<net>;   plan.arena_elements, plan.offset(t), plan.steps[s]
//   ctnn::fused_memory_plan_of<net>                     the plan forward(prepared weights) runs on
#pragma once

#include <array>
#include <cstddef>

#include <boost/mp11/algorithm.hpp>

#include "ctnn/checks/placed.hpp"
#include "ctnn/layers/activation.hpp"
#include "ctnn/layers/batch_norm.hpp"
#include "ctnn/layers/reshape.hpp"
#include "ctnn/plan/lowering.hpp"

namespace ctnn {

// How a step's output may share memory with its input.
enum class storage : int {
  fresh,     // its own buffer
  in_place,  // the input's buffer, when nothing later reads the input
  alias,     // always the input's buffer: the layer moves no data
};

inline constexpr int max_merge_inputs = 16;  // branches of one concat
inline constexpr count_t arena_alignment = 16;  // elements: 64 bytes of float, a cache line

struct plan_step {
  int inputs[max_merge_inputs] = {};
  int input_count = 0;
  int output = 0;  // tensor id; tensor 0 is the network input, tensor s + 1 the output of step s
  storage how = storage::fresh;
  int fused = 0;  // following steps this step's fast kernel also computes (ctnn/plan/lowering.hpp)
};

template <int Steps>
struct memory_plan {
  static constexpr int tensors = Steps + 1;
  std::array<plan_step, Steps> steps{};
  std::array<count_t, tensors> size{};       // elements of each tensor
  std::array<int, tensors> buffer{};         // buffer of each tensor; -1: the caller's input; -2: none, the
                                             // tensor lives inside a fused kernel (fused plans only)
  std::array<int, tensors> last_use{};       // last step that reads each tensor (Steps: the result)
  std::array<count_t, tensors> offsets{};    // element offset of each tensor in the arena
  count_t arena_elements = 0;
  int buffers = 0;

  constexpr count_t offset(int tensor) const { return offsets[tensor]; }
  constexpr bool external(int tensor) const { return buffer[tensor] == -1; }
  constexpr bool stored(int tensor) const { return buffer[tensor] != -2; }
};

// ---- how many steps a layer takes ---------------------------------------------------------------
template <class Layer>
constexpr int step_count();

namespace detail {
template <class Layers>
struct chain_steps;
template <class... L>
struct chain_steps<boost::mp11::mp_list<L...>> {
  static constexpr int value = [] {
    const int counts[sizeof...(L) + 1] = {step_count<L>()..., 0};
    int total = 0;
    for (int c : counts) total += c;
    return total;
  }();
};
template <class Branches>
struct branches_steps;
template <class... B>
struct branches_steps<boost::mp11::mp_list<B...>> {
  static constexpr int value = (0 + ... + chain_steps<typename B::layers>::value);
};
}  // namespace detail

template <class Layer>
constexpr int step_count() {
  if constexpr (detail::is_chain<Layer>) {
    return detail::chain_steps<typename Layer::layers>::value;
  } else if constexpr (requires { typename Layer::branches; }) {
    return detail::branches_steps<typename Layer::branches>::value + 1;  // + the merge
  } else {
    return 1;
  }
}

// The storage policy of an atomic layer in a network of layout L.
template <class Layer, layout L>
constexpr storage storage_of() {
  using P = std::remove_cvref_t<decltype(Layer::params)>;
  if constexpr (std::is_same_v<P, identity::params_t>) {
    return storage::alias;
  } else if constexpr (std::is_same_v<P, activation_params>) {
    return Layer::params.kind == activation_kind::identity ? storage::alias : storage::in_place;
  } else if constexpr (std::is_same_v<P, softmax_params> || std::is_same_v<P, batch_norm_params>) {
    return storage::in_place;
  } else if constexpr (std::is_same_v<P, flatten_params> || std::is_same_v<P, reshape_params>) {
    return L == layout::nchw ? storage::alias : storage::fresh;
  } else {
    return storage::fresh;
  }
}

// ---- building the step list -----------------------------------------------------------------------
namespace detail {
template <int Steps>
struct plan_builder {
  memory_plan<Steps> plan;
  int next_step = 0;

  constexpr int add(const int* inputs, int count, count_t output_size, storage how) {
    plan_step& s = plan.steps[next_step];
    for (int i = 0; i < count; ++i) s.inputs[i] = inputs[i];
    s.input_count = count;
    s.output = next_step + 1;
    s.how = how;
    plan.size[s.output] = output_size;
    ++next_step;
    return s.output;
  }
};

template <class Placed, layout L, int Steps>
constexpr int build_chain(plan_builder<Steps>& b, int input);

template <class Layer, shape In, layout L, int Steps>
constexpr int build_layer(plan_builder<Steps>& b, int input) {
  using placed = placed_layer<Layer, In>;
  if constexpr (is_chain<Layer>) {
    return build_chain<typename placed::template branch<0>, L>(b, input);
  } else if constexpr (requires { typename Layer::branches; }) {
    constexpr std::size_t n = boost::mp11::mp_size<typename Layer::branches>::value;
    static_assert(n <= max_merge_inputs, "ctnn: a concat has more branches than max_merge_inputs");
    int outputs[n] = {};
    [&]<std::size_t... B>(std::index_sequence<B...>) {
      ((outputs[B] = build_chain<typename placed::template branch<B>, L>(b, input)), ...);
    }(std::make_index_sequence<n>{});
    return b.add(outputs, static_cast<int>(n), placed::output_shape.size(),
                 is_residual<Layer> ? storage::in_place : storage::fresh);
  } else {
    return b.add(&input, 1, placed::output_shape.size(), storage_of<Layer, L>());
  }
}

template <class Placed, layout L, int Steps>
constexpr int build_chain(plan_builder<Steps>& b, int input) {
  return [&]<std::size_t... I>(std::index_sequence<I...>) {
    using build = int (*)(plan_builder<Steps>&, int);
    // A table of builders, not a fold: chains may be longer than a fold may expand.
    const build table[sizeof...(I) + 1] = {
        &build_layer<boost::mp11::mp_at_c<typename Placed::layers, I>, Placed::trace.shapes[I], L, Steps>...,
        nullptr};
    const int fused[sizeof...(I) + 1] = {fused_after<Placed, L, I>()..., 0};
    int current = input;
    for (std::size_t i = 0; i != sizeof...(I); ++i) {
      current = table[i](b, current);
      if (fused[i] > 0) b.plan.steps[current - 1].fused = fused[i];  // an atomic layer: step current - 1
    }
    return current;
  }(std::make_index_sequence<Placed::size>{});
}

constexpr count_t align_up(count_t n) { return (n + arena_alignment - 1) / arena_alignment * arena_alignment; }
}  // namespace detail

// ---- liveness and placement -----------------------------------------------------------------------
// Fused: the plan of the fast kernels (prepared weights), where a fused group (plan_step::fused) runs as
// one step: its input lives to the group's end, its inner tensors get no memory, and its output is
// written when the group starts. Otherwise every layer runs on its own (the plain loops).
template <class Placed, layout L, bool Fused = false>
constexpr auto make_memory_plan() {
  constexpr int steps = detail::chain_steps<typename Placed::layers>::value;
  detail::plan_builder<steps> b;
  b.plan.size[0] = Placed::input_shape.size();
  const int result = detail::build_chain<Placed, L>(b, 0);
  memory_plan<steps>& p = b.plan;

  for (int t = 0; t <= steps; ++t) p.last_use[t] = -1;
  for (int s = 0; s < steps; ++s)
    for (int i = 0; i < p.steps[s].input_count; ++i) p.last_use[p.steps[s].inputs[i]] = s;
  p.last_use[result] = steps;  // the result outlives the run
  std::array<bool, steps + 1> inside_group{};
  if constexpr (Fused)
    for (int s = 0; s < steps; ++s) {
      const int in = p.steps[s].inputs[0], group = p.steps[s].fused;
      if (group == 0) continue;
      if (p.last_use[in] < s + group) p.last_use[in] = s + group;  // read until the group's last step
      for (int j = 0; j < group; ++j) inside_group[p.steps[s + j].output] = true;
    }

  // Buffers: tensor -> buffer, each buffer with its size and lifetime [first, last].
  std::array<count_t, steps + 1> buffer_size{};
  std::array<int, steps + 1> first{}, last{};
  p.buffer[0] = -1;
  const auto fresh = [&](int t, int s) {
    p.buffer[t] = p.buffers;
    buffer_size[p.buffers] = detail::align_up(p.size[t]);
    first[p.buffers] = s;
    last[p.buffers] = p.last_use[t];
    ++p.buffers;
  };
  for (int s = 0; s < steps; ++s) {
    const plan_step& st = p.steps[s];
    const int in = st.inputs[0], out = st.output, in_buffer = p.buffer[in];
    const bool is_result = out == result;
    if (inside_group[out]) {
      p.buffer[out] = -2;
      continue;
    }
    if (st.how == storage::alias && in_buffer != -2 && !(is_result && in_buffer < 0)) {
      p.buffer[out] = in_buffer;
    } else if (st.how == storage::in_place && in_buffer >= 0 && last[in_buffer] <= s) {
      p.buffer[out] = in_buffer;
    } else {
      fresh(out, s);
      continue;
    }
    if (p.buffer[out] >= 0 && p.last_use[out] > last[p.buffer[out]]) last[p.buffer[out]] = p.last_use[out];
  }

  // Greedy by size: each buffer at the lowest offset clear of the buffers already placed whose
  // lifetimes overlap its own.
  std::array<int, steps + 1> order{};
  for (int i = 0; i < p.buffers; ++i) order[i] = i;
  for (int i = 1; i < p.buffers; ++i)  // insertion sort, largest first, stable
    for (int j = i; j > 0 && buffer_size[order[j]] > buffer_size[order[j - 1]]; --j) {
      const int tmp = order[j];
      order[j] = order[j - 1];
      order[j - 1] = tmp;
    }
  std::array<count_t, steps + 1> buffer_offset{};
  std::array<bool, steps + 1> placed{};
  for (int k = 0; k < p.buffers; ++k) {
    const int me = order[k];
    count_t candidate = 0;
    for (bool moved = true; moved;) {
      moved = false;
      for (int other = 0; other < p.buffers; ++other) {
        if (!placed[other] || last[other] < first[me] || last[me] < first[other]) continue;
        const bool overlap = candidate < buffer_offset[other] + buffer_size[other] &&
                             buffer_offset[other] < candidate + buffer_size[me];
        if (overlap) {
          candidate = buffer_offset[other] + buffer_size[other];
          moved = true;
        }
      }
    }
    buffer_offset[me] = candidate;
    placed[me] = true;
    if (candidate + buffer_size[me] > p.arena_elements) p.arena_elements = candidate + buffer_size[me];
  }
  for (int t = 0; t <= steps; ++t) p.offsets[t] = p.buffer[t] < 0 ? 0 : buffer_offset[p.buffer[t]];
  return p;
}

}  // namespace ctnn
