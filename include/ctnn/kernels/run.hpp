// ctnn/kernels/run.hpp: runs a network's schedule, node after node, on its memory plan.
//
// Each node is one function of a table built once from the schedule's node types; the function is keyed
// by the layer and its input shape only (not by its position), so a network of 500 identical layers
// compiles one kernel, and the node's tensors come from the plan at run time. A layer family provides,
// in ctnn/kernels/<family>.hpp, found by argument-dependent lookup on its parameter struct:
//   run_plain<Node, L>(params, x, w, y)               the plain loops on weights in PyTorch's order
//   packed_elements<Node, L, T>(params)               the size of its prepared weights  } fast kernels
//   pack<Node, L>(params, plain, packed)              PyTorch's order -> the kernel's   } only
//   run_fast<Node, L, A>(params, x, packed, y)        the fast kernel, activation A applied as it stores
// and a depthwise family run_fast_pointwise for the depthwise + pointwise pass (with a residual's sum
// where the schedule merged one); a family whose lowering says adds_in_store,
// run_fast_adding<Node, L>(params, x, packed, y, part, sum): the fast kernel with a residual added to its
// output and clamped as it stores (a residual add the schedule merged into it).
// Node is the layer placed at its input (placed_layer): Node::type::params, Node::input_shape,
// Node::result. A fast kernel that also takes a work_part after y computes that share of its output
// when threads split one inference (ctnn/parallel.hpp); every other call runs whole in part 0.
#pragma once

#include <cstddef>
#include <type_traits>
#include <utility>

#include <boost/mp11/algorithm.hpp>

#include "ctnn/kernels/activation.hpp"
#include "ctnn/kernels/merge.hpp"
#include "ctnn/kernels/target.hpp"
#include "ctnn/plan/memory.hpp"

CTNN_BEGIN_CONFIG

template <class T>
struct run_state;
template <class T>
using node_function = void (*)(const run_state<T>&, int);
// An expansion group (node k, a pointwise convolution's) writing row `row` of its output at `to`; and a
// depthwise + pointwise group (node k) run on such rows, computed into `ring` as its window reaches
// them (the schedule's fuse_expansions).
template <class T>
using row_function = void (*)(const run_state<T>&, int k, index_t row, T* to);
template <class T>
using from_rows_function = void (*)(const run_state<T>&, int k, row_function<T> rows, int rows_node, work_part part,
                                    T* ring);

// What runs a node: its function, and whether the threads of one inference share it; for the groups an
// inverted bottleneck joins, the functions above.
template <class T>
struct node_kernel {
  node_function<T> run = nullptr;
  bool splits = false;
  row_function<T> rows = nullptr;
  from_rows_function<T> from_rows = nullptr;
};

template <class T>
struct run_state {
  const T* input;                  // the caller's input
  T* output;                       // the caller's output
  T* arena;
  const count_t* offsets;          // the plan's tensor offsets
  const int* buffers;              // the plan's tensor buffers
  const schedule_node* nodes;
  const T* weights;                // plain or prepared
  const count_t* weight_offsets;   // where each node's weights start
  work_part part{};                // this thread's share of the shared calls (ctnn/parallel.hpp)
  const node_kernel<T>* kernels = nullptr;  // each node's (run_schedule's table)

  constexpr const T* read(int tensor) const {
    const int b = buffers[tensor];
    return b == caller_input ? input : b == caller_output ? output : arena + offsets[tensor];
  }
  // Where node k's output goes. A node whose output is the caller's input is an alias of it, which
  // compares equal to its input and moves nothing; the plan gives no other node that buffer.
  constexpr T* write(int tensor) const {
    const int b = buffers[tensor];
    if (b == not_stored) __builtin_trap();  // a fused group's inner tensor: no node may write it
    return b == caller_input ? const_cast<T*>(input) : b == caller_output ? output : arena + offsets[tensor];
  }
  constexpr const T* weights_of(int node) const { return weights + weight_offsets[node]; }
};

