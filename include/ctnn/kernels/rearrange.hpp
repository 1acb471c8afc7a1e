// ctnn/kernels/rearrange.hpp: channel slices, channel and pixel shuffles, permutes (declaration:
// ctnn/layers/rearrange.hpp). Each output element is gathered from the input element its layer names,
// in PyTorch's channel-first index space, so one loop serves both layouts.
#pragma once

#include <type_traits>

#include "ctnn/kernels/quantize.hpp"
#include "ctnn/kernels/tensor.hpp"
#include "ctnn/shapes/rearrange.hpp"

namespace ctnn {

template <class P>
concept rearrange_params = std::is_same_v<P, slice_channels_params> || std::is_same_v<P, channel_shuffle_params> ||
                           std::is_same_v<P, pixel_shuffle_params> || std::is_same_v<P, permute_params>;

// f(input offset, output offset) for every output index `to`, the input index being source(to).
template <shape In, shape Out, layout L, class Source, class F>
constexpr void each_gathered_element(Source source, F&& f) {
  for (count_t n = 0; n < Out.size(); ++n) {
    index_t to[max_rank] = {}, from[max_rank] = {};
    unravel(n, Out, to);
    for (int i = 0; i < Out.rank; ++i) from[i] = to[i];
    source(to, from);
    f(offset_of<L>(In, from), offset_of<L>(Out, to));
  }
}

// Output channel c is input channel source(c) at every position: whole planes in NCHW, each pixel's
// channels in NHWC, in memory order both ways (no index arithmetic per element).
template <shape In, shape Out, layout L, class Source, class F>
constexpr void each_gathered_channel(Source source, F&& f) {
  constexpr index_t in_channels = In[0], out_channels = Out[0];
  constexpr count_t positions = Out.size() / out_channels;
  if constexpr (L == layout::nchw) {
    for (index_t c = 0; c < out_channels; ++c) {
      const count_t from = count_t{source(c)} * positions, to = count_t{c} * positions;
      for (count_t p = 0; p < positions; ++p) f(from + p, to + p);
    }
  } else {
    for (count_t p = 0; p < positions; ++p)
      for (index_t c = 0; c < out_channels; ++c) f(p * in_channels + source(c), p * out_channels + c);
  }
}

template <class Node, layout L, class F>
constexpr void each_moved(const slice_channels_params&, F&& f) {
  constexpr index_t first = Node::type::params.first;
  each_gathered_channel<Node::input_shape, Node::output_shape, L>([](index_t c) { return c + first; }, f);
}

// Output channel k G + g is input channel g (C / G) + k.
template <class Node, layout L, class F>
constexpr void each_moved(const channel_shuffle_params&, F&& f) {
  constexpr index_t groups = Node::type::params.groups, per_group = Node::input_shape[0] / groups;
  each_gathered_channel<Node::input_shape, Node::output_shape, L>(
      [](index_t c) { return c % groups * per_group + c / groups; }, f);
}

// PixelShuffle: out[c, h r + i, w r + j] = in[c r^2 + i r + j, h, w] (CRD); DepthToSpace: from
// in[(i r + j) C + c, h, w] (DCR, C the output's channels). PixelUnshuffle and SpaceToDepth the inverses.
template <class Node, layout L, class F>
constexpr void each_moved(const pixel_shuffle_params&, F&& f) {
  constexpr index_t r = Node::type::params.factor;
  constexpr bool dcr = Node::type::params.dcr;
  if constexpr (!Node::type::params.inverse) {
    constexpr index_t channels = Node::output_shape[0];
    each_gathered_element<Node::input_shape, Node::output_shape, L>([](const index_t* to, index_t* from) {
      const index_t block = to[1] % r * r + to[2] % r;
      from[0] = dcr ? block * channels + to[0] : to[0] * r * r + block;
      from[1] = to[1] / r;
      from[2] = to[2] / r;
    }, f);
  } else {
    constexpr index_t channels = Node::input_shape[0];
    each_gathered_element<Node::input_shape, Node::output_shape, L>([](const index_t* to, index_t* from) {
      const index_t block = dcr ? to[0] / channels : to[0] % (r * r), c = dcr ? to[0] % channels : to[0] / (r * r);
      from[0] = c;
      from[1] = to[1] * r + block / r;
      from[2] = to[2] * r + block % r;
    }, f);
  }
}

template <class Node, layout L, class F>
constexpr void each_moved(const permute_params&, F&& f) {
  each_gathered_element<Node::input_shape, Node::output_shape, L>([](const index_t* to, index_t* from) {
    constexpr shape dims = Node::type::params.dims;  // here, not captured: indexing it odr-uses it
    for (int i = 0; i < dims.rank; ++i) from[dims[i]] = to[i];
  }, f);
}

// Every layer of this family moves elements: y[to] = x[from]; its backward moves each gradient back.
template <class Node, layout L, class T>
constexpr void run_plain(const rearrange_params auto& p, const T* x, const T*, T* y) {
  each_moved<Node, L>(p, [&](count_t from, count_t to) { y[to] = x[from]; });
}
template <class Node, layout L, class T>
constexpr void run_backward(const rearrange_params auto& p, const backward_call<T>& c) {
  if (c.dx != nullptr) each_moved<Node, L>(p, [&](count_t from, count_t to) { c.dx[from] += c.dy[to]; });
}
// In an int8 network the integers move and keep their quantization, as PyTorch's quantized tensors.
template <class Node, layout L, activation_params A>
constexpr void run_int8(const rearrange_params auto& p, const int8_call& c) {
  run_plain<Node, L>(p, c.x, c.x, c.y);
}

}  // namespace ctnn
