// ctnn/plan/schedule.hpp: the network flattened once into nodes in execution order, as constexpr data.
//
// A node is an atomic layer, or the merge of a block's branches (residual add, product, concat, or a chain used
// as a layer, which moves nothing). A block's branches come before its merge node. Every later stage
// reads this: the memory plan (ctnn/plan/memory.hpp), the weights' layout (ctnn/plan/weights.hpp), the
// runner (ctnn/kernels/run.hpp), the summary, printer and Graphviz writer (ctnn/analysis/). None walks
// the layer tree itself.
//
//   using s = ctnn::schedule_of<net>;       s::flat: the placed layers in node order (node_table<s, V>
//                                           builds a value per node from visitor V)
//   constexpr auto& v = s::value;           v.nodes[k]: kind, tensors read and written, shapes, name,
//                                           parent and branch, costs, storage, lowering, fusion
//   parameter_layout_of<net>::value         the parameter tensors (paths: node_path, plan/weights.hpp)
//
// Tensors: 0 is the network's input, k + 1 the output of node k. Compile time is linear in depth: each
// chain is expanded once, in lockstep with its shapes, and identical blocks share one expansion.
#pragma once

#include <array>
#include <cstddef>
#include <utility>

#include <boost/mp11/algorithm.hpp>

#include "ctnn/checks/placed.hpp"
#include "ctnn/core/config.hpp"
#include "ctnn/core/type_name.hpp"