namespace impl {
// A block's merge: residual add, product, concat along the channels, or (a chain used as a layer) nothing, its
// output being its last layer's.
template <class Node, layout L, class T, std::size_t... B>
constexpr void run_merge(const run_state<T>& s, int k, std::index_sequence<B...>) {
  using Block = typename Node::type;
  const schedule_node& n = s.nodes[k];
  T* y = s.write(k + 1);
  if constexpr (Block::kind == block_kind::add) {
    add_forward<Node::output_shape.size()>(s.read(n.inputs[0]), s.read(n.inputs[1]), y);
  } else if constexpr (Block::kind == block_kind::multiply) {
    multiply_forward<Node::template branch<0>::output_shape, Node::template branch<1>::output_shape, L>(
        s.read(n.inputs[0]), s.read(n.inputs[1]), y);
  } else if constexpr (Block::kind == block_kind::unpool) {  // the pool family's merge, found by its parameters
    merge_forward<Node, L>(Block::params, s.read(n.inputs[0]), s.read(n.inputs[1]), y);
  } else if constexpr (Block::kind == block_kind::concat) {
    index_t first = 0;
    ((concat_part<Node::template branch<B>::output_shape, Node::output_shape, L>(s.read(n.inputs[B]), first, y),
      first += Node::template branch<B>::output_shape[0]),
     ...);
  } else {
    copy_forward<Node::output_shape.size()>(s.read(n.inputs[0]), y);
  }
}

template <class Node, layout L, class T>
constexpr void run_node(const run_state<T>& s, int k) {
  using Layer = typename Node::type;
  if (s.part.index != 0) return;  // plain loops and merges: one thread
  if constexpr (block_layer<Layer>) {
    run_merge<Node, L>(s, k, std::make_index_sequence<boost::mp11::mp_size<typename Layer::branches>::value>{});
  } else {
    const T* x = s.read(s.nodes[k].inputs[0]);
    T* y = s.write(k + 1);
    if (x == y && s.nodes[k].how == storage::alias) return;  // the output is the input: nothing moves
    run_plain<Node, L>(Layer::params, x, s.weights_of(k), y);
  }
}

// The activation fused after a fast kernel: node F's, or none (also for a pointwise convolution, which
// fused_group names here in the branch of the ternary it does not take).
template <class F>
constexpr activation_params activation_of() {
  if constexpr (std::is_void_v<F>) {
    return no_activation;
  } else if constexpr (std::is_same_v<std::remove_cvref_t<decltype(F::type::params)>, activation_params>) {
    return F::type::params;
  } else {
    return no_activation;
  }
}

// Whether Node's fast kernel (activation A) computes a share of its output given a work_part.
template <class Node, layout L, activation_params A, class T>
concept splits_output = requires(const T* x, T* y, work_part part) {
  run_fast<Node, L, A>(Node::type::params, x, x, y, part);
};

// A kernel call splits among threads (ctnn/parallel.hpp) only past this many multiply-accumulates: the
// barrier before and after it costs about a microsecond on 2 cores, which a smaller call does not win
// back (LeNet-5 ran 2x slower on 2 threads with every kernel split).
inline constexpr count_t parallel_min_macs = 400000;

// A fused group with prepared weights: Node's fast kernel and the layers it also computes. Group is the
// layers' types after it (the flattening's followers), as many as fusion takes (padded with void);
// Pointwise the position of a pointwise convolution among them (0: none). Nodes are the schedule's: the
// group's last node and the pointwise one (chain ends between layers are nodes too).
template <class Node, layout L, class T, int Pointwise, class... Group>
struct fused_group {
  using after = boost::mp11::mp_list<Group..., void, void, void>;
  // The activation follows the layer or the batch norm folded into its weights.
  static constexpr activation_params first = activation_of<boost::mp11::mp_at_c<after, 0>>();
  static constexpr activation_params a =
      first.kind != activation_kind::identity ? first : activation_of<boost::mp11::mp_at_c<after, 1>>();
  static constexpr count_t macs = [] {
    if constexpr (Pointwise == 0) {
      return Node::result.macs;
    } else {
      return Node::result.macs + boost::mp11::mp_at_c<after, Pointwise - 1>::result.macs;
    }
  }();
  // Whether its threads share the call: a kernel that takes a work_part, with enough work.
  static constexpr bool splits = (Pointwise != 0 || splits_output<Node, L, a, T>) && macs >= parallel_min_macs;

  // What fuse_expansions (ctnn/plan/schedule.hpp) may ask of the group: to be an inverted bottleneck's
  // expansion (a pointwise convolution's, computing rows of its output), or its depthwise + pointwise pass
  // on those rows.
  static constexpr bool expands = Pointwise == 0 && L == layout::nhwc && lowering_at<Node, L>().pointwise &&
                                  Node::input_shape.rank == 3;
  static constexpr bool reads_rows = Pointwise != 0 && L == layout::nhwc && lowering_at<Node, L>().window_rows > 0;

