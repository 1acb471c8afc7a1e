// ctnn/shapes/graph.hpp: shapes through chains, residual, multiply and concat blocks, and the input check.
//
// A chain is traced by a loop over an array of rule pointers, one per layer: linear in the number of
// layers at compile time, with no recursion depth limit and no fold over the layer pack (clang rejects
// folds over more than 256 elements). Every intermediate shape is kept, so any layer's shape is an
// array lookup, and the chain's parameter and MAC totals are summed on the way, overflow checked.
#pragma once

#include <array>
#include <cstddef>

#include "ctnn/core/type_tree.hpp"
#include "ctnn/layers/graph.hpp"
#include "ctnn/shapes/result.hpp"

namespace ctnn {

// Every layer type has `params`, and a shape rule `infer(params, shape)` found by argument-dependent
// lookup, so a rule only needs to be declared before the network that uses it is instantiated.
// A layer is a type with `params`; anything else in a layer list (an option outside its layer's
// brackets, say) is reported as not_a_layer at its position.
template <class T>
concept layer_type = requires { T::params; };

namespace detail {
// A rule's result made complete: its parameter tensors, and its counts checked to fit count_t.
template <class P>
constexpr layer_shapes finish(const P& p, const shape& in, layer_shapes r) {
  if (r.tensor_count == 0) {
    if (r.weight.rank > 0) r.add_tensor("weight", r.weight);
    if (r.bias.rank > 0) r.add_tensor("bias", r.bias);
  }
  checked_count params = 0, buffers = 0;
  for (int t = 0; t < r.tensor_count; ++t) (r.tensors[t].learned ? params : buffers) += checked_size(r.tensors[t].dims);
  const checked_count macs = macs_of(p, in, r);
  if (checked_size(r.out).overflow) return fail(error_code::count_overflow, 0, 0, 0, -1, param::output_elements);
  if (params.overflow || buffers.overflow) return fail(error_code::count_overflow, 0, 0, 0, -1, param::parameters);
  if (macs.overflow) return fail(error_code::count_overflow, 0, 0, 0, -1, param::macs);
  r.params = params.value;
  r.buffers = buffers.value;
  r.macs = macs.value;
  return r;
}
}  // namespace detail

template <class Layer>
constexpr layer_shapes layer_rule(const shape& in) {
  if constexpr (!layer_type<Layer>) {
    return fail(error_code::not_a_layer);
  } else {
    if constexpr (requires { Layer::unaccepted_option; })
      if (Layer::unaccepted_option >= 0) return fail(error_code::option_not_accepted, Layer::unaccepted_option);
    layer_shapes r = infer(Layer::params, in);
    // Rules report a spatial dim by number; the layer's rank lets diagnostics name it (D, H, W).
    if constexpr (requires { Layer::params.rank; })
      if (r.error && r.error.dim >= 0 && r.error.rank == 0) r.error.rank = Layer::params.rank;
    if constexpr (block_layer<Layer>) {
      // Its branches' totals are complete; its output (a concat's) may still outgrow count_t.
      if (!r.error && checked_size(r.out).overflow) return fail(error_code::count_overflow, 0, 0, 0, -1, param::output_elements);
      return r;
    } else {
      return r.error ? r : detail::finish(Layer::params, in, r);
    }
  }
}

template <std::size_t N>
struct chain_trace {
  std::array<shape, N + 1> shapes{};  // shapes[0] is the chain's input, shapes[i + 1] layer i's output
  count_t params = 0, buffers = 0, macs = 0;  // the chain's totals
  layer_error error;                  // first failure, its path starting at the layer index

