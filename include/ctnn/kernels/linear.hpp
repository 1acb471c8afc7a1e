// ctnn/kernels/linear.hpp: the fully connected kernel (declaration: ctnn/layers/linear.hpp).
//
// y[..., j] = b[j] + sum_k W[j, k] x[..., k] over the last dim, every leading index a row.
#pragma once

#include <type_traits>

#include "ctnn/kernels/activation.hpp"
#include "ctnn/kernels/int8_dot.hpp"
#include "ctnn/kernels/quantize.hpp"
#include "ctnn/kernels/target.hpp"
#include "ctnn/kernels/tensor.hpp"
#include "ctnn/shapes/linear.hpp"

namespace ctnn {

// Outputs [first, end) of every row: y = finish(j, start(j) + sum_k W[j, k] (x[k] - x_zero)), summed in
// order from start(j).
template <linear_params P, shape In, layout L, class T, class Start, class Finish>
constexpr void linear_each_output(const T* x, const T* w, T* y, index_t first, index_t end, accumulator_t<T> x_zero,
                                  Start&& start, Finish&& finish) {
  using A = accumulator_t<T>;
  constexpr shape out_shape = infer(P, In).out;
  constexpr int last = In.rank - 1;
  constexpr index_t features = In[last];
  constexpr count_t rows = In.size() / features;
  for (count_t row = 0; row < rows; ++row) {
    index_t idx[max_rank] = {};
    unravel(row * features, In, idx);
    for (index_t j = first; j < end; ++j) {
      A acc = start(j);
      for (index_t k = 0; k < features; ++k) {
        idx[last] = k;
        if constexpr (std::is_integral_v<T>) {
          acc += static_cast<A>(w[count_t{j} * features + k]) * (static_cast<A>(x[offset_of<L>(In, idx)]) - x_zero);
        } else {
          acc += static_cast<A>(w[count_t{j} * features + k]) * static_cast<A>(x[offset_of<L>(In, idx)]);
        }
      }
      idx[last] = j;
      y[offset_of<L>(out_shape, idx)] = finish(j, acc);
    }
  }
}

template <linear_params P, shape In, layout L, class T>
constexpr void linear_forward_outputs(const T* x, const T* w, const T* b, T* y, index_t first, index_t end) {
  using A = accumulator_t<T>;
  linear_each_output<P, In, L>(
      x, w, y, first, end, {}, [b](index_t j) { return b != nullptr ? static_cast<A>(b[j]) : A{}; },
      [](index_t, A acc) { return static_cast<T>(acc); });
}

// The int8 linear layer (the scheme of ctnn/kernels/quantize.hpp), the reference for faster int8 paths:
// x int8 with zero point x_zero, w int8 [out, in] symmetric per output, bias int32 or null, one
// multiplier per output.
template <linear_params P, shape In, layout L>
constexpr void linear_forward_int8(const std::int8_t* x, std::int32_t x_zero, const std::int8_t* w,
                                   const std::int32_t* bias, const fixed_multiplier* multipliers,
                                   const output_stage& out, std::int8_t* y) {
  linear_each_output<P, In, L>(
      x, w, y, 0, P.out_features, x_zero, [bias](index_t j) { return bias != nullptr ? bias[j] : 0; },
      [&](index_t j, std::int32_t acc) { return requantize(acc, multipliers[j], out); });
}

// NHWC on rank >= 2 (ConvNeXt's channel-last MLP on [H, W, C], stored W, C, H): the last dim's elements
// lie dim 0's extent S apart, and dim 0 is contiguous, so for each index of the dims between, y's
// [F_out, S] block is the weight [F_out, F_in] times x's [F_in, S] block. A tile of 4 outputs x up to two
// vectors along S stays in accumulators over the whole reduction (each load of x serves 4 outputs), GNU
// vectors at run time as the convolution's tiles; each output sums in the same order as the loop above.
template <linear_params P, shape In, class T>
struct linear_channel_last {
  static constexpr index_t features = In[In.rank - 1], outputs = P.out_features, S = In[0];
  static constexpr count_t blocks = In.size() / (count_t{features} * S);