  static constexpr void run(const run_state<T>& s, int k) {
    const work_part part = splits ? s.part : work_part{};
    if (!splits && s.part.index != 0) return;
    const schedule_node& n = s.nodes[k];
    if constexpr (expands) {
      if (n.expands > 0) {  // the depthwise + pointwise group runs, asking this one for its rows
        const int d = k + n.expands;
        // (As the types allow; g++-12 cannot compare a function pointer with null in a constant expression,
        // where a call through null fails to compile anyway.)
        if (!std::is_constant_evaluated() && (s.kernels[k].rows == nullptr || s.kernels[d].from_rows == nullptr))
          __builtin_trap();
        s.kernels[d].from_rows(s, d, s.kernels[k].rows, k, part, s.write(source_of(s.nodes, s.nodes[d].inputs[0])));
        return;
      }
    }
    const T* x = s.read(n.inputs[0]);
    T* y = s.write(k + 1 + n.fused);  // the group's last node's output (past a residual add it ends with)
    // (Where the schedule can ask it: a kernel that adds as it stores, a group with no activation of its
    // own; the kernel that adds is then run_fast's own instantiation, so that no group's code doubles.)
    if constexpr (Pointwise == 0 && a.kind == activation_kind::identity && lowering_at<Node, L>().adds_in_store) {
      if (n.addend >= 0) {
        run_fast_adding<Node, L>(Node::type::params, x, s.weights_of(k), y, part, residual_of(s, k));
        return;
      }
    }
    if constexpr (Pointwise == 0) {
      if constexpr (splits_output<Node, L, a, T>) {
        run_fast<Node, L, a>(Node::type::params, x, s.weights_of(k), y, part);
      } else {
        run_fast<Node, L, a>(Node::type::params, x, s.weights_of(k), y);
      }
    } else {
      pointwise_pass(s, k, part, y, x);
    }
  }
  // The depthwise + pointwise pass on `input`: the depthwise's input tensor, or an expansion's rows.
  template <class Input>
  static constexpr void pointwise_pass(const run_state<T>& s, int k, work_part part, T* y, const Input& input) {
    using pointwise = boost::mp11::mp_at_c<after, Pointwise - 1>;
    // The activation between the two (after the depthwise's batch norm if any), and after the pointwise
    // (none after a batch norm folded into it).
    constexpr activation_params a1 = Pointwise == 1 ? no_activation : a;
    constexpr activation_params a2 = activation_of<boost::mp11::mp_at_c<after, Pointwise>>();
    const T* pointwise_weights = s.weights_of(k + s.nodes[k].pointwise);
    if constexpr (a2.kind == activation_kind::identity && lowering_at<pointwise, L>().adds_in_store) {
      if (s.nodes[k].addend >= 0) {
        const residual_sum<T> sum = residual_of(s, k);
        run_fast_pointwise<Node, pointwise, L, a1, a2>(Node::type::params, input, s.weights_of(k), pointwise_weights, y,
                                                       part, &sum);
        return;
      }
    }
    run_fast_pointwise<Node, pointwise, L, a1, a2>(Node::type::params, input, s.weights_of(k), pointwise_weights, y, part);
  }
  // Row `row` of this expansion group's output at `to`.
  static constexpr void rows(const run_state<T>& s, int k, index_t row, T* to) {
    if constexpr (expands)
      run_fast_row<Node, L, a>(Node::type::params, s.read(s.nodes[k].inputs[0]), s.weights_of(k), row, to);
  }

  // This depthwise + pointwise group on the rows of the expansion group at node rows_node, kept in `ring`
  // (the arena's; a helper thread's share keeps its own on its stack). The group's output is the
  // expansion's group's.
  static constexpr void from_rows(const run_state<T>& s, int k, row_function<T> produce_row, int rows_node,
                                  work_part part, T* ring) {
    if constexpr (reads_rows) {
      if (part.index != 0) {
        on_own_ring(s, k, produce_row, rows_node, part);
      } else {
        on_rows(s, k, produce_row, rows_node, part, ring);
      }
    }
  }
  // (Apart, so that part 0's call, the only one on a target without threads, reserves no stack for it.)
  [[gnu::noinline]] static void on_own_ring(const run_state<T>& s, int k, row_function<T> produce_row, int rows_node,
                                            work_part part) {
    T ring[lowering_at<Node, L>().window_rows * count_t{Node::input_shape[2]} * Node::input_shape[0]];
    on_rows(s, k, produce_row, rows_node, part, ring);
  }
  static constexpr void on_rows(const run_state<T>& s, int k, row_function<T> produce_row, int rows_node,
                                work_part part, T* ring) {
    const auto produce = [&](index_t row, T* to) { produce_row(s, rows_node, row, to); };
    pointwise_pass(s, k, part, s.write(rows_node + 1 + s.nodes[rows_node].fused),
                   expansion_rows<T, decltype(produce)>{produce, ring});
  }

