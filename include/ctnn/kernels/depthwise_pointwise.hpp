// ctnn/kernels/depthwise_pointwise.hpp: a depthwise convolution and the pointwise (1x1) convolution
// after it in one pass, NHWC, on prepared weights (the fusion rule: ctnn/plan/schedule.hpp).
//
// Per tile of R output pixels: the depthwise kernel writes the tile's R x C values (activated by A1)
// to a buffer on the stack, and the pointwise register tile reads them as its input rows (activated by
// A2 on store). The depthwise output tensor is never written; the buffer stays in L1.
#pragma once

#include <type_traits>

#include "ctnn/kernels/activation.hpp"
#include "ctnn/kernels/conv.hpp"
#include "ctnn/kernels/target.hpp"
#include "ctnn/kernels/tensor.hpp"

CTNN_BEGIN_CONFIG

// source: the depthwise input's rows (its input_rows, or an expansion's ring_rows below); reach(oz, oy)
// before each output row.
template <bool Vector, conv_params Depthwise, shape In, conv_params Pointwise, activation_params A1,
          activation_params A2, class T, class Source, class PackedDepthwise, class PackedPointwise>
constexpr void depthwise_pointwise_nhwc_with(Source& source, const PackedDepthwise& dw, const PackedPointwise& pw, T* y,
                                             work_part part, const residual_sum<T>* sum) {
  using D = depthwise_nhwc_kernel<Depthwise, In, T>;
  constexpr dims4 mid = D::K::out;
  constexpr index_t C = mid.c, CO = Pointwise.out_channels, CP = PackedPointwise::padded;
  constexpr register_tile tile = tile_for_width(CO, sizeof(T), mid.w);
  constexpr index_t V = tile.channels, R = tile.pixels;
  // The depthwise fills the R pixels in pieces of at most its own tile's pixels.
  constexpr index_t pieces = (R + D::R - 1) / D::R, piece = (R + pieces - 1) / pieces;
  T buffer[pieces * piece * C] = {};
  const T* rows[R];
  for (index_t r = 0; r < R; ++r) rows[r] = buffer + count_t{r} * C;
  constexpr count_t out_rows = count_t{mid.d} * mid.h;
  for (count_t out_row = part.begin(out_rows); out_row < part.end(out_rows); ++out_row) {
    const index_t oz = static_cast<index_t>(out_row / mid.h), oy = static_cast<index_t>(out_row % mid.h);
    source.reach(oz, oy);
    for (index_t ox0 = 0; ox0 < mid.w; ox0 += R) {
      for (index_t p = 0; p < pieces; ++p)
        D::template pixels_at<Vector, A1, piece>(source, dw, oz, oy, ox0 + p * piece, buffer + count_t{p} * piece * C, piece);
      for (index_t co0 = 0; co0 < CP; co0 += V) {
        register_block<Vector, T, R, V> acc;
        acc.start(&pw.bias[co0]);
        acc.add(rows, &pw.weight[co0], CP, C);
#pragma GCC unroll 16
        for (index_t r = 0; r < R; ++r)  // constant trip count, unrolled: constant indices into acc
          if (ox0 + r < mid.w) {
            const count_t at = offset<layout::nhwc>(dims4{CO, mid.d, mid.h, mid.w}, co0, oz, oy, ox0 + r);
            if (sum != nullptr) {
              acc.store_sum(r, y + at, CO - co0 < V ? CO - co0 : V, *sum, at);
            } else {
              acc.template store<A2>(r, y + at, CO - co0 < V ? CO - co0 : V);
            }
          }
      }
    }
  }
}

// The rows of an inverted bottleneck's expansion (a pointwise convolution's output, the depthwise input)
// as the depthwise window reaches them: row iy in slot iy % span of `ring` (span: the rows one output row
// reads), computed by produce(iy, to) when it is first needed. Output rows run in order, so a row leaves
// the ring only once no later output row reads it: each is computed once (twice at a thread's boundary).
template <class D, class T, class Produce>
struct ring_rows {
  using K = typename D::K;
  static constexpr index_t span = (K::k.kernel[1] - 1) * K::k.dilation[1] + 1;
  static constexpr count_t row_elements = count_t{K::in.w} * K::in.c;
  static_assert(K::in.d == 1 && K::k.kernel[0] == 1);
  T* ring;
  Produce produce;
  index_t held[span];
  constexpr ring_rows(T* r, Produce p) : ring(r), produce(p), held{} {
    for (index_t& h : held) h = -1;
  }
  constexpr const T* operator()(index_t, index_t iy) const { return ring + (iy % span) * row_elements; }
  constexpr void reach(index_t, index_t oy) {
    for (index_t ky = 0; ky < K::k.kernel[1]; ++ky) {
      const index_t iy = oy * K::k.stride[1] - K::k.pad_begin[1] + ky * K::k.dilation[1];
      if (iy < 0 || iy >= K::in.h || held[iy % span] == iy) continue;
      produce(iy, ring + (iy % span) * row_elements);
      held[iy % span] = iy;
    }
  }
};

// A1, A2: the activations after the depthwise and after the pointwise convolution (identity if none);
// sum: a residual added to the output and clamped as it stores (A2 then identity), or none.
template <conv_params Depthwise, shape In, conv_params Pointwise, activation_params A1, activation_params A2,
          class T, class Source, class PackedDepthwise, class PackedPointwise>
constexpr void depthwise_pointwise_nhwc(Source& source, const PackedDepthwise& dw, const PackedPointwise& pw, T* y,
                                        work_part part = {}, const residual_sum<T>* sum = nullptr) {
  constexpr index_t width = depthwise_nhwc_kernel<Depthwise, In, T>::K::out.w;
  if constexpr (vector_block<T, tile_for_width(Pointwise.out_channels, sizeof(T), width).channels>) {
    if (!std::is_constant_evaluated()) {
      depthwise_pointwise_nhwc_with<true, Depthwise, In, Pointwise, A1, A2>(source, dw, pw, y, part, sum);
      return;
    }
  }
  depthwise_pointwise_nhwc_with<false, Depthwise, In, Pointwise, A1, A2>(source, dw, pw, y, part, sum);
}

// The conv family's hook for a fused depthwise (Node) + pointwise pass (ctnn/kernels/run.hpp), with the
// residual the schedule merged into it if any; its input the depthwise's input tensor x, or an
// expansion's rows (expansion_rows, kept in its ring: ring_rows above).
template <class D, class T>
constexpr typename D::input_rows rows_of(const T* x) {
  return {x};
}
template <class D, class T, class Produce>
constexpr ring_rows<D, T, Produce> rows_of(const expansion_rows<T, Produce>& e) {
  return {e.ring, e.produce};
}
template <class Node, class Pointwise, layout L, activation_params A1, activation_params A2, class T, class Input>
constexpr void run_fast_pointwise(const conv_params&, const Input& input, const T* depthwise_block,
                                  const T* pointwise_block, T* y, work_part part = {}, const residual_sum<T>* sum = nullptr) {
  using D = depthwise_nhwc_kernel<Node::type::params, Node::input_shape, T>;
  const typename impl::conv_packing<Node, T>::packed dw(depthwise_block);
  const typename impl::conv_packing<Pointwise, T>::packed pw(pointwise_block);
  auto source = rows_of<D, T>(input);
  depthwise_pointwise_nhwc<Node::type::params, Node::input_shape, Pointwise::type::params, A1, A2>(source, dw, pw, y,
                                                                                                   part, sum);
}

CTNN_END_CONFIG