  template <bool Vector, index_t Rows, index_t Width>
  [[gnu::always_inline]] static constexpr void tile(const T* xb, const T* w, const T* b, T* yb, index_t j0, index_t s0) {
    using vec = std::conditional_t<Vector, simd<T>, scalar_lanes<T>>;
    using lanes_t = typename vec::type;
    constexpr index_t N = Width / vec::lanes;
    lanes_t acc[Rows][N];
    for (index_t r = 0; r < Rows; ++r)
      for (index_t n = 0; n < N; ++n) acc[r][n] = vec::broadcast(b != nullptr ? b[j0 + r] : T{});
    for (index_t k = 0; k < features; ++k) {
      lanes_t xk[N];
      for (index_t n = 0; n < N; ++n) xk[n] = vec::load(xb + count_t{k} * S + s0 + n * vec::lanes);
      for (index_t r = 0; r < Rows; ++r) {
        const T wk = w[count_t{j0 + r} * features + k];
        for (index_t n = 0; n < N; ++n) acc[r][n] = vec::multiply_add_scalar(acc[r][n], xk[n], wk);
      }
    }
    for (index_t r = 0; r < Rows; ++r)
      for (index_t n = 0; n < N; ++n) vec::store(yb + count_t{j0 + r} * S + s0 + n * vec::lanes, acc[r][n]);
  }

  // Outputs j0 .. j0 + Rows - 1 along all of S: two vectors at a time, then one, then the rest in one
  // tile of scalars (which the compiler may still vectorize); without vectors, tiles of 16 scalars (a
  // small stack on a microcontroller).
  template <bool Vector, index_t Rows>
  static constexpr void rows(const T* xb, const T* w, const T* b, T* yb, index_t j0) {
    constexpr index_t lanes = Vector ? simd<T>::lanes : 16;
    index_t s0 = 0;
    for (; s0 + 2 * lanes <= S; s0 += 2 * lanes) tile<Vector, Rows, 2 * lanes>(xb, w, b, yb, j0, s0);
    if constexpr (S % (2 * lanes) >= lanes) {
      tile<Vector, Rows, lanes>(xb, w, b, yb, j0, s0);
      s0 += lanes;
    }
    if constexpr (S % lanes != 0) tile<false, Rows, S % lanes>(xb, w, b, yb, j0, s0);
  }