  // The residual the group adds as it stores, clamped as the add (unbounded) or the clamp after it says.
  static constexpr residual_sum<T> residual_of(const run_state<T>& s, int k) {
    const lowering& clamp = s.nodes[k + s.nodes[k].fused].lower;
    return {s.read(s.nodes[k].addend), static_cast<T>(clamp.low), static_cast<T>(clamp.high)};
  }
};

// The kernel of each node (a visitor of the schedule, ctnn/plan/schedule.hpp), keyed by its type and
// the types of the layers its fast kernel fuses.
// Expansions: whether the schedule runs an inverted bottleneck in one pass (kernel_table below); only then
// do its groups compile the functions that pass calls, code a microcontroller's flash would carry unused.
template <bool Prepared, layout L, class T, bool Expansions = false>
struct kernel_for {
  using value_type = node_kernel<T>;
  static constexpr bool uses_followers = Prepared;
  // FeedsDepthwise: a depthwise convolution among the layer's three followers, which fuse_expansions
  // may make the group's reader (so that no other pointwise group compiles a row kernel).
  template <class Group, bool FeedsDepthwise = false>
  static constexpr node_kernel<T> group() {
    node_kernel<T> r{&Group::run, Group::splits};
    if constexpr (Expansions && Group::expands && FeedsDepthwise) r.rows = &Group::rows;
    if constexpr (Expansions && Group::reads_rows) r.from_rows = &Group::from_rows;
    return r;
  }
  template <class Node, class N1, class N2, class N3>
  static constexpr node_kernel<T> of() {
    if constexpr (!Prepared || block_layer<typename Node::type> || !lowering_at<Node, L>().fast) {
      return {&run_node<Node, L, T>, false};  // with prepared weights: the plain loops on a copy of its weights
    } else {
      constexpr fusion f = fusion_of<L, Node, N1, N2, N3>();
      constexpr bool feeds = lowering_at<N1, L>().window_rows > 0 || lowering_at<N2, L>().window_rows > 0 ||
                             lowering_at<N3, L>().window_rows > 0;
      if constexpr (f.fused == 0) {
        return group<fused_group<Node, L, T, 0>, feeds>();
      } else if constexpr (f.fused == 1) {
        return group<fused_group<Node, L, T, f.pointwise, N1>, feeds>();
      } else if constexpr (f.fused == 2) {
        return group<fused_group<Node, L, T, f.pointwise, N1, N2>, feeds>();
      } else {
        return group<fused_group<Node, L, T, f.pointwise, N1, N2, N3>, feeds>();
      }
    }
  }
};
}  // namespace impl

// Whether a schedule runs an inverted bottleneck in one pass (fuse_expansions).
template <class Schedule>
inline constexpr bool runs_expansions = [] {
  for (int k = 0; k < Schedule::value.node_count; ++k)
    if (Schedule::value.nodes[k].expands > 0) return true;
  return false;
}();
// The kernel of each node of a schedule, on prepared weights or plain ones.
template <class Schedule, bool Prepared, layout L, class T>
inline constexpr const auto& kernel_table =
    node_table<Schedule, impl::kernel_for<Prepared, L, T, Prepared && runs_expansions<Schedule>>>;

// What run_schedule tells after each call: nothing (forward), or the node and how many it computed
// (a profile, ctnn/analysis/profile.hpp).
struct no_observer {
  constexpr void operator()(int, int) const {}
};

struct no_sync {
  constexpr void operator()() const {}
};

// Runs every node of the schedule in order; with prepared weights a fused group is one call. With
// threads sharing the run (s.part.count > 1), sync() is the barrier between a call they share and its
// neighbours: after a call when it or the next is shared. Calls on one thread in a row need none.
template <class Schedule, bool Prepared, layout L, class T, class Observer = no_observer, class Sync = no_sync>
constexpr void run_schedule(const run_state<T>& s, Observer&& observe = {}, Sync&& sync = {}) {
  constexpr const auto& table = kernel_table<Schedule, Prepared, L, T>;
  run_state<T> with_kernels = s;
  with_kernels.kernels = table.data();
  for (int k = 0; k < Schedule::value.node_count;) {
    const int nodes = 1 + (Prepared ? s.nodes[k].fused : 0);
    table[k].run(with_kernels, k);
    observe(k, nodes);
    if (s.part.count > 1 && (table[k].splits || (k + nodes < Schedule::value.node_count && table[k + nodes].splits)))
      sync();
    k += nodes;
  }
}

CTNN_END_CONFIG
