// ctnn/kernels/rearrange.hpp: channel slices, channel and pixel shuffles, permutes (declaration:
// ctnn/layers/rearrange.hpp). Each output element is gathered from the input element its layer names,
// in PyTorch's channel-first index space, so one loop serves both layouts.
#pragma once

#include "ctnn/kernels/tensor.hpp"
#include "ctnn/shapes/rearrange.hpp"

namespace ctnn {

// y[to] = x[source(to)] for every output index `to`.
template <shape In, shape Out, layout L, class T, class Source>
constexpr void gather_elements(const T* x, T* y, Source source) {
  for (count_t n = 0; n < Out.size(); ++n) {
    index_t to[max_rank] = {}, from[max_rank] = {};
    unravel(n, Out, to);
    for (int i = 0; i < Out.rank; ++i) from[i] = to[i];
    source(to, from);
    y[offset_of<L>(Out, to)] = x[offset_of<L>(In, from)];
  }
}

template <class Node, layout L, class T>
constexpr void run_plain(const slice_channels_params&, const T* x, const T*, T* y) {
  constexpr index_t first = Node::type::params.first;
  gather_elements<Node::input_shape, Node::output_shape, L>(x, y, [](const index_t*, index_t* from) { from[0] += first; });
}

// Output channel k G + g is input channel g (C / G) + k.
template <class Node, layout L, class T>
constexpr void run_plain(const channel_shuffle_params&, const T* x, const T*, T* y) {
  constexpr index_t groups = Node::type::params.groups, per_group = Node::input_shape[0] / groups;
  gather_elements<Node::input_shape, Node::output_shape, L>(
      x, y, [](const index_t* to, index_t* from) { from[0] = to[0] % groups * per_group + to[0] / groups; });
}

// PixelShuffle: out[c, h r + i, w r + j] = in[c r^2 + i r + j, h, w] (CRD); DepthToSpace: from
// in[(i r + j) C + c, h, w] (DCR, C the output's channels). PixelUnshuffle and SpaceToDepth the inverses.
template <class Node, layout L, class T>
constexpr void run_plain(const pixel_shuffle_params&, const T* x, const T*, T* y) {
  constexpr index_t r = Node::type::params.factor;
  constexpr bool dcr = Node::type::params.dcr;
  if constexpr (!Node::type::params.inverse) {
    constexpr index_t channels = Node::output_shape[0];
    gather_elements<Node::input_shape, Node::output_shape, L>(x, y, [](const index_t* to, index_t* from) {
      const index_t block = to[1] % r * r + to[2] % r;
      from[0] = dcr ? block * channels + to[0] : to[0] * r * r + block;
      from[1] = to[1] / r;
      from[2] = to[2] / r;
    });
  } else {
    constexpr index_t channels = Node::input_shape[0];
    gather_elements<Node::input_shape, Node::output_shape, L>(x, y, [](const index_t* to, index_t* from) {
      const index_t block = dcr ? to[0] / channels : to[0] % (r * r), c = dcr ? to[0] % channels : to[0] / (r * r);
      from[0] = c;
      from[1] = to[1] * r + block / r;
      from[2] = to[2] * r + block % r;
    });
  }
}

template <class Node, layout L, class T>
constexpr void run_plain(const permute_params&, const T* x, const T*, T* y) {
  gather_elements<Node::input_shape, Node::output_shape, L>(x, y, [](const index_t* to, index_t* from) {
    constexpr shape dims = Node::type::params.dims;  // here, not captured: indexing it odr-uses it
    for (int i = 0; i < dims.rank; ++i) from[dims[i]] = to[i];
  });
}

}  // namespace ctnn