  template <bool Vector>
  static constexpr void run(const T* x, const T* w, const T* b, T* y) {
    for (count_t block = 0; block < blocks; ++block) {
      const T* xb = x + block * features * S;
      T* yb = y + block * count_t{outputs} * S;
      index_t j0 = 0;
      for (; j0 + 4 <= outputs; j0 += 4) rows<Vector, 4>(xb, w, b, yb, j0);
      for (; j0 < outputs; ++j0) rows<Vector, 1>(xb, w, b, yb, j0);
    }
  }
};

template <linear_params P, shape In, class T>
constexpr void linear_forward_channel_last(const T* x, const T* w, const T* b, T* y) {
  if constexpr (simd<T>::available) {
    if (!std::is_constant_evaluated()) {
      linear_channel_last<P, In, T>::template run<true>(x, w, b, y);
      return;
    }
  }
  linear_channel_last<P, In, T>::template run<false>(x, w, b, y);
}

template <linear_params P, shape In, layout L, class T>
constexpr void linear_forward(const T* x, const T* w, const T* b, T* y) {
  if constexpr (L == layout::nhwc && In.rank >= 2) {
    linear_forward_channel_last<P, In>(x, w, b, y);
  } else {
    linear_forward_outputs<P, In, L>(x, w, b, y, 0, P.out_features);
  }
}

template <class Node, layout L, class T>
constexpr void run_plain(const linear_params&, const T* x, const T* w, T* y) {
  linear_forward<Node::type::params, Node::input_shape, L>(x, w, bias_after_weight<Node>(w), y);
}
// An int8 network's linear layer (ctnn/kernels/run_int8.hpp), the clamp A fused: on a vector, four outputs
// at a time with dot_rows (the input's zero point folded into the kernel biases) and requantize_fast, the
// reference's integers; on a tensor, the reference kernel.
template <linear_params P, index_t Features, int Rows>
inline void linear_block_int8(index_t first, const int8_call& c, const output_stage& stage) {
  alignas(16) std::int32_t acc[Rows];
  const std::int8_t* w[Rows];
  for (int j = 0; j < Rows; ++j) {
    acc[j] = c.kernel_biases[first + j];
    w[j] = c.weights + count_t{first + j} * Features;
  }
  dot_rows<Features, Rows>(c.x, w, acc);
  requantize_row<Rows>(c.multipliers + first, stage)(acc, c.y + first);
}
template <class Node, layout L, activation_params A>
constexpr void run_int8(const linear_params&, const int8_call& c) {
  constexpr linear_params P = Node::type::params;
  const output_stage stage = output_stage_for<A>(c.out);
  if constexpr (Node::input_shape.rank == 1) {
    if (!std::is_constant_evaluated()) {
      constexpr index_t features = Node::input_shape[0];
      index_t first = 0;
      for (; first + 4 <= P.out_features; first += 4) linear_block_int8<P, features, 4>(first, c, stage);
      if constexpr (P.out_features % 4 != 0) linear_block_int8<P, features, P.out_features % 4>(first, c, stage);
      return;
    }
  }
  linear_forward_int8<P, Node::input_shape, L>(c.x, c.in.zero_point, c.weights, c.biases, c.multipliers, stage, c.y);
}
// Outputs [first, last) only, on a flat input (their channels): see conv.hpp's run_plain_channels.
template <class Node, layout L, class T>
  requires(Node::input_shape.rank == 1)
constexpr void run_plain_channels(const linear_params&, const T* x, const T* w, T* y, index_t first, index_t last) {
  linear_forward_outputs<Node::type::params, Node::input_shape, L>(x, w, bias_after_weight<Node>(w), y, first, last);
}

// The backward pass at every position of the leading dims: dx[i] += sum_o w[o, i] dy[o],
// dw[o, i] += x[i] dy[o], db[o] += dy[o]. dx, dw, db may be null.
template <linear_params P, shape In, shape Out, layout L, class T>
constexpr void linear_backward(const T* x, const T* w, const T* dy, T* dx, T* dw, T* db) {
  constexpr index_t F = In[In.rank - 1], O = P.out_features;
  constexpr count_t rows = In.size() / F;
  for (count_t row = 0; row < rows; ++row) {
    index_t in_idx[max_rank] = {}, out_idx[max_rank] = {};
    unravel(row * F, In, in_idx);
    unravel(row * O, Out, out_idx);
    const auto at_in = [&](index_t i) {
      if constexpr (In.rank == 1) {
        return count_t{i};
      } else {
        in_idx[In.rank - 1] = i;
        return offset_of<L>(In, in_idx);
      }
    };
    for (index_t o = 0; o < O; ++o) {
      out_idx[Out.rank - 1] = o;
      const T g = dy[Out.rank == 1 ? count_t{o} : offset_of<L>(Out, out_idx)];
      if (db != nullptr) db[o] += g;
      const T* wo = w + count_t{o} * F;
      T* dwo = dw != nullptr ? dw + count_t{o} * F : nullptr;
      for (index_t i = 0; i < F; ++i) {
        const count_t at = at_in(i);
        if (dx != nullptr) dx[at] += wo[i] * g;
        if (dwo != nullptr) dwo[i] += x[at] * g;
      }
    }
  }
}
template <class Node, layout L, class T>
constexpr void run_backward(const linear_params&, const backward_call<T>& c) {
  linear_backward<Node::type::params, Node::input_shape, Node::output_shape, L>(c.x, c.w, c.dy, c.dx,
                                                                               weight_gradient_of<Node>(c),
                                                                               bias_gradient_of<Node>(c));
}

// y[..., m, n] = sum_k x[..., m, k] t[..., k, n], t's leading index the input's where its extent is not 1.
template <class Node, layout L, class T>
constexpr void run_plain(const matmul_params&, const T* x, const T* t, T* y) {
  constexpr shape in = Node::input_shape, out = Node::output_shape, dims = Node::type::params.dims;
  constexpr index_t K = dims[dims.rank - 2], N = dims[dims.rank - 1];
  for (count_t o = 0; o < out.size(); ++o) {
    index_t idx[max_rank] = {};
    unravel(o, out, idx);
    count_t matrix = 0;  // which of t's matrices
    for (int i = 0; i < dims.rank - 2; ++i) {
      const index_t extent = dims[i];
      matrix = matrix * extent + (extent == 1 ? 0 : idx[in.rank - dims.rank + i]);
    }
    const T* column = t + matrix * K * N + idx[in.rank - 1];
    const count_t at = offset_of<L>(out, idx);
    accumulator_t<T> acc{};
    for (index_t k = 0; k < K; ++k) {
      idx[in.rank - 1] = k;
      acc += static_cast<accumulator_t<T>>(x[offset_of<L>(in, idx)]) * static_cast<accumulator_t<T>>(column[count_t{k} * N]);
    }
    y[at] = static_cast<T>(acc);
  }
}
// Its backward over the same products: dx[..., m, k] += dy[..., m, n] t[k, n], dt[k, n] += x[..., m, k] dy[..., m, n].
template <class Node, layout L, class T>
constexpr void run_backward(const matmul_params&, const backward_call<T>& c) {
  constexpr shape in = Node::input_shape, out = Node::output_shape, dims = Node::type::params.dims;
  constexpr index_t K = dims[dims.rank - 2], N = dims[dims.rank - 1];
  for (count_t o = 0; o < out.size(); ++o) {
    index_t idx[max_rank] = {};
    unravel(o, out, idx);
    count_t matrix = 0;
    for (int i = 0; i < dims.rank - 2; ++i) {
      const index_t extent = dims[i];
      matrix = matrix * extent + (extent == 1 ? 0 : idx[in.rank - dims.rank + i]);
    }
    const count_t column = matrix * K * N + idx[in.rank - 1];
    const T g = c.dy[offset_of<L>(out, idx)];
    for (index_t k = 0; k < K; ++k) {
      idx[in.rank - 1] = k;
      const count_t at = offset_of<L>(in, idx);
      if (c.dx != nullptr) c.dx[at] += g * c.w[column + count_t{k} * N];
      if (c.dw != nullptr) c.dw[column + count_t{k} * N] += c.x[at] * g;
    }
  }
}

}  // namespace ctnn

