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

// Output channel c is input channel source(c) at every position: whole planes in NCHW, each pixel's
// channels gathered in NHWC, in memory order both ways (no index arithmetic per element).
template <shape In, shape Out, layout L, class T, class Source>
constexpr void gather_channels(const T* x, T* y, Source source) {
  constexpr index_t in_channels = In[0], out_channels = Out[0];
  constexpr count_t positions = Out.size() / out_channels;
  if constexpr (L == layout::nchw) {
    for (index_t c = 0; c < out_channels; ++c) {
      const T* from = x + count_t{source(c)} * positions;
      T* to = y + count_t{c} * positions;
      for (count_t p = 0; p < positions; ++p) to[p] = from[p];
    }
  } else {
    for (count_t p = 0; p < positions; ++p)
      for (index_t c = 0; c < out_channels; ++c) y[p * out_channels + c] = x[p * in_channels + source(c)];
  }
}

template <class Node, layout L, class T>
constexpr void run_plain(const slice_channels_params&, const T* x, const T*, T* y) {
  constexpr index_t first = Node::type::params.first;
  gather_channels<Node::input_shape, Node::output_shape, L>(x, y, [](index_t c) { return c + first; });
}

// Output channel k G + g is input channel g (C / G) + k.
template <class Node, layout L, class T>
constexpr void run_plain(const channel_shuffle_params&, const T* x, const T*, T* y) {
  constexpr index_t groups = Node::type::params.groups, per_group = Node::input_shape[0] / groups;
  gather_channels<Node::input_shape, Node::output_shape, L>(x, y, [](index_t c) { return c % groups * per_group + c / groups; });
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