namespace ctnn {

enum class node_kind : int { layer, chain, add, concat, multiply, unpool };

inline constexpr int max_merge_inputs = 16;  // branches of one block

// Where a node sits and what it reads: the part of a node the flattening decides.
struct node_place {
  node_kind kind = node_kind::layer;
  int depth = 0;       // 0 for the network's own layers, +1 inside each block
  int index = 0;       // position in its chain
  int branch = -1;     // on the first node (summary order) of each branch of a block with several
  int row = 0;         // position in the summary: a block before its branches
  int parent = -1;     // the block node this node is inside, -1 at the top
  int in_branch = 0;   // which of that block's branches
  int input_count = 1;
  int inputs[max_merge_inputs] = {};  // tensors read
};

namespace detail {
// ---- flattening ---------------------------------------------------------------------------------
// Each part (a layer, a block, a chain) is flattened on its own with relative numbers: its nodes
// 0..count-1, tensor 0 its input, tensor k + 1 its node k's output, parent -1 outside it; the part
// that holds it shifts them. So identical parts are one instantiation, however often they appear.
//
// What the later stages need per node (its description, its kernel, its packing) comes from a
// visitor V, as a table of values built the same way, part by part:
//   V::value_type, V::template of<Node, Next1, Next2, Next3>()
// where Node is the placed layer or block, and Next1..3 the three layers after an atomic layer, placed,
// as if every chain used as a layer were written out (void where a branch or the network ends, and
// after a block node): what fusion looks at. No list of node types is ever concatenated (a chain's
// list is opened only where a layer's followers start inside it); joining a thousand type lists is
// quadratic on both compilers.
// A value type derived from node_place (the schedule's node) gets its place as the parts are joined:
// the one walk that numbers the nodes is the one that describes them.
template <class Layer, shape In>
struct flat_layer {
  static constexpr int count = 1;
  template <class V, class N1, class N2, class N3>
  static constexpr std::array<typename V::value_type, 1> table{V::template of<placed_layer<Layer, In>, N1, N2, N3>()};
};

template <class Layer, shape In>
struct flat_block;
template <class Placed, class Tail1 = void, class Tail2 = void, class Tail3 = void>
struct flat_chain;

// (A class, not an alias template: g++-12 crashes substituting a shape taken from an array into an alias.)
template <class Layer, shape In>
struct flat_t : std::conditional_t<block_layer<Layer>, flat_block<Layer, In>, flat_layer<Layer, In>> {};

// A sub-part's node, shifted to where the part starts: its nodes from `first`, its tensor 0 is `input`.
constexpr node_place shifted(node_place p, int first, int input, int row) {
  for (int i = 0; i < p.input_count; ++i) p.inputs[i] = p.inputs[i] == 0 ? input : p.inputs[i] + first;
  if (p.parent >= 0) p.parent += first;
  p.row += row;
  return p;
}

template <class T>
inline constexpr bool carries_place = std::is_base_of_v<node_place, T>;

// A chain's parts' tables one after another (its layers' nodes, each layer reading the last one's).
template <class T, int Count>
constexpr std::array<T, Count> join_chain(const T* const* parts, const int* counts, int layers) {
  std::array<T, Count> r{};
  T* out = r.data();  // not operator[]: two calls each in a constant expression
  int first = 0, input = 0;
  for (int i = 0; i < layers; ++i) {
    for (int k = 0; k < counts[i]; ++k) {
      out[first + k] = parts[i][k];
      if constexpr (carries_place<T>) {
        node_place& p = out[first + k];
        p = shifted(p, first, input, first);    // a chain's rows follow its nodes' count
        if (p.depth == 0) p.index = i;          // the layer's own node; its branches' nodes are deeper
      }
    }
    if (counts[i] > 0) input = first + counts[i];  // its last node writes the layer's output
    first += counts[i];
  }
  return r;
}

// A block's branches' tables one after another, then its merge node, which reads each branch's end.
template <class T, int Count>
constexpr std::array<T, Count> join_block(const T* const* parts, const int* counts, int branches, const T& merge,
                                          node_kind kind) {
  std::array<T, Count> r{};
  T* out = r.data();
  int first = 0, row = 1;  // the block's own row comes first
  int ends[max_merge_inputs] = {};
  for (int b = 0; b < branches; ++b) {
    for (int k = 0; k < counts[b]; ++k) {
      out[first + k] = parts[b][k];
      if constexpr (carries_place<T>) {
        node_place& p = out[first + k];
        const bool branch_start = p.row == 0;
        p = shifted(p, first, 0, row);
        ++p.depth;
        if (p.parent < 0) {
          p.parent = Count - 1;
          p.in_branch = b;
        }
        if (branch_start && branches > 1) p.branch = b;
      }
    }
    ends[b] = counts[b] > 0 ? first + counts[b] : 0;  // an empty branch passes the input on
    first += counts[b];
    row += counts[b];
  }
  out[Count - 1] = merge;
  if constexpr (carries_place<T>) {
    node_place& p = out[Count - 1];
    p.kind = kind;
    p.input_count = branches;
    for (int b = 0; b < branches; ++b) p.inputs[b] = ends[b];
  }
  return r;
}

// Each layer placed at its input, in order.
template <class Placed, class Index, class Layers>
struct placed_layers;
template <class Placed, std::size_t... I, class... L>
struct placed_layers<Placed, std::index_sequence<I...>, boost::mp11::mp_list<L...>> {
  using type = boost::mp11::mp_list<placed_layer<L, Placed::shapes[I]>...>;
};
// A list shifted left by one, Fill appended: each layer's next element, in lockstep with the layers.
template <class List, class Fill>
struct shift_in;
template <class Fill>
struct shift_in<boost::mp11::mp_list<>, Fill> {
  using type = boost::mp11::mp_list<>;
};
template <class First, class... Rest, class Fill>
struct shift_in<boost::mp11::mp_list<First, Rest...>, Fill> {
  using type = boost::mp11::mp_list<Rest..., Fill>;
};

// A placed chain used as a layer, with layers: what follows a layer before it is its first layers.
template <class Placed>
inline constexpr bool opens_chain = false;
template <class Layer, shape In>
  requires(block_layer<Layer> && Layer::kind == block_kind::chain)
inline constexpr bool opens_chain<placed_layer<Layer, In>> = boost::mp11::mp_size<typename Layer::layers>::value > 0;

// The first N layers of a list of placed elements (void where it ends), each chain with layers opened
// into its layers. Each element is at least one layer, so that a layer's followers are the first three
// of its next three elements.
template <int N, class List>
struct leading_layers {
  using type = boost::mp11::mp_repeat_c<boost::mp11::mp_list<void>, N>;
};
template <int N, class First, class... Rest>
  requires(N > 0 && !opens_chain<First>)
struct leading_layers<N, boost::mp11::mp_list<First, Rest...>> {
  using type = boost::mp11::mp_push_front<typename leading_layers<N - 1, boost::mp11::mp_list<Rest...>>::type, First>;
};
template <int N, class Layer, shape In, class... Rest>
  requires(N > 0 && opens_chain<placed_layer<Layer, In>>)
struct leading_layers<N, boost::mp11::mp_list<placed_layer<Layer, In>, Rest...>> {
  using opened = placed_chain_t<In, boost::mp11::mp_front<typename Layer::branches>>;
  using type = typename leading_layers<
      N, boost::mp11::mp_append<
             typename placed_layers<opened, std::make_index_sequence<opened::size>, typename opened::layers>::type,
             boost::mp11::mp_list<Rest...>>>::type;
};
template <class E1, class E2, class E3>
using followers_of = typename leading_layers<3, boost::mp11::mp_list<E1, E2, E3>>::type;

// Each layer with its three followers, in lockstep: the layers after it in its chain, placed, a chain
// among them opened into its layers, and past the chain's end the chain's own followers (Tail1..3: a
// chain used as a layer ends where the element after it starts; void where nothing follows, at a
// branch's end or the network's).
template <class Placed, class Index, class Layers, class Next1, class Next2, class Next3>
struct flat_chain_impl;
template <class Placed, std::size_t... I, class... L, class... L1, class... L2, class... L3>
struct flat_chain_impl<Placed, std::index_sequence<I...>, boost::mp11::mp_list<L...>, boost::mp11::mp_list<L1...>,
                       boost::mp11::mp_list<L2...>, boost::mp11::mp_list<L3...>> {
  static constexpr int count = [] {
    const int counts[] = {flat_t<L, Placed::shapes[I]>::count..., 0};
    int n = 0;
    for (int c : counts) n += c;
    return n;
  }();
  template <class V>
  static constexpr std::array<typename V::value_type, count> table = [] {
    using value = typename V::value_type;
    const value* parts[sizeof...(L) + 1] = {};
    if constexpr (V::uses_followers) {
      const value* const with_followers[] = {
          flat_t<L, Placed::shapes[I]>::template table<V, boost::mp11::mp_at_c<followers_of<L1, L2, L3>, 0>,
                                                       boost::mp11::mp_at_c<followers_of<L1, L2, L3>, 1>,
                                                       boost::mp11::mp_at_c<followers_of<L1, L2, L3>, 2>>.data()...,
          nullptr};
      for (std::size_t i = 0; i < sizeof...(L); ++i) parts[i] = with_followers[i];
    } else {  // keyed by the layer and its shape alone: a repeated layer is one instantiation
      const value* const alone[] = {flat_t<L, Placed::shapes[I]>::template table<V, void, void, void>.data()..., nullptr};
      for (std::size_t i = 0; i < sizeof...(L); ++i) parts[i] = alone[i];
    }
    const int counts[] = {flat_t<L, Placed::shapes[I]>::count..., 0};
    return join_chain<value, count>(parts, counts, static_cast<int>(sizeof...(L)));
  }();
};
template <class Placed, class Tail1, class Tail2, class Tail3, class Index = std::make_index_sequence<Placed::size>,
          class Next1 = typename shift_in<typename placed_layers<Placed, Index, typename Placed::layers>::type, Tail1>::type,
          class Next2 = typename shift_in<Next1, Tail2>::type>
struct flat_chain_of
    : flat_chain_impl<Placed, Index, typename Placed::layers, Next1, Next2, typename shift_in<Next2, Tail3>::type> {};
template <class Placed, class Tail1, class Tail2, class Tail3>
struct flat_chain : flat_chain_of<Placed, Tail1, Tail2, Tail3> {};

template <class Block, shape In, class Branches = typename Block::branches>
struct flat_block_impl;
template <class Block, shape In, class... B>
struct flat_block_impl<Block, In, boost::mp11::mp_list<B...>> {
  static constexpr int branches = static_cast<int>(sizeof...(B));
  static_assert(branches <= max_merge_inputs, "ctnn: a block has more branches than ctnn::max_merge_inputs");
  static constexpr int count = (flat_chain<placed_chain_t<In, B>>::count + ... + 1);
  template <class V, class N1, class N2, class N3>
  static constexpr std::array<typename V::value_type, count> table = [] {
    using value = typename V::value_type;
    const value merge = V::template of<placed_layer<Block, In>, void, void, void>();
    const value* parts[sizeof...(B) + 1] = {};
    if constexpr (Block::kind == block_kind::chain) {  // a chain used as a layer: the layers after it follow its last
      const value* const chained[] = {flat_chain<placed_chain_t<In, B>, N1, N2, N3>::template table<V>.data()..., nullptr};
      for (int b = 0; b < branches; ++b) parts[b] = chained[b];
    } else {
      const value* const branched[] = {flat_chain<placed_chain_t<In, B>>::template table<V>.data()..., nullptr};
      for (int b = 0; b < branches; ++b) parts[b] = branched[b];
    }
    const int counts[] = {flat_chain<placed_chain_t<In, B>>::count..., 0};
    constexpr node_kind kind = Block::kind == block_kind::chain      ? node_kind::chain
                             : Block::kind == block_kind::add        ? node_kind::add
                             : Block::kind == block_kind::multiply   ? node_kind::multiply
                             : Block::kind == block_kind::unpool     ? node_kind::unpool
                                                                     : node_kind::concat;
    return join_block<value, count>(parts, counts, branches, merge, kind);
  }();
};
template <class Layer, shape In>
struct flat_block : flat_block_impl<Layer, In> {};

// ---- what each node's type says about it ------------------------------------------------------------
// A block named by deriving from chain / residual / concat prints by its own name; the rest by `name`.
// Where T's name is in pretty_name<T>(): "... [with T = ns::stem; ...]" (g++) or "... [T = ns::stem]"
// (clang), from after "T = " to the end of the argument, without its namespaces.
template <class T>
constexpr std::array<int, 2> type_name_bounds() {
  const char* all = pretty_name<T>();
  int start = 0;
  while (!(all[start] == 'T' && all[start + 1] == ' ' && all[start + 2] == '=' && all[start + 3] == ' ')) ++start;
  start += 4;
  int end = start, last = start;  // last: after the last "::" outside template arguments
  for (int nesting = 0; all[end] != '\0'; ++end) {
    const char c = all[end];
    if (c == '<') ++nesting;
    if (c == '>') --nesting;
    if (nesting == 0 && (c == ';' || c == ']')) break;
    if (nesting == 0 && c == ':' && all[end + 1] == ':') last = end + 2;
  }
  return {last, end};
}
template <class T>
struct type_name_text {
  static constexpr std::array<int, 2> bounds = type_name_bounds<T>();
  static constexpr auto text = [] {
    std::array<char, bounds[1] - bounds[0] + 1> r{};
    for (int i = bounds[0]; i < bounds[1]; ++i) r[i - bounds[0]] = pretty_name<T>()[i];
    return r;
  }();
};

// A block as written (chain<...>, residual<...>, ...) is its own `self`; one named by deriving from it
// inherits the base's `self`, and prints by its own name.
template <class T>
inline constexpr bool is_spelled_block = true;
template <class T>
  requires requires { typename T::self; }
inline constexpr bool is_spelled_block<T> = std::is_same_v<T, typename T::self>;

template <class Layer>
constexpr const char* display_name() {
  if constexpr (block_layer<Layer> && !is_spelled_block<Layer>) {
    return type_name_text<Layer>::text.data();
  } else {
    return Layer::name;
  }
}
}  // namespace detail

}  // namespace ctnn