CTNN_BEGIN_CONFIG

// Prepared weights of a linear layer on a flat input: [in][out padded], then the bias, padded with zeros:
// a convolution's packing with one tap.
template <class T, index_t In, index_t Out>
using packed_linear = packed_taps<T, 1, In, Out>;

// On a flat input with weights prepared as [in][out padded to whole tiles]: each input scales a
// contiguous row of weights into a block of outputs at once. A block is as many outputs as 16 vectors
// hold, so that small layers stream their weights in one pass; S partial sums over interleaved inputs
// keep at least 8 FMA chains in flight (one chain would wait out the FMA latency on every input).
template <bool Vector, index_t In, index_t Out, activation_params A, class T, class Packed>
constexpr void linear_packed_with(const T* x, const Packed& w, T* y, work_part part) {
  using vec = std::conditional_t<Vector, simd<T>, scalar_lanes<accumulator_t<T>>>;
  constexpr index_t P = Packed::padded, vectors = P / vec::lanes;
  // Vectors per block: the largest divisor of `vectors` up to 16, or up to the registers less two (the
  // broadcast input and a weight) where there are fewer than 16: 8 Helium registers spill 15 accumulators
  // on every input (LeNet's 400 -> 120 ran no faster than the scalar build).
  constexpr index_t most = Vector && CTNN_VECTOR_REGISTERS < 16 ? CTNN_VECTOR_REGISTERS - 2 : 16;
  constexpr index_t N = [] {
    index_t n = vectors < most ? vectors : most;
    while (vectors % n != 0) --n;
    return n;
  }();
  constexpr index_t chains = (8 + N - 1) / N, fit = Vector && CTNN_VECTOR_REGISTERS < 16 ? (most / N > 1 ? most / N : 1) : chains;
  constexpr index_t S = N >= 8 ? 1 : (chains < fit ? chains : fit), B = N * vec::lanes;
  for (count_t block = part.begin(P / B); block < part.end(P / B); ++block) {
    const index_t o0 = static_cast<index_t>(block) * B;
    typename vec::type acc[S][N];
    for (index_t n = 0; n < N; ++n) {
      acc[0][n] = vec::load(&w.bias[o0 + n * vec::lanes]);
      for (index_t s = 1; s < S; ++s) acc[s][n] = typename vec::type{};
    }
    index_t i = 0;
    for (; i + S <= In; i += S)
      for (index_t s = 0; s < S; ++s) {
        const T xs = x[i + s];
        for (index_t n = 0; n < N; ++n)
          acc[s][n] = vec::multiply_add_scalar(acc[s][n], vec::load(&w.weight[count_t{i + s} * P + o0 + n * vec::lanes]), xs);
      }
    for (; i < In; ++i) {
      const T xs = x[i];
      for (index_t n = 0; n < N; ++n)
        acc[0][n] = vec::multiply_add_scalar(acc[0][n], vec::load(&w.weight[count_t{i} * P + o0 + n * vec::lanes]), xs);
    }
    T out[B];
    for (index_t n = 0; n < N; ++n) {
      for (index_t s = 1; s < S; ++s) acc[0][n] += acc[s][n];
      vec::store(out + n * vec::lanes, activate_tile<A, T>(acc[0][n]));
    }
    const index_t count = Out - o0 < B ? Out - o0 : B;
    for (index_t v = 0; v < count; ++v) y[o0 + v] = out[v];
    if constexpr (Vector && !activates_in_registers<A>) activate_stored<A>(y + o0, count);
  }
}