  constexpr const shape& output() const { return shapes[N]; }
  constexpr bool ok() const { return !error; }
};

namespace detail {
// For each layer, which of the 8 layers after it have its type: bit d - 1 for the layer d places on.
// The lists shifted by one to eight are expanded in lockstep with the layers (never looked up by index).
inline constexpr int lookback = 8;
template <class... Lists>
struct same_types_ahead;
template <class... L, class... S1, class... S2, class... S3, class... S4, class... S5, class... S6, class... S7, class... S8>
struct same_types_ahead<boost::mp11::mp_list<L...>, boost::mp11::mp_list<S1...>, boost::mp11::mp_list<S2...>,
                        boost::mp11::mp_list<S3...>, boost::mp11::mp_list<S4...>, boost::mp11::mp_list<S5...>,
                        boost::mp11::mp_list<S6...>, boost::mp11::mp_list<S7...>, boost::mp11::mp_list<S8...>> {
  static constexpr unsigned value[sizeof...(L) + 1] = {
      (unsigned{std::is_same_v<L, S1>} | unsigned{std::is_same_v<L, S2>} << 1 | unsigned{std::is_same_v<L, S3>} << 2 |
       unsigned{std::is_same_v<L, S4>} << 3 | unsigned{std::is_same_v<L, S5>} << 4 | unsigned{std::is_same_v<L, S6>} << 5 |
       unsigned{std::is_same_v<L, S7>} << 6 | unsigned{std::is_same_v<L, S8>} << 7)...,
      0u};
};
template <class L0, class L1 = typename shift_left<L0>::type, class L2 = typename shift_left<L1>::type,
          class L3 = typename shift_left<L2>::type, class L4 = typename shift_left<L3>::type,
          class L5 = typename shift_left<L4>::type, class L6 = typename shift_left<L5>::type,
          class L7 = typename shift_left<L6>::type, class L8 = typename shift_left<L7>::type>
struct repeats : same_types_ahead<L0, L1, L2, L3, L4, L5, L6, L7, L8> {};
}  // namespace detail

// Totals (a chain's, a block's) grown by a layer's or a branch's, with overflow checked.
template <class Totals>
constexpr layer_error add_totals(Totals& into, const layer_shapes& branch) {
  const checked_count params = checked_count{into.params} + branch.params,
                      buffers = checked_count{into.buffers} + branch.buffers,
                      macs = checked_count{into.macs} + branch.macs;
  if (params.overflow || buffers.overflow) return make_error(error_code::count_overflow, 0, 0, 0, -1, param::parameters);
  if (macs.overflow) return make_error(error_code::count_overflow, 0, 0, 0, -1, param::macs);
  into.params = params.value;
  into.buffers = buffers.value;
  into.macs = macs.value;
  return {};
}

template <class... Layers>
constexpr chain_trace<sizeof...(Layers)> trace_chain(const shape& in) {
  using rule = layer_shapes (*)(const shape&);
  constexpr std::size_t n = sizeof...(Layers);
  // One spare slot so that an empty chain still declares a valid array.
  const rule rules[n + 1] = {&layer_rule<Layers>..., nullptr};
  chain_trace<n> t;
  // Every element written once: g++-12 cannot read an element of a constant array that was only
  // value-initialized and reports a bogus second error. Past a failure every shape is unknown.
  for (shape& s : t.shapes) s = unknown_shape();
  shape* shapes = t.shapes.data();  // not operator[]: two calls each in a constant expression
  shapes[0] = in;
  // The same layer type on the same input gives the same result: networks repeat their blocks, and a
  // convolution's rule costs far more than a look at the last 8 layers' results.
  const unsigned* same_ahead = detail::repeats<boost::mp11::mp_list<Layers...>>::value;
  layer_shapes recent[detail::lookback] = {};
  for (std::size_t i = 0; i != n; ++i) {
    int found = 0;
    for (int d = 1; d <= detail::lookback && found == 0 && static_cast<std::size_t>(d) <= i; ++d)
      if ((same_ahead[i - d] >> (d - 1) & 1u) && shapes[i - d].rank == shapes[i].rank && shapes[i - d] == shapes[i])
        found = d;
    layer_shapes& r = recent[i % detail::lookback];
    if (found > 0) {
      if (found % detail::lookback != 0) r = recent[(i - static_cast<std::size_t>(found)) % detail::lookback];
    } else {
      r = rules[i](shapes[i]);
    }
    layer_error e = r.error;
    if (!e) e = add_totals(t, r);
    if (e) {
      t.error = at_step(e, static_cast<int>(i));
      return t;
    }
    shapes[i + 1] = r.out;
  }
  return t;
}

template <class... Layers>
constexpr auto trace(chain<Layers...>, const shape& in) {
  return trace_chain<Layers...>(in);
}

// A chain summarised as one layer: its output shape and totals, or its first error.
template <class Chain>
constexpr layer_shapes chain_result(const shape& in) {
  const auto t = trace(Chain{}, in);
  layer_shapes r;
  r.out = t.output();
  r.params = t.params;
  r.buffers = t.buffers;
  r.macs = t.macs;
  r.error = t.error;
  return r;
}

// ---- blocks ------------------------------------------------------------------------------------
constexpr layer_shapes infer(const identity_layer::params_t&, const shape& in) { return same_shape(in); }
constexpr storage storage_of(const identity_layer::params_t&, layout) { return storage::alias; }
constexpr backward_reads backward_reads_of(const identity_layer::params_t&) { return reads_nothing; }

template <class... Layers>
constexpr layer_shapes infer(const chain_params<Layers...>&, const shape& in) {
  const layer_shapes r = chain_result<chain<Layers...>>(in);
  return r.error ? fail(at_step(r.error, 0)) : r;
}


// The merge rules, as plain functions. Residual add: the branches' shapes must be equal (no
// broadcasting). Concat: equal but for the channel count, which adds up. Multiply: below.
constexpr layer_shapes merge_add(const shape& first, const shape& other, int branch_index) {
  if (first != other) {
    layer_error e = make_error(error_code::add_shapes, branch_index);
    e.lhs = first;
    e.rhs = other;
    return fail(e);
  }
  return same_shape(first);
}

constexpr layer_shapes merge_concat(const shape& first, const shape& other, int branch_index) {
  shape a = first, b = other;
  a[0] = b[0] = 0;  // only the channel count may differ
  if (first.rank < 1 || a != b) {
    layer_error e = make_error(error_code::concat_shapes, branch_index);
    e.lhs = first;
    e.rhs = other;
    return fail(e);
  }
  layer_shapes r = same_shape(first);
  const count_t channels = count_t{first[0]} + other[0];
  if (layer_error err = check_extent(channels, -1)) return fail(err);
  r.out[0] = static_cast<index_t>(channels);
  return r;
}

// Multiply: the gate's dims equal the main branch's or are 1 (broadcast); the output is the main's shape.
constexpr layer_shapes merge_multiply(const shape& main, const shape& gate, int branch_index) {
  bool ok = main.rank == gate.rank;
  for (int i = 0; ok && i < main.rank; ++i) ok = gate[i] == main[i] || gate[i] == 1;
  if (!ok) {
    layer_error e = make_error(error_code::multiply_shapes, branch_index);
    e.lhs = main;
    e.rhs = gate;
    return fail(e);
  }
  return same_shape(main);
}

// The two-branch blocks: the branches' rules, then the merge's, with the totals of both.
template <class First, class Second>
constexpr layer_shapes infer_pair(const shape& in, layer_shapes (*merge)(const shape&, const shape&, int)) {
  const layer_shapes first = chain_result<First>(in);
  if (first.error) return fail(at_step(first.error, 0));
  const layer_shapes second = chain_result<Second>(in);
  if (second.error) return fail(at_step(second.error, 1));
  layer_shapes r = merge(first.out, second.out, 1);
  if (r.error) return r;
  r.params = first.params;
  r.buffers = first.buffers;
  r.macs = first.macs;
  if (layer_error e = add_totals(r, second)) return fail(e);
  return r;
}

template <class Main, class Shortcut>
constexpr layer_shapes infer(const residual_params<Main, Shortcut>&, const shape& in) {
  return infer_pair<Main, Shortcut>(in, &merge_add);
}
template <class Main, class Gate>
constexpr layer_shapes infer(const multiply_params<Main, Gate>&, const shape& in) {
  return infer_pair<Main, Gate>(in, &merge_multiply);
}

template <class... Branches>
constexpr layer_shapes infer(const concat_params<Branches...>&, const shape& in) {
  if constexpr (sizeof...(Branches) == 0) {
    return fail(error_code::empty_network);
  } else {
    const layer_shapes branches[] = {chain_result<Branches>(in)...};
    for (std::size_t b = 0; b < sizeof...(Branches); ++b)
      if (branches[b].error) return fail(at_step(branches[b].error, static_cast<int>(b)));
    layer_shapes r = branches[0];
    for (std::size_t b = 1; b < sizeof...(Branches); ++b) {
      const layer_shapes merged = merge_concat(r.out, branches[b].out, static_cast<int>(b));
      if (merged.error) return merged;
      r.out = merged.out;
      if (layer_error e = add_totals(r, branches[b])) return fail(e);
    }
    return r;
  }
}

// A residual's sum may land on its main branch's output: the merge reads both inputs element by element.
template <class Main, class Shortcut>
constexpr storage storage_of(const residual_params<Main, Shortcut>&, layout) {
  return storage::in_place;
}
// Likewise the product, on the main branch's output (the gate broadcasts, the main does not).
template <class Main, class Gate>
constexpr storage storage_of(const multiply_params<Main, Gate>&, layout) {
  return storage::in_place;
}
// The gradient of a sum, a concat or a chain passes through without reading activations.
template <class Main, class Shortcut>
constexpr backward_reads backward_reads_of(const residual_params<Main, Shortcut>&) {
  return reads_nothing;
}
template <class... Branches>
constexpr backward_reads backward_reads_of(const concat_params<Branches...>&) {
  return reads_nothing;
}
template <class... Layers>
constexpr backward_reads backward_reads_of(const chain_params<Layers...>&) {
  return reads_nothing;
}
// A chain used as a layer moves nothing: its output is its last layer's.
template <class... Layers>
constexpr storage storage_of(const chain_params<Layers...>&, layout) {
  return storage::alias;
}

// ---- input -------------------------------------------------------------------------------------
constexpr layer_error input_error(const input_params& p) {
  if (p.dims.rank < 1 || p.dims.rank > max_spatial_rank + 1)
    return make_error(error_code::input_rank, max_spatial_rank + 1, p.dims.rank);
  for (int i = 0; i < p.dims.rank; ++i)
    if (p.dims[i] < 1)
      return make_error(error_code::not_positive, p.dims[i], 0, 0, i - 1, i == 0 ? param::channels : param::size,
                        p.dims.rank - 1);
  if (p.batch < 1) return make_error(error_code::not_positive, p.batch, 0, 0, -1, param::batch);
  if (p.repeated_batch) return make_error(error_code::conflicting_options, 0, 0, 0, -1, param::batch);
  if (p.repeated_layout) return make_error(error_code::conflicting_options, 0, 0, 0, -1, param::layout);
  if ((checked_size(p.dims) * p.batch).overflow)
    return make_error(error_code::count_overflow, 0, 0, 0, -1, param::output_elements);
  return {};
}

}  // namespace ctnn