CTNN_BEGIN_CONFIG

// The activation memory of a depthwise + pointwise pass is a tile of at most this many channels.
inline constexpr index_t fusion_max_channels = CTNN_FUSION_MAX_CHANNELS;

// One parameter tensor of the network, in state_dict order.
struct parameter_tensor {
  int node = 0;             // the node it belongs to
  const char* suffix = "";  // "weight", "bias", "running_mean", ...
  shape dims;
  bool learned = true;
  count_t offset = 0;       // elements before it in the state_dict order
  count_t size = 0;
};

struct schedule_node : node_place {
  const char* name = "";
  shape in, out;
  storage how = storage::fresh;
  lowering lower;
  count_t params = 0, buffers = 0, macs = 0;  // a block's: its branches' totals
  int first_tensor = 0, tensor_count = 0;     // its parameter tensors in schedule::tensors
  // With prepared weights: how many nodes after this one its fast kernel also computes (a batch norm
  // and an activation; or a pointwise convolution and the activations around it; and the ends of the
  // chains between them, which move nothing).
  int fused = 0;
  int batch_norm = 0;         // with prepared weights: the node of a batch norm folded into its weights (after it)
  int pointwise = 0;          // the node of a pointwise convolution its depthwise kernel computes (after it)
  bool inside_group = false;  // computed by an earlier node's fast kernel
  // With prepared weights, on a group's first node: the tensor its kernel adds to the group's output as it
  // stores (a residual add the group ends with), -1 if none. A clamp after the add is the group's last
  // node then (its lowering's bounds).
  int addend = -1;
  // With prepared weights, on a pointwise convolution's group: the depthwise + pointwise group after it
  // (its node, after this one) that computes this group's output rows as its window reaches them, from
  // the input of this one (an inverted bottleneck in one pass: fuse_expansions). The group then spans
  // both, and only the window's rows of its output are ever stored.
  int expands = 0;
};