// Weights larger than an L2 cache (a classifier's 1280 x 1000: 5 MB) come from the L3 cache or memory
// at the pace of the access pattern: a block of outputs above reads a few hundred bytes of every row, a
// row (a page) apart, which the prefetchers hardly follow (1280 -> 1000 at 19-22 GB/s on the Xeon). Here
// the rows are read in memory order into up to 2048 outputs' sums kept in L1, four rows per pass over
// them; each output still sums from its bias in the inputs' order.
template <count_t WeightBytes>
inline constexpr bool streams_linear_weights = CTNN_VECTOR_BYTES >= 32 && WeightBytes > 1024 * 1024;

template <index_t In, index_t Out, activation_params A, class T, class Packed>
void linear_streamed(const T* x, const Packed& w, T* y, work_part part) {
  using vec = simd<T>;
  using lanes_t = typename vec::type;
  constexpr index_t P = Packed::padded, L = vec::lanes, vectors = P / L, chunk = 2048 / L;
  const index_t first = static_cast<index_t>(part.begin(vectors)), end = static_cast<index_t>(part.end(vectors));
  alignas(64) T sums[chunk * L];
  for (index_t c0 = first; c0 < end; c0 += chunk) {
    const index_t n = end - c0 < chunk ? end - c0 : chunk;
    const count_t o0 = count_t{c0} * L;
    for (index_t v = 0; v < n; ++v) vec::store(sums + v * L, vec::load(&w.bias[o0 + v * L]));
    index_t i = 0;
    for (; i + 4 <= In; i += 4) {
      const T x0 = x[i], x1 = x[i + 1], x2 = x[i + 2], x3 = x[i + 3];
      const T* w0 = &w.weight[count_t{i} * P + o0];
      for (index_t v = 0; v < n; ++v) {
        lanes_t s = vec::load(sums + v * L);
        s = vec::multiply_add_scalar(s, vec::load(w0 + v * L), x0);
        s = vec::multiply_add_scalar(s, vec::load(w0 + P + v * L), x1);
        s = vec::multiply_add_scalar(s, vec::load(w0 + 2 * count_t{P} + v * L), x2);
        s = vec::multiply_add_scalar(s, vec::load(w0 + 3 * count_t{P} + v * L), x3);
        vec::store(sums + v * L, s);
      }
    }
    for (; i < In; ++i) {
      const T* row = &w.weight[count_t{i} * P + o0];
      for (index_t v = 0; v < n; ++v)
        vec::store(sums + v * L, vec::multiply_add_scalar(vec::load(sums + v * L), vec::load(row + v * L), x[i]));
    }
    for (index_t v = 0; v < n; ++v) vec::store(sums + v * L, activate_tile<A, T>(vec::load(sums + v * L)));
    const count_t count = Out - o0 < count_t{n} * L ? Out - o0 : count_t{n} * L;
    for (count_t o = 0; o < count; ++o) y[o0 + o] = sums[o];
    if constexpr (!activates_in_registers<A>) activate_stored<A>(y + o0, static_cast<index_t>(count));
  }
}

