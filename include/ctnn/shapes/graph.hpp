// ctnn/shapes/graph.hpp: shapes through chains, residual and concat blocks, and the input check.
//
// A chain is traced by a loop over an array of rule pointers, one per layer: linear in the number of
// layers at compile time, with no recursion depth limit and no fold over the layer pack (clang rejects
// folds over more than 256 elements). Every intermediate shape is kept, so any layer's shape is an
// array lookup.
#pragma once

#include <array>
#include <cstddef>

#include "ctnn/layers/graph.hpp"
#include "ctnn/shapes/result.hpp"

namespace ctnn {

// Every layer type has `params`, and a shape rule `infer(params, shape)` found by argument-dependent
// lookup, so a rule only needs to be declared before the network that uses it is instantiated.
// A layer is a type with `params`; anything else in a layer list (an option outside its layer's
// brackets, say) is reported as not_a_layer at its position.
template <class T>
concept layer_type = requires { T::params; };

template <class Layer>
constexpr layer_shapes layer_rule(const shape& in) {
  if constexpr (!layer_type<Layer>) {
    return fail(error_code::not_a_layer);
  } else {
  layer_shapes r = infer(Layer::params, in);
  // Rules report a spatial dim by number; the layer's rank lets diagnostics name it (D, H, W).
  if constexpr (requires { Layer::params.rank; })
    if (r.error && r.error.dim >= 0 && r.error.rank == 0) r.error.rank = Layer::params.rank;
  return r;
  }
}

template <std::size_t N>
struct chain_trace {
  std::array<shape, N + 1> shapes{};     // shapes[0] is the chain's input, shapes[i + 1] layer i's output
  std::array<layer_shapes, N> layers{};  // rule results, weight and bias shapes included
  layer_error error;                     // first failure, its path starting at the layer index
  int failed = -1;                       // index of the failing layer, -1 when every layer passed

  constexpr const shape& output() const { return shapes[N]; }
  constexpr bool ok() const { return !error; }
};

template <class... Layers>
constexpr chain_trace<sizeof...(Layers)> trace_chain(const shape& in) {
  using rule = layer_shapes (*)(const shape&);
  // One spare slot so that an empty chain still declares a valid array.
  const rule rules[sizeof...(Layers) + 1] = {&layer_rule<Layers>..., nullptr};
  chain_trace<sizeof...(Layers)> t;
  // Every element written once: g++-12 cannot read an element of a constant array that was only
  // value-initialized (the shapes after a failing layer) and reports a bogus second error.
  for (shape& s : t.shapes) s = shape{};
  t.shapes[0] = in;
  for (std::size_t i = 0; i != sizeof...(Layers); ++i) {
    t.layers[i] = rules[i](t.shapes[i]);
    if (t.layers[i].error) {
      t.error = at_step(t.layers[i].error, static_cast<int>(i));
      t.failed = static_cast<int>(i);
      break;
    }
    t.shapes[i + 1] = t.layers[i].out;
  }
  return t;
}

template <class... Layers>
constexpr auto trace(chain<Layers...>, const shape& in) {
  return trace_chain<Layers...>(in);
}

// A chain summarised as one layer: its output shape, or its first error.
template <class Chain>
constexpr layer_shapes chain_result(const shape& in) {
  const auto t = trace(Chain{}, in);
  layer_shapes r;
  r.out = t.output();
  r.error = t.error;
  return r;
}

// ---- blocks ------------------------------------------------------------------------------------
constexpr layer_shapes infer(const identity::params_t&, const shape& in) { return same_shape(in); }

template <class... Layers>
constexpr layer_shapes infer(const chain_params<Layers...>&, const shape& in) {
  const layer_shapes r = chain_result<chain<Layers...>>(in);
  return r.error ? fail(at_step(r.error, 0)) : r;
}

// The merge rules, as plain functions. Residual add: the branches' shapes must be equal (no
// broadcasting). Concat: equal but for the channel count, which adds up.
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
  r.out[0] += other[0];
  return r;
}

template <class Main, class Shortcut>
constexpr layer_shapes infer(const residual_params<Main, Shortcut>&, const shape& in) {
  const layer_shapes main = chain_result<Main>(in);
  if (main.error) return fail(at_step(main.error, 0));
  const layer_shapes shortcut = chain_result<Shortcut>(in);
  if (shortcut.error) return fail(at_step(shortcut.error, 1));
  return merge_add(main.out, shortcut.out, 1);
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
    const layer_shapes merged = merge_concat(branches[0].out, branches[b].out, static_cast<int>(b));
    if (merged.error) return merged;
    r.out[0] += branches[b].out[0];
  }
  return r;
  }
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
  return {};
}

}  // namespace ctnn