// Rows of an inverted bottleneck's expansion the depthwise window reads at once (fuse_expansions below):
// the ring the pass keeps them in (ctnn/kernels/depthwise_pointwise.hpp), in the arena; a thread that
// shares the pass keeps its own on its stack, so the ring is bounded (elements).
inline constexpr count_t expansion_max_ring = 256 * 1024;
constexpr count_t expansion_ring(const schedule_node& depthwise) {
  return count_t{depthwise.lower.window_rows} * depthwise.in[2] * depthwise.in[0];
}

template <int Nodes>
struct schedule {
  std::array<schedule_node, Nodes> nodes{};
  static constexpr int result = Nodes;  // the tensor the network returns: the last node's output (0, the input, when none)

  static constexpr int node_count = Nodes;
};

namespace impl {
// A family's storage and lowering for a layer's parameters: one instantiation per parameter struct,
// which many layer types share (every activation is activation_params).
template <class P>
constexpr lowering lowering_for(const P& p, const shape& in, layout l) {
  return lowering_of(p, in, l);
}
template <class P>
constexpr storage storage_for(const P& p, layout l) {
  return storage_of(p, l);
}

// What fusion looks at: a placed node's lowering (none for void and for blocks).
template <class Node, layout L>
constexpr lowering lowering_at() {
  if constexpr (std::is_void_v<Node>) {
    return {};
  } else if constexpr (block_layer<typename Node::type>) {
    return {};
  } else {
    return lowering_for(Node::type::params, Node::input_shape, L);
  }
}

struct fusion {
  int fused = 0;       // following layers its fast kernel also computes
  int pointwise = 0;   // the position of a fused pointwise convolution among them, 0 if none
  int batch_norm = 0;  // the position of a batch norm folded into its weights (1), 0 if none
  int pointwise_batch_norm = 0;  // the position of one folded into the pointwise convolution's, 0 if none
};

// Fusion of an atomic layer with the layers after it (in its chain, and past the end of a chain used as
// a layer: chain<chain<conv, bn>, relu> fuses as chain<conv, bn, relu>; none where a branch or the
// network ends). A fast kernel absorbs a batch norm right after it into its prepared weights (conv -> BN
// -> ReLU is one pass, as in torchvision) and applies the element-wise activation after that as it
// stores. A depthwise convolution [+ batch norm] [+ activation] + pointwise convolution [+ batch norm or
// activation] runs as one pass when the depthwise output (`channels`) fits the tile buffer (MobileNet's
// blocks: the depthwise output is never written). One rule for the schedule (on values) and the runner
// (on types), which sees three followers (n4 none): it needs no type for a batch norm folded into
// weights, and an activation fourth is left to run apart.
constexpr fusion fuse(const lowering& me, const lowering& n1, const lowering& n2, const lowering& n3, const lowering& n4,
                      index_t channels) {
  fusion f;
  if (!me.fast) return f;
  const lowering* next[] = {&n1, &n2, &n3, &n4};
  int i = 0;
  if (next[i]->channel_affine && me.outputs_are_channels) f.batch_norm = ++i;
  if (next[i]->elementwise) ++i;
  f.fused = i;
  if (me.depthwise && channels <= fusion_max_channels && next[i]->pointwise) {
    f.pointwise = f.fused = i + 1;
    const lowering& after = *next[i + 1];
    if (after.channel_affine) {
      f.pointwise_batch_norm = f.fused = i + 2;
    } else if (after.elementwise && i + 2 <= 3) {
      f.fused = i + 2;
    }
  }
  return f;
}

template <layout L, class Node, class N1, class N2, class N3>
constexpr fusion fusion_of() {
  return fuse(lowering_at<Node, L>(), lowering_at<N1, L>(), lowering_at<N2, L>(), lowering_at<N3, L>(), lowering{},
              Node::output_shape[0]);
}

// The description of each node, from its type.
template <layout L>
struct describe {
  using value_type = schedule_node;
  static constexpr bool uses_followers = false;
  template <class Node, class N1, class N2, class N3>
  static constexpr schedule_node of() {
    using Layer = typename Node::type;
    schedule_node n;
    n.name = detail::display_name<Layer>();
    n.in = Node::input_shape;
    n.out = Node::output_shape;
    n.how = storage_for(Layer::params, L);
    if constexpr (!block_layer<Layer>) n.lower = lowering_for(Layer::params, Node::input_shape, L);
    n.params = Node::result.params;
    n.buffers = Node::result.buffers;
    n.macs = Node::result.macs;
    n.tensor_count = block_layer<Layer> ? 0 : Node::result.tensor_count;
    return n;
  }
};

// Each node's parameter tensors, from its type.
struct node_tensors {
  int count = 0;
  tensor_spec specs[max_layer_tensors] = {};
};
struct list_tensors {
  using value_type = node_tensors;
  static constexpr bool uses_followers = false;
  template <class Node, class N1, class N2, class N3>
  static constexpr node_tensors of() {
    node_tensors t;
    if constexpr (!block_layer<typename Node::type>) {
      t.count = Node::result.tensor_count;
      for (int i = 0; i < t.count; ++i) t.specs[i] = Node::result.tensors[i];
    }
    return t;
  }
};

// Whether node b is the element right after node a in a's chain (same block, next index).
constexpr bool next_in_chain(const schedule_node& a, const schedule_node& b) {
  return b.parent == a.parent && b.depth == a.depth && b.index == a.index + 1;
}

// The layers after atomic layer k, as far as four, as if every chain used as a layer were written out:
// the next element of its chain, or past the end of a chain it ends (whose node moves nothing) the next
// of the chain that holds that one; and where that element is a chain with layers, its first layer.
// Where it is a block of another kind or an empty chain, the run ends. The first three are the
// flattening's followers (Next1..3), so that the schedule (on values) and the runner (on types) fuse
// alike. -1 past the last.
struct next_layers {
  int node[4] = {-1, -1, -1, -1};
};
constexpr next_layers layers_after(const schedule_node* node, int nodes, int k) {
  next_layers r;
  for (int i = 0, at = k; i < 4; ++i) {
    int end = at;  // the last node of the chains `at` ends
    while (end + 1 < nodes && node[end + 1].kind == node_kind::chain && node[end].parent == end + 1) ++end;
    const int j = end + 1;  // a block's nodes come before its own: the first layer of what follows
    if (j >= nodes || node[j].kind != node_kind::layer) break;
    int element = j;  // the element of end's chain that j opens
    while (node[element].index == 0 && node[element].parent > element && node[element].parent != node[end].parent &&
           node[node[element].parent].kind == node_kind::chain)
      element = node[element].parent;
    if (!next_in_chain(node[end], node[element])) break;
    r.node[i] = at = j;
  }
  return r;
}
// A position among them (1: the first, 0: none) as an offset from k.
constexpr int node_offset(const next_layers& after, int k, int position) {
  return position > 0 ? after.node[position - 1] - k : 0;
}

// A node that moves nothing: a chain's end (its output is its last layer's) or an alias layer
// (identity, dropout).
constexpr bool moves_nothing(const schedule_node& n) {
  return n.kind == node_kind::chain || (n.kind == node_kind::layer && n.how == storage::alias);
}
// The tensor a node's output is, through the nodes that move nothing.
constexpr int source_of(const schedule_node* node, int tensor) {
  while (tensor > 0 && moves_nothing(node[tensor - 1])) tensor = node[tensor - 1].inputs[0];
  return tensor;
}

// A residual add right after a group whose kernel can add as it stores (a convolution's, or the
// pointwise one's of a depthwise + pointwise pass, with no activation after it), nothing but moves
// between them: when the group computes one of the add's inputs and the other was there before the
// group started, the group also adds that one, and the clamp after the add if any (ResNet's ReLU), so
// that neither the sum nor the group's own output is a pass over memory. (ResNet's basic block: the
// second convolution adds the block's input; with a downsampling shortcut, the shortcut's convolution,
// computed last, adds the main branch's output; MobileNetV2's block: its depthwise + projection pass.)
constexpr void add_residuals_in_store(schedule_node* node, int nodes) {
  for (int m = 1; m < nodes; ++m) {
    const schedule_node& add = node[m];
    if (add.kind != node_kind::add || add.input_count != 2 || add.inside_group) continue;
    int last = m - 1;  // the group's last node
    while (last >= 0 && moves_nothing(node[last])) --last;
    if (last < 0 || node[last].kind != node_kind::layer) continue;
    int head = last;
    while (head > 0 && node[head].inside_group) --head;
    const schedule_node& g = node[head];
    const int storing = head + g.pointwise;  // the group's convolution that stores: a fused pointwise one's
    if (head + g.fused != last || !node[storing].lower.adds_in_store || g.addend >= 0) continue;
    bool activated = false;
    for (int j = storing + 1; j <= last; ++j) activated = activated || node[j].lower.elementwise;
    if (activated) continue;
    const int a = source_of(node, add.inputs[0]), b = source_of(node, add.inputs[1]);
    const int addend = a == last + 1 ? b : b == last + 1 ? a : -1;
    if (addend < 0 || addend > head) continue;  // the other input must exist before the group runs
    // The clamp after the add, its next layer in the same chain.
    int end = m;
    if (m + 1 < nodes && node[m + 1].kind == node_kind::layer && next_in_chain(add, node[m + 1]) && node[m + 1].lower.clamps)
      end = m + 1;
    // The tensors the group now keeps inside (outputs of nodes head .. end - 1) are read inside it only.
    bool read_outside = false;
    for (int k = end + 1; k < nodes; ++k)
      for (int i = 0; i < node[k].input_count; ++i)
        read_outside = read_outside || (node[k].inputs[i] > head && node[k].inputs[i] <= end);
    if (read_outside) continue;
    node[head].fused = end - head;
    node[head].addend = addend;
    for (int j = head + 1; j <= end; ++j) node[j].inside_group = true;
  }
}

// An inverted bottleneck (MobileNetV2's block: a pointwise expansion, then a depthwise + pointwise
// group) as one pass: the expansion's group (a 1x1 convolution with its batch norm and activation,
// nothing else) right before a depthwise + pointwise group that is the only reader of its output
// (chain ends between them move nothing) becomes the start of one group over both. Its output,
// the largest tensor of such a block, is computed a few rows at a time as the depthwise window
// reaches them and never stored whole. NHWC, 2-d maps; not where the ring would pass expansion_max_ring.
constexpr void fuse_expansions(schedule_node* node, int nodes, int result) {
  for (int d = 1; d < nodes; ++d) {
    const schedule_node& dw = node[d];
    if (dw.kind != node_kind::layer || dw.inside_group || dw.pointwise == 0 || !dw.lower.depthwise ||
        dw.lower.window_rows == 0 || expansion_ring(dw) > expansion_max_ring)
      continue;
    int last = d - 1;  // the expansion group's last node, before the chain ends between them
    while (last >= 0 && node[last].kind == node_kind::chain) --last;
    if (last < 0 || node[last].kind != node_kind::layer) continue;
    int head = last;
    while (head > 0 && node[head].inside_group) --head;
    const schedule_node& e = node[head];
    if (head + e.fused != last || !e.lower.fast || !e.lower.pointwise || e.pointwise != 0 || e.addend >= 0 ||
        e.expands != 0 || e.in.rank != 3 || source_of(node, dw.inputs[0]) != last + 1)
      continue;
    // Among its three followers, where the runner's types see it (kernel_for: the row kernel is compiled there).
    const next_layers after = layers_after(node, nodes, head);
    if (after.node[0] != d && after.node[1] != d && after.node[2] != d) continue;
    // No node but the depthwise one (and the chain ends before it) reads what the expansion group writes.
    bool read_elsewhere = result > head && result <= d;
    for (int k = 0; k < nodes && !read_elsewhere; ++k) {
      if (k > head && k <= d) continue;  // the groups' own nodes and the chain ends between them
      for (int i = 0; i < node[k].input_count; ++i)
        read_elsewhere = read_elsewhere || (node[k].inputs[i] > head && node[k].inputs[i] <= d);
    }
    if (read_elsewhere) continue;
    node[head].expands = d - head;
    node[head].fused = d + dw.fused - head;
    node[head].addend = dw.addend;  // (for the memory plan: the group adds it, so it writes a buffer of its own)
    for (int j = last + 1; j <= d; ++j) node[j].inside_group = true;
  }
}

template <class Flat, layout L>
struct build_schedule {
  static constexpr int nodes = Flat::count;
  static constexpr schedule<nodes> value = [] {
    schedule<nodes> s;
    schedule_node* node = s.nodes.data();  // not operator[]: two calls each in a constant expression
    const schedule_node* described = Flat::template table<describe<L>>.data();
    int t = 0;
    for (int k = 0; k < nodes; ++k) {
      schedule_node& n = node[k];
      n = described[k];
      n.first_tensor = t;
      t += n.tensor_count;
    }
    // Fusion: each atomic layer with the layers after it (layers_after); a layer a group computes is not
    // a group's start itself.
    for (int k = 0; k < nodes; ++k) {
      schedule_node& n = node[k];
      if (n.kind != node_kind::layer || n.inside_group) continue;
      const next_layers after = layers_after(node, nodes, k);
      const auto lower = [&](int i) { return after.node[i] >= 0 ? node[after.node[i]].lower : lowering{}; };
      const fusion f = fuse(n.lower, lower(0), lower(1), lower(2), lower(3), n.out[0]);
      n.fused = node_offset(after, k, f.fused);
      n.batch_norm = node_offset(after, k, f.batch_norm);
      n.pointwise = node_offset(after, k, f.pointwise);
      if (f.pointwise_batch_norm > 0)  // packed into the pointwise convolution's weights, as its own would be
        node[k + n.pointwise].batch_norm = node_offset(after, k, f.pointwise_batch_norm) - n.pointwise;
      for (int j = 1; j <= n.fused; ++j) node[k + j].inside_group = true;
    }
    add_residuals_in_store(node, nodes);
    if constexpr (L == layout::nhwc) fuse_expansions(node, nodes, schedule<nodes>::result);
    return s;
  }();

};

// Every parameter tensor of a schedule, in state_dict order.
template <class Schedule>
struct build_parameters {
  static constexpr const auto& tensor_table = Schedule::flat::template table<list_tensors>;
  static constexpr int count = [] {
    int n = 0;
    for (const node_tensors& t : tensor_table) n += t.count;
    return n;
  }();
  struct layout {
    std::array<parameter_tensor, count> tensors{};
    count_t elements = 0;  // every tensor, learned or not: what the weights hold
  };
  static constexpr layout value = [] {
    layout r;
    parameter_tensor* tensors = r.tensors.data();  // not operator[]: two calls each in a constant expression
    const node_tensors* table = tensor_table.data();
    int t = 0;
    for (int k = 0; k < Schedule::value.node_count; ++k)
      for (int i = 0; i < table[k].count; ++i, ++t) {
        const tensor_spec& spec = table[k].specs[i];
        tensors[t] = {k, spec.name, spec.dims, spec.learned, r.elements, spec.dims.size()};
        r.elements += spec.dims.size();
      }
    return r;
  }();
};
}  // namespace impl