// A: the element-wise activation fused after the layer, if any.
template <index_t In, index_t Out, activation_params A = no_activation, class T, class Packed>
constexpr void linear_packed(const T* x, const Packed& w, T* y, work_part part = {}) {
  if constexpr (simd<T>::available && tile_for(Out, sizeof(T)).channels % simd<T>::lanes == 0) {
    if (!std::is_constant_evaluated()) {
      if constexpr (streams_linear_weights<Packed::weight_elements * count_t{sizeof(T)}>) {
        linear_streamed<In, Out, A>(x, w, y, part);
      } else {
        linear_packed_with<true, In, Out, A>(x, w, y, part);
      }
      return;
    }
  }
  linear_packed_with<false, In, Out, A>(x, w, y, part);
}

// On an input of rank >= 2 (PyTorch's Linear at every position of the leading dims), with the flat
// layer's packing: a register tile of R positions x V outputs over the whole reduction, so that each
// weight vector loaded serves R positions (the plain loops stream W once per position, or per block in
// NHWC: ConvNeXt's 384 -> 1536 at 14 x 14 ran at 30 GFLOP/s). Outputs outermost, so that a [in][V]
// slice of W stays in cache while every position passes. Position p's features: NCHW at p in, 1 apart;
// NHWC at (p / S) in S + p % S, S apart (S: dim 0's extent), and its outputs alike. Each output sums
// from its bias in the features' order, as the plain loops.
template <bool Vector, linear_params P, shape In, layout L, activation_params A, class T, class Packed>
constexpr void linear_positions_with(const T* x, const Packed& w, T* y, work_part part) {
  using vec = std::conditional_t<Vector, simd<T>, scalar_lanes<accumulator_t<T>>>;
  constexpr index_t K = In[In.rank - 1], N = P.out_features, NP = Packed::padded;
  constexpr count_t positions = In.size() / K;
  constexpr count_t S = L == layout::nhwc ? count_t{In[0]} : 1, apart = L == layout::nhwc ? S : 1;
  constexpr register_tile tile = tile_for(N, sizeof(T));
  constexpr index_t V = tile.channels, lanes = vec::lanes, vectors = V / lanes;
  constexpr count_t R = positions < count_t{tile.pixels} ? positions : count_t{tile.pixels};
  const auto x_at = [&](count_t p) { return x + p / S * K * S + p % S; };
  const auto y_at = [&](count_t p) { return y + p / S * N * S + p % S; };
  for (count_t block = part.begin(NP / V); block < part.end(NP / V); ++block) {
    const index_t j0 = static_cast<index_t>(block) * V, count = N - j0 < V ? N - j0 : V;
    for (count_t first = 0; first < positions; first += R) {
      // A last tile shorter than R moves back to end at the last position (recomputing a few, the same).
      const count_t p0 = first + R > positions ? positions - R : first;
      const T* rows[R];
      for (count_t r = 0; r < R; ++r) rows[r] = x_at(p0 + r);
      typename vec::type acc[R][vectors];
      for (count_t r = 0; r < R; ++r)
        for (index_t n = 0; n < vectors; ++n) acc[r][n] = vec::load(&w.bias[j0 + n * lanes]);
      for (index_t k = 0; k < K; ++k) {
        typename vec::type wk[vectors];
        for (index_t n = 0; n < vectors; ++n) wk[n] = vec::load(&w.weight[count_t{k} * NP + j0 + n * lanes]);
#pragma GCC unroll 16
        for (count_t r = 0; r < R; ++r) {
          const T xk = rows[r][k * apart];
          for (index_t n = 0; n < vectors; ++n) acc[r][n] = vec::multiply_add_scalar(acc[r][n], wk[n], xk);
        }
      }
      for (count_t r = 0; r < R; ++r) {
        T out[V];
        for (index_t n = 0; n < vectors; ++n) vec::store(out + n * lanes, activate_tile<A, T>(acc[r][n]));
        // (on scalars activate_tile applied any activation already)
        if constexpr (Vector && !activates_in_registers<A>) activate_stored<A>(out, count);
        T* to = y_at(p0 + r);
        for (index_t v = 0; v < count; ++v) to[(j0 + v) * apart] = out[v];
      }
    }
  }
}

