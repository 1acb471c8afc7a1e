// ctnn/kernels/pad.hpp: padding and cropping kernels (declaration: ctnn/layers/pad.hpp).
//
// Output position o reads input position o - pb: constant padding writes the fill value outside,
// reflection mirrors without repeating the edge (-1 -> 1, n -> n - 2), replication repeats it.
#pragma once

#include "ctnn/kernels/quantize.hpp"
#include "ctnn/kernels/tensor.hpp"
#include "ctnn/shapes/pad.hpp"

namespace ctnn {

namespace detail {
// The input index an output index reads along one dim; -1 for "the fill value".
constexpr index_t padded_source(pad_mode mode, index_t i, index_t n) {
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case pad_mode::constant: return -1;
    case pad_mode::reflect: return i < 0 ? -i : 2 * (n - 1) - i;
    case pad_mode::replicate: return i < 0 ? 0 : n - 1;
  }
  return -1;
}
}  // namespace detail

// f(output offset, input offset or -1 for the fill value) for every output element.
template <pad_params P, shape In, layout L, class F>
constexpr void for_each_padded(F&& f) {
  constexpr dims4 in = dims_of(In), out = dims_of(infer(P, In).out);
  constexpr int shift = 3 - P.rank;
  constexpr index_t in_extent[3] = {in.d, in.h, in.w};
  index_t before[3] = {};
  for (int i = 0; i < P.rank; ++i) before[shift + i] = P.padding.begin.at(i);
  for (index_t c = 0; c < out.c; ++c)
    for (index_t oz = 0; oz < out.d; ++oz)
      for (index_t oy = 0; oy < out.h; ++oy)
        for (index_t ox = 0; ox < out.w; ++ox) {
          const index_t o[3] = {oz, oy, ox};
          index_t s[3];
          bool inside = true;
          for (int i = 0; i < 3; ++i) {
            s[i] = detail::padded_source(P.mode, o[i] - before[i], in_extent[i]);
            inside = inside && s[i] >= 0;
          }
          f(offset<L>(out, c, oz, oy, ox), inside ? offset<L>(in, c, s[0], s[1], s[2]) : count_t{-1});
        }
}
template <pad_params P, shape In, layout L, class T>
constexpr void pad_forward(const T* x, T* y) {
  const T fill = static_cast<T>(static_cast<double>(P.fill_num) / static_cast<double>(P.fill_den));
  for_each_padded<P, In, L>([&](count_t o, count_t i) { y[o] = i >= 0 ? x[i] : fill; });
}

// f(output offset, input offset) for every output element.
template <crop_params P, shape In, layout L, class F>
constexpr void for_each_cropped(F&& f) {
  constexpr dims4 in = dims_of(In), out = dims_of(infer(P, In).out);
  constexpr int shift = 3 - P.rank;
  index_t begin[3] = {};
  for (int i = 0; i < P.rank; ++i) begin[shift + i] = P.crop_begin.at(i);
  for (index_t c = 0; c < out.c; ++c)
    for (index_t oz = 0; oz < out.d; ++oz)
      for (index_t oy = 0; oy < out.h; ++oy)
        for (index_t ox = 0; ox < out.w; ++ox)
          f(offset<L>(out, c, oz, oy, ox), offset<L>(in, c, oz + begin[0], oy + begin[1], ox + begin[2]));
}
template <crop_params P, shape In, layout L, class T>
constexpr void crop_forward(const T* x, T* y) {
  for_each_cropped<P, In, L>([&](count_t o, count_t i) { y[o] = x[i]; });
}


template <class Node, layout L, class T>
constexpr void run_plain(const pad_params&, const T* x, const T*, T* y) {
  pad_forward<Node::type::params, Node::input_shape, L>(x, y);
}
template <class Node, layout L, class T>
constexpr void run_plain(const crop_params&, const T* x, const T*, T* y) {
  crop_forward<Node::type::params, Node::input_shape, L>(x, y);
}
// In an int8 network padding and cropping keep the input's quantization; the fill value is quantized
// in it (0 is the zero point).
template <class Node, layout L, activation_params A>
constexpr void run_int8(const pad_params&, const int8_call& c) {
  constexpr pad_params P = Node::type::params;
  const std::int8_t fill = quantize_value(static_cast<float>(static_cast<double>(P.fill_num) / static_cast<double>(P.fill_den)), c.in);
  for_each_padded<P, Node::input_shape, L>([&](count_t o, count_t i) { c.y[o] = i >= 0 ? c.x[i] : fill; });
}
template <class Node, layout L, activation_params A>
constexpr void run_int8(const crop_params& p, const int8_call& c) {
  run_plain<Node, L>(p, c.x, c.x, c.y);
}
// The backward passes: each output's gradient back to the element it copied (a mirrored or repeated edge
// collects several); the fill value takes none.
template <class Node, layout L, class T>
constexpr void run_backward(const pad_params&, const backward_call<T>& c) {
  if (c.dx == nullptr) return;
  for_each_padded<Node::type::params, Node::input_shape, L>([&](count_t o, count_t i) {
    if (i >= 0) c.dx[i] += c.dy[o];
  });
}
template <class Node, layout L, class T>
constexpr void run_backward(const crop_params&, const backward_call<T>& c) {
  if (c.dx == nullptr) return;
  for_each_cropped<Node::type::params, Node::input_shape, L>([&](count_t o, count_t i) { c.dx[i] += c.dy[o]; });
}

}  // namespace ctnn