// The schedule of a placed chain (a network's chain_type) whose activations are in layout L.
template <class Placed, layout L>
struct schedule_for {
  using flat = detail::flat_chain<Placed>;
  static constexpr layout memory_layout = L;
  static constexpr const auto& value = impl::build_schedule<flat, L>::value;
};

// A value per node of a schedule from visitor V (see flat_layer above), in node order.
template <class Schedule, class V>
inline constexpr const auto& node_table = Schedule::flat::template table<V>;

template <class Net>
using schedule_of = schedule_for<typename Net::chain_type, Net::memory_layout>;

// The parameter tensors of a network: value.tensors[t] (node, suffix, shape, offset, size), value.elements.
template <class Net>
using parameter_layout_of = impl::build_parameters<schedule_of<Net>>;

// The node of the layer or block at `path`: layer, branch, layer, ... (a chain used as a layer has one
// branch, 0); -1 when there is none.
template <int N>
constexpr int node_at_path(const schedule<N>& s, const int* path, int length) {
  int parent = -1, found = -1;
  for (int step = 0; step < length; step += 2) {
    found = -1;
    for (int k = 0; k < N && found < 0; ++k) {
      const schedule_node& n = s.nodes[k];
      if (n.parent == parent && n.index == path[step] && (step == 0 || n.in_branch == path[step - 1])) found = k;
    }
    if (found < 0) return -1;
    parent = found;
  }
  return length % 2 == 1 ? found : -1;
}

CTNN_END_CONFIG