// ---- the family's fast-kernel hooks (ctnn/kernels/run.hpp) ---------------------------------------
// The reduction runs over the last dim: a flat input's only one, or the features at every position.
template <class Node>
inline constexpr index_t linear_inputs = Node::input_shape[Node::input_shape.rank - 1];

template <class Node, layout L, class T>
constexpr count_t packed_elements(const linear_params&) {
  return packed_linear<T, linear_inputs<Node>, Node::type::params.out_features>::elements;
}

template <class Node, layout L, class T>
constexpr packed_channels packed_channels_of(const linear_params&) {
  return packed_channels_in<packed_linear<T, linear_inputs<Node>, Node::type::params.out_features>>();
}

// [out][in] -> [in][out padded].
template <class Node, layout L, class T>
constexpr void pack(const linear_params&, const T* from, T* to) {
  constexpr index_t in = linear_inputs<Node>, out = Node::type::params.out_features;
  pack_taps<packed_linear<T, in, out>, 1, in, out, false, Node::result.bias.rank != 0>(from, from + count_t{out} * in, to);
}

template <class Node, layout L, activation_params A, class T>
constexpr void run_fast(const linear_params&, const T* x, const T* block, T* y, work_part part = {}) {
  constexpr index_t in = linear_inputs<Node>, out = Node::type::params.out_features;
  const packed_linear<T, in, out> w(block);
  if constexpr (Node::input_shape.rank == 1) {
    linear_packed<in, out, A>(x, w, y, part);
  } else {
    if constexpr (simd<T>::available && tile_for(out, sizeof(T)).channels % simd<T>::lanes == 0) {
      if (!std::is_constant_evaluated()) {
        linear_positions_with<true, Node::type::params, Node::input_shape, L, A>(x, w, y, part);
        return;
      }
    }
    linear_positions_with<false, Node::type::params, Node::input_shape, L, A>(x, w, y, part);
  }
}

CTNN_END_CONFIG
