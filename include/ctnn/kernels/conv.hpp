// ctnn/kernels/conv.hpp: the convolution kernel (declaration: ctnn/layers/conv.hpp, shape rule:
// ctnn/shapes/conv.hpp).
//
// y[oc, o] = b[oc] + sum over the group's input channels ic and the window k of
//            w[oc, ic, k] * x[g * C_in/g + ic, o * s - pb + k * d]        (zero outside the input)
// Every extent is a compile-time constant; 1d and 2d run as 3d with unit leading dims.
#pragma once

#include <array>
#include <cstdint>
#include <type_traits>

#include "ctnn/kernels/activation.hpp"
#include "ctnn/kernels/gemm.hpp"
#include "ctnn/kernels/quantize.hpp"
#include "ctnn/kernels/target.hpp"
#include "ctnn/kernels/tensor.hpp"
#include "ctnn/shapes/conv.hpp"

namespace ctnn {

// The window loop shared by convolution and partial convolution.
template <conv_params P, shape In, layout L, class T>
struct conv_kernel {
  static constexpr conv_geometry g = resolve_conv(P, In);
  static constexpr dims4 in = dims_of(In);
  static constexpr dims4 out = dims_of(window_output(g.w, g.out_channels));
  static constexpr window3 k = to3(g.w);
  static constexpr index_t in_per_group = g.in_channels / g.groups;
  static constexpr index_t out_per_group = g.out_channels / g.groups;

  // Weight [C_out, C_in/g, kd, kh, kw] in PyTorch order.
  static constexpr count_t weight_index(index_t oc, index_t ic, index_t kz, index_t ky, index_t kx) {
    return (((count_t{oc} * in_per_group + ic) * k.kernel[0] + kz) * k.kernel[1] + ky) * k.kernel[2] + kx;
  }

  // The sum over one output position's window, written out with the layout's strides and no call per
  // tap: a constant evaluation (ctnn/kernels/evaluate.hpp) pays for every call. An int8 input counts
  // from its zero point, which is also the value of the padding: the taps outside add nothing.
  static constexpr accumulator_t<T> window_sum(const T* x, const T* w, index_t oc, index_t oz, index_t oy,
                                               index_t ox, accumulator_t<T> x_zero = {}) {
    using A = accumulator_t<T>;
    constexpr bool nchw = L == layout::nchw;
    constexpr count_t channel_step = nchw ? in.spatial_size() : 1;
    constexpr count_t depth_step = nchw ? count_t{in.h} * in.w : count_t{in.h} * in.w * in.c;
    constexpr count_t row_step = nchw ? in.w : count_t{in.w} * in.c, column_step = nchw ? 1 : in.c;
    constexpr count_t taps = count_t{k.kernel[0]} * k.kernel[1] * k.kernel[2];
    // The taps along W that fall inside the input: [kx_first, kx_end).
    const index_t x0 = ox * k.stride[2] - k.pad_begin[2];
    index_t kx_first = 0, kx_end = k.kernel[2];
    while (kx_first < kx_end && x0 + kx_first * k.dilation[2] < 0) ++kx_first;
    while (kx_end > kx_first && x0 + (kx_end - 1) * k.dilation[2] >= in.w) --kx_end;
    const index_t first_in = oc / out_per_group * in_per_group;
    A acc{};
    for (index_t ic = 0; ic < in_per_group; ++ic) {
      const T* xc = x + count_t{first_in + ic} * channel_step;
      const T* wc = w + (count_t{oc} * in_per_group + ic) * taps;
      for (index_t kz = 0; kz < k.kernel[0]; ++kz) {
        const index_t iz = oz * k.stride[0] - k.pad_begin[0] + kz * k.dilation[0];
        if (iz < 0 || iz >= in.d) continue;
        for (index_t ky = 0; ky < k.kernel[1]; ++ky) {
          const index_t iy = oy * k.stride[1] - k.pad_begin[1] + ky * k.dilation[1];
          if (iy < 0 || iy >= in.h) continue;
          // Offsets, not pointers stepped past the row: a constant evaluation refuses those.
          const T* xr = xc + iz * depth_step + iy * row_step;
          const T* wp = wc + (count_t{kz} * k.kernel[1] + ky) * k.kernel[2];
          count_t at = (x0 + kx_first * k.dilation[2]) * column_step;
          for (index_t kx = kx_first; kx < kx_end; ++kx, at += k.dilation[2] * column_step) {
            if constexpr (std::is_integral_v<T>) {
              acc += static_cast<A>(wp[kx]) * (static_cast<A>(xr[at]) - x_zero);
            } else {
              acc += static_cast<A>(wp[kx]) * static_cast<A>(xr[at]);
            }
          }
        }
      }
    }
    return acc;
  }
};

// Every output position of channels [first, last): y = finish(oc, window sum), x counted from x_zero.
template <conv_params P, shape In, layout L, class T, class Finish>
constexpr void conv_each_output(const T* x, const T* w, T* y, index_t first, index_t last,
                                accumulator_t<T> x_zero, Finish&& finish) {
  using K = conv_kernel<P, In, L, T>;
  for (index_t oc = first; oc < last; ++oc)
    for (index_t oz = 0; oz < K::out.d; ++oz)
      for (index_t oy = 0; oy < K::out.h; ++oy)
        for (index_t ox = 0; ox < K::out.w; ++ox)
          y[offset<L>(K::out, oc, oz, oy, ox)] = finish(oc, K::window_sum(x, w, oc, oz, oy, ox, x_zero));
}

// Output channels [first, last) of the convolution of one sample: x in layout L with shape In, w in
// PyTorch order, b of C_out or null.
template <conv_params P, shape In, layout L, class T>
constexpr void conv_forward_channels(const T* x, const T* w, const T* b, T* y, index_t first, index_t last) {
  conv_each_output<P, In, L>(x, w, y, first, last, {}, [b](index_t oc, accumulator_t<T> acc) {
    if (b != nullptr) acc += b[oc];
    return static_cast<T>(acc);
  });
}

// The int8 convolution (the scheme of ctnn/kernels/quantize.hpp), the reference every faster int8 path
// is tested against bit for bit: x int8 with zero point x_zero, w int8 in PyTorch order (symmetric per
// output channel), bias int32 of C_out or null, one multiplier per output channel.
template <conv_params P, shape In, layout L>
constexpr void conv_forward_int8(const std::int8_t* x, std::int32_t x_zero, const std::int8_t* w,
                                 const std::int32_t* bias, const fixed_multiplier* multipliers,
                                 const output_stage& out, std::int8_t* y) {
  constexpr index_t channels = conv_kernel<P, In, L, std::int8_t>::out.c;
  conv_each_output<P, In, L>(x, w, y, 0, channels, x_zero, [&](index_t oc, std::int32_t acc) {
    return requantize(bias != nullptr ? acc + bias[oc] : acc, multipliers[oc], out);
  });
}
template <conv_params P, shape In, layout L, class T>
constexpr void conv_forward(const T* x, const T* w, const T* b, T* y) {
  conv_forward_channels<P, In, L>(x, w, b, y, 0, conv_kernel<P, In, L, T>::out.c);
}


template <class Node, layout L, class T>
constexpr void run_plain(const conv_params&, const T* x, const T* w, T* y) {
  conv_forward<Node::type::params, Node::input_shape, L>(x, w, bias_after_weight<Node>(w), y);
}
// The backward pass, as the forward's window walked the other way: each output's gradient g adds w g to
// every input its window reads (the transposed convolution: the input's gradient), x g to that tap's
// weight, and g to its channel's bias. dx, dw (weight then bias) may be null.
template <conv_params P, shape In, layout L, class T>
constexpr void conv_backward(const T* x, const T* w, const T* dy, T* dx, T* dw, T* db) {
  using K = conv_kernel<P, In, L, T>;
  for (index_t oc = 0; oc < K::out.c; ++oc) {
    const index_t first_in = oc / K::out_per_group * K::in_per_group;
    for (index_t oz = 0; oz < K::out.d; ++oz)
      for (index_t oy = 0; oy < K::out.h; ++oy)
        for (index_t ox = 0; ox < K::out.w; ++ox) {
          const T g = dy[offset<L>(K::out, oc, oz, oy, ox)];
          if (db != nullptr) db[oc] += g;
          for (index_t ic = 0; ic < K::in_per_group; ++ic)
            for_each_tap<K::k, K::in>(oz, oy, ox, [&](index_t kz, index_t ky, index_t kx, index_t iz, index_t iy, index_t ix) {
              const count_t at = offset<L>(K::in, first_in + ic, iz, iy, ix), tap = K::weight_index(oc, ic, kz, ky, kx);
              if (dx != nullptr) dx[at] += w[tap] * g;
              if (dw != nullptr) dw[tap] += x[at] * g;
            });
        }
  }
}
// Training's convolution as matrix products (shapes/conv.hpp's conv_matrices). With F[K][P] the receptive
// fields (row k = ic x taps + tap, PyTorch's weight order; F[k][p] = the input at output position p's tap,
// 0 in the padding), W[M][K] the weights and y, dy as [M][P]: y = W F + b, dW += (F dy^T)^T,
// dF = W^T dy, whose fields add back into dx. Every product has a contiguous inner dimension.
template <conv_params P, shape In, layout L>
struct conv_as_matrices {
  using K = conv_kernel<P, In, L, float>;  // the geometry (no use of the element type)
  static constexpr conv_matrices m = conv_matrices_of(P, In);
  static constexpr index_t positions = static_cast<index_t>(m.positions), reduction = static_cast<index_t>(m.reduction),
                           channels = static_cast<index_t>(m.channels);
  static constexpr count_t taps = count_t{K::k.kernel[0]} * K::k.kernel[1] * K::k.kernel[2];
  static constexpr count_t column_step = (L == layout::nchw ? 1 : K::in.c) * K::k.stride[2];

  // f(field row, first position, input offset of its first element, count) for each run of a field row
  // that lies inside the input along W (its elements column_step apart); the rest of the row is padding.
  template <class F>
  static constexpr void each_run(F&& f) {
    for (index_t ic = 0; ic < K::in.c; ++ic)
      for (index_t kz = 0; kz < K::k.kernel[0]; ++kz)
        for (index_t ky = 0; ky < K::k.kernel[1]; ++ky)
          for (index_t kx = 0; kx < K::k.kernel[2]; ++kx) {
            const count_t row = ic * taps + (count_t{kz} * K::k.kernel[1] + ky) * K::k.kernel[2] + kx;
            // The outputs along W whose tap kx lies inside the input: [first, last).
            const index_t shift = kx * K::k.dilation[2] - K::k.pad_begin[2];
            index_t first = 0, last = K::out.w;
            while (first < last && first * K::k.stride[2] + shift < 0) ++first;
            while (last > first && (last - 1) * K::k.stride[2] + shift >= K::in.w) --last;
            for (index_t oz = 0; oz < K::out.d; ++oz) {
              const index_t iz = oz * K::k.stride[0] - K::k.pad_begin[0] + kz * K::k.dilation[0];
              if (iz < 0 || iz >= K::in.d) continue;
              for (index_t oy = 0; oy < K::out.h; ++oy) {
                const index_t iy = oy * K::k.stride[1] - K::k.pad_begin[1] + ky * K::k.dilation[1];
                if (iy < 0 || iy >= K::in.h || first >= last) continue;
                const count_t p = (count_t{oz} * K::out.h + oy) * K::out.w + first;
                f(row, p, offset<L>(K::in, ic, iz, iy, first * K::k.stride[2] + shift), count_t{last - first});
              }
            }
          }
  }
  // A small layer's fields as a table made by the compiler: each element's input offset, -1 in the
  // padding (the runs above cost more in loop overhead than they move when rows are a few elements).
  static constexpr count_t table_limit = 16384;
  static constexpr bool tabled = m.reduction * m.positions <= table_limit;
  static constexpr auto table = [] {
    std::array<std::int32_t, tabled ? m.reduction * m.positions : 1> t{};
    if constexpr (tabled) {
      for (std::int32_t& v : t) v = -1;
      each_run([&](count_t row, count_t p, count_t at, count_t n) {
        for (count_t i = 0; i < n; ++i) t[static_cast<std::size_t>(row * m.positions + p + i)] = static_cast<std::int32_t>(at + i * column_step);
      });
    }
    return t;
  }();
  // The same table by position: [P][K].
  static constexpr auto by_position_table = [] {
    std::array<std::int32_t, tabled ? m.reduction * m.positions : 1> t{};
    if constexpr (tabled)
      for (count_t k = 0; k < m.reduction; ++k)
        for (count_t p = 0; p < m.positions; ++p)
          t[static_cast<std::size_t>(p * m.reduction + k)] = table[static_cast<std::size_t>(k * m.positions + p)];
    return t;
  }();
  // F^T [P][K] and its scatter, for the backward pass (small layers only).
  template <class T>
  static constexpr void gather_table(const std::int32_t* t, const T* x, T* fields) {
    for (count_t i = 0; i < m.reduction * m.positions; ++i) fields[i] = t[i] >= 0 ? x[t[i]] : T(0);
  }
  template <class T>
  static constexpr void gather_by_position(const T* x, T* fields) {
    gather_table(by_position_table.data(), x, fields);
  }
  template <class T>
  static constexpr void scatter_add_by_position(const T* fields, T* dx) {
    for (count_t i = 0; i < m.reduction * m.positions; ++i)
      if (by_position_table[i] >= 0) dx[by_position_table[i]] += fields[i];
  }
  template <class T>
  static constexpr void gather(const T* x, T* fields) {
    if constexpr (tabled) {
      gather_table(table.data(), x, fields);
    } else {
      for (count_t i = 0; i < m.reduction * m.positions; ++i) fields[i] = T(0);
      each_run([&](count_t row, count_t p, count_t at, count_t n) {
        T* to = fields + row * m.positions + p;
        for (count_t i = 0; i < n; ++i) to[i] = x[at + i * column_step];
      });
    }
  }
  template <class T>
  static constexpr void scatter_add(const T* fields, T* dx) {
    if constexpr (tabled) {
      for (count_t i = 0; i < m.reduction * m.positions; ++i)
        if (table[i] >= 0) dx[table[i]] += fields[i];
    } else {
      each_run([&](count_t row, count_t p, count_t at, count_t n) {
        const T* from = fields + row * m.positions + p;
        for (count_t i = 0; i < n; ++i) dx[at + i * column_step] += from[i];
      });
    }
  }

  // y = W F + b: straight into y in NCHW (it is [M][P]), through the scratch in NHWC.
  template <class T>
  static constexpr void forward(const T* x, const T* w, const T* b, T* y, T* scratch) {
    T* fields = scratch;
    T* out = L == layout::nchw ? y : fields + m.reduction * m.positions;
    gather(x, fields);
    for (index_t c = 0; c < channels; ++c)
      for (count_t p = 0; p < m.positions; ++p) out[c * m.positions + p] = b != nullptr ? b[c] : T(0);
    multiply_add<channels, positions, reduction>(w, fields, out);
    if constexpr (L == layout::nhwc) transpose<channels, positions>(out, y);
  }

  template <class T>
  static constexpr void backward(const T* x, const T* w, const T* dy, T* dx, T* dw, T* db, T* scratch) {
    T* fields = scratch;                                       // F, then dF  [K][P]
    T* by_position = fields + m.reduction * m.positions;      // dy^T         [P][M]
    T* by_channel = by_position + m.positions * m.channels;   // dy           [M][P]
    T* matrix = by_channel + m.positions * m.channels;        // dW^T or W^T  [K][M]
    if constexpr (L == layout::nchw) {
      for (count_t i = 0; i < m.channels * m.positions; ++i) by_channel[i] = dy[i];
      transpose<channels, positions>(dy, by_position);
    } else {
      for (count_t i = 0; i < m.channels * m.positions; ++i) by_position[i] = dy[i];
      transpose<positions, channels>(dy, by_channel);
    }
    if (db != nullptr)
      for (index_t c = 0; c < channels; ++c)
        for (count_t p = 0; p < m.positions; ++p) db[c] += by_channel[c * m.positions + p];
    if constexpr (tabled) {  // by position: dW += dy F^T and dF^T = dy^T W straight into PyTorch's order
      if (dw != nullptr) {
        gather_by_position(x, fields);
        multiply_add<channels, reduction, positions>(by_channel, fields, dw);
      }
      if (dx != nullptr) {
        for (count_t i = 0; i < m.reduction * m.positions; ++i) fields[i] = T(0);
        multiply_add<positions, reduction, channels>(by_position, w, fields);
        scatter_add_by_position(fields, dx);
      }
    } else {
      if (dw != nullptr) {
        gather(x, fields);
        for (count_t i = 0; i < m.reduction * m.channels; ++i) matrix[i] = T(0);
        multiply_add<reduction, channels, positions>(fields, by_position, matrix);
        for (index_t c = 0; c < channels; ++c)
          for (count_t k = 0; k < m.reduction; ++k) dw[c * m.reduction + k] += matrix[k * m.channels + c];
      }
      if (dx != nullptr) {
        transpose<channels, reduction>(w, matrix);
        for (count_t i = 0; i < m.reduction * m.positions; ++i) fields[i] = T(0);
        multiply_add<reduction, positions, channels>(matrix, by_channel, fields);
        scatter_add(fields, dx);
      }
    }
  }
};

template <class Node, layout L, class T>
constexpr void run_backward(const conv_params&, const backward_call<T>& c) {
  T* dw = weight_gradient_of<Node>(c);
  T* db = bias_gradient_of<Node>(c);
  if constexpr (conv_matrices_of(Node::type::params, Node::input_shape).scratch() > 0) {
    conv_as_matrices<Node::type::params, Node::input_shape, L>::backward(c.x, c.w, c.dy, c.dx, dw, db, c.scratch);
  } else {
    conv_backward<Node::type::params, Node::input_shape, L>(c.x, c.w, c.dy, c.dx, dw, db);
  }
}
// Training's forward pass, with the scratch the plan gives it.
template <class Node, layout L, class T>
  requires(conv_matrices_of(Node::type::params, Node::input_shape).scratch() > 0)
constexpr void run_training_forward(const conv_params&, const T* x, const T* w, T* y, T* scratch) {
  conv_as_matrices<Node::type::params, Node::input_shape, L>::forward(x, w, bias_after_weight<Node>(w), y, scratch);
}

// Some output channels only: a compile-time evaluation splits a large layer (ctnn/kernels/evaluate.hpp).
template <class Node, layout L, class T>
constexpr void run_plain_channels(const conv_params&, const T* x, const T* w, T* y, index_t first, index_t last) {
  conv_forward_channels<Node::type::params, Node::input_shape, L>(x, w, bias_after_weight<Node>(w), y, first, last);
}

}  // namespace ctnn

// ---- the fast path: NHWC, groups 1, weights prepared as [tap][C_in][C_out padded] -----------------
//
// A register tile of R output pixels (along W) x V output channels lives in accumulators while the
// taps and input channels stream past: per input channel, one broadcast input value per pixel and V
// contiguous weights. Only the R x V tile is unrolled (by the compiler: its trip counts are constants);
// the tap and channel loops stay loops. R and V come from the target's registers (ctnn/kernels/target.hpp).
CTNN_BEGIN_CONFIG

// Prepared weights of a depthwise convolution: [tap][C], then the bias [C].
template <class T, count_t Taps, index_t Channels>
struct packed_depthwise {
  static constexpr index_t channels = Channels, channel_stride = Channels;
  static constexpr count_t weight_elements = Taps * Channels;
  static constexpr count_t elements = weight_elements + Channels;
  const T* weight;
  const T* bias;
  constexpr explicit packed_depthwise(const T* block) : weight(block), bias(block + weight_elements) {}
};

// A row of zeros in read-only memory, for the taps of a tile that fall outside the input.
template <class T, index_t C>
inline constexpr T zero_row[C] = {};

// The register tile of the NHWC kernels: R pixels x V channels of accumulators, fed per input channel by
// one input value per pixel (`rows[r][i]`) and V contiguous weights (`weights + i * stride`), for
// `count` input channels. With Vector, GNU vectors (the tile vectorized by construction: g++-12 unrolls
// a short channel loop first and then emits shuffles without FMAs); else plain loops, as in constant
// evaluation and on targets without vectors. Local arrays, so that they live in registers.
template <bool Vector, class T, index_t R, index_t V>
struct register_block;

template <class T, index_t R, index_t V>
struct register_block<false, T, R, V> {
  accumulator_t<T> acc[R][V];
  constexpr void start(const T* bias) {
    for (index_t r = 0; r < R; ++r)
      for (index_t v = 0; v < V; ++v) acc[r][v] = bias[v];
  }
  constexpr void add(const T* const* rows, const T* weights, count_t stride, index_t count) {
    for (index_t i = 0; i < count; ++i)
      for (index_t r = 0; r < R; ++r) {
        const accumulator_t<T> x = rows[r][i];
        for (index_t v = 0; v < V; ++v) acc[r][v] += x * static_cast<accumulator_t<T>>(weights[i * stride + v]);
      }
  }
  // The same with pixel r's inputs at first + r * PixelStride.
  template <count_t PixelStride>
  constexpr void add_strided(const T* first, const T* weights, count_t stride, index_t count) {
    for (index_t i = 0; i < count; ++i)
      for (index_t r = 0; r < R; ++r) {
        const accumulator_t<T> x = first[r * PixelStride + i];
        for (index_t v = 0; v < V; ++v) acc[r][v] += x * static_cast<accumulator_t<T>>(weights[i * stride + v]);
      }
  }
  template <activation_params A>
  constexpr void store(index_t r, T* out, index_t channels) const {
    for (index_t v = 0; v < channels; ++v) out[v] = static_cast<T>(acc[r][v]);
    activate_stored<A>(out, channels);
  }
  // With a residual added and clamped (out is `at` elements into the output).
  constexpr void store_sum(index_t r, T* out, index_t channels, const residual_sum<T>& sum, count_t at) const {
    for (index_t v = 0; v < channels; ++v) out[v] = static_cast<T>(acc[r][v]);
    add_residual(out, sum, at, channels);
  }
  // Pixel r's partial sums back from where store put them (the other lanes 0).
  constexpr void resume(index_t r, const T* from, index_t channels) {
    for (index_t v = 0; v < V; ++v) acc[r][v] = v < channels ? from[v] : accumulator_t<T>{};
  }
};

template <class T, index_t R, index_t V>
struct register_block<true, T, R, V> {
  using vec = simd<T>;
  static constexpr index_t N = V / vec::lanes;
  // The loops over the tile's pixels are unrolled by pragma: GCC 12 for Helium left them rolled, and an
  // accumulator indexed by a loop variable lives in memory (a load and a store around every FMA).
  typename vec::type acc[R][N];
  void start(const T* bias) {
    for (index_t r = 0; r < R; ++r)
      for (index_t n = 0; n < N; ++n) acc[r][n] = vec::load(bias + n * vec::lanes);
  }
  void add(const T* const* rows, const T* weights, count_t stride, index_t count) {
    for (index_t i = 0; i < count; ++i) {
      typename vec::type w[N];
      for (index_t n = 0; n < N; ++n) w[n] = vec::load(weights + i * stride + n * vec::lanes);
#pragma GCC unroll 16
      for (index_t r = 0; r < R; ++r) {
        const T x = rows[r][i];
        for (index_t n = 0; n < N; ++n) acc[r][n] = vec::multiply_add_scalar(acc[r][n], w[n], x);
      }
    }
  }
  // Pixel r's inputs at first + r * PixelStride, a constant: one address register for the whole tile
  // instead of R row pointers (which clang kept on the stack with R = 14).
  template <count_t PixelStride>
  void add_strided(const T* first, const T* weights, count_t stride, index_t count) {
    for (index_t i = 0; i < count; ++i) {
      typename vec::type w[N];
      for (index_t n = 0; n < N; ++n) w[n] = vec::load(weights + i * stride + n * vec::lanes);
#pragma GCC unroll 16
      for (index_t r = 0; r < R; ++r) {
        const T x = first[r * PixelStride + i];
        for (index_t n = 0; n < N; ++n) acc[r][n] = vec::multiply_add_scalar(acc[r][n], w[n], x);
      }
    }
  }
  // Pixel r's first `channels` values, activated by A.
  template <activation_params A>
  void store(index_t r, T* out, index_t channels) const {
    typename vec::type result[N];
    for (index_t n = 0; n < N; ++n)
      result[n] = activates_in_registers<A> ? activate_lanes<A, T>(acc[r][n]) : acc[r][n];
    if (channels == V) {
      for (index_t n = 0; n < N; ++n) vec::store(out + n * vec::lanes, result[n]);
    } else {
      T spill[V];
      for (index_t n = 0; n < N; ++n) vec::store(spill + n * vec::lanes, result[n]);
      for (index_t v = 0; v < channels; ++v) out[v] = spill[v];
    }
    if constexpr (!activates_in_registers<A>) activate_stored<A>(out, channels);
  }
  void store_sum(index_t r, T* out, index_t channels, const residual_sum<T>& sum, count_t at) const {
    using lanes_t = typename vec::type;
    const lanes_t low = sum.low - lanes_t{}, high = sum.high - lanes_t{};
    const auto sums = [&](const T* addend, T* to) {
      for (index_t n = 0; n < N; ++n) {
        const lanes_t v = acc[r][n] + vec::load(addend + n * vec::lanes);
        const lanes_t raised = v < low ? low : v;  // add_residual's order: a NaN stays one
        vec::store(to + n * vec::lanes, raised > high ? high : raised);
      }
    };
    if (channels == V) return sums(sum.addend + at, out);
    T in[V] = {}, result[V];  // a partial tile: its channels through the stack, the sums in vectors still
    for (index_t v = 0; v < channels; ++v) in[v] = sum.addend[at + v];
    sums(in, result);
    for (index_t v = 0; v < channels; ++v) out[v] = result[v];
  }
  void resume(index_t r, const T* from, index_t channels) {
    if (channels == V) {
      for (index_t n = 0; n < N; ++n) acc[r][n] = vec::load(from + n * vec::lanes);
    } else {
      T spill[V] = {};
      for (index_t v = 0; v < channels; ++v) spill[v] = from[v];
      for (index_t n = 0; n < N; ++n) acc[r][n] = vec::load(spill + n * vec::lanes);
    }
  }
};

template <class T, index_t V>
inline constexpr bool vector_block = simd<T>::available && V % simd<T>::lanes == 0;

// sum: a residual to add to the output as it is stored (then A is the identity), or none. With groups
// (packed_grouped), the tile runs over each group's output channels, its inputs a slice of each pixel's,
// so that no weight of another group is multiplied; a group narrower than a vector pads its tile with
// zeros (RegNet's groups of 8 channels take half a 16-lane vector).
template <bool Vector, conv_params P, shape In, activation_params A, class T, class Packed>
constexpr void conv_nhwc_tiled_with(const T* x, const Packed& w, T* y, work_part part = {},
                                    const residual_sum<T>* sum = nullptr) {
  using K = conv_kernel<P, In, layout::nhwc, T>;
  constexpr index_t G = K::g.groups, C = K::in.c / G, CO = K::out.c / G, CP = Packed::padded;  // per group
  constexpr register_tile tile = tile_for_width(CO, sizeof(T), K::out.w);
  constexpr index_t V = tile.channels, R = tile.pixels;
  constexpr count_t group_elements = [] {
    if constexpr (G > 1) {
      return Packed::group_elements;
    } else {
      return count_t{0};
    }
  }();
  constexpr window3 k = K::k;
  constexpr count_t out_rows = count_t{K::out.d} * K::out.h;
  const T* const zeros = zero_row<T, C>;
  for (count_t out_row = part.begin(out_rows); out_row < part.end(out_rows); ++out_row) {
    const index_t oz = static_cast<index_t>(out_row / K::out.h), oy = static_cast<index_t>(out_row % K::out.h);
    for (index_t tile_x = 0; tile_x < K::out.w; tile_x += R)
      for (index_t group_co0 = 0; group_co0 < G * CP; group_co0 += V) {
        const index_t g = group_co0 / CP, co0 = group_co0 % CP;
        // A last tile shorter than R moves left to end at the row's end, recomputing a few pixels of
        // the tile before (the same values): a full tile takes the contiguous path below.
        const index_t ox0 = tile_x + R > K::out.w && K::out.w >= R ? K::out.w - R : tile_x;
        const T* const weights = w.weight + g * group_elements;
        register_block<Vector, T, R, V> acc;
        acc.start(&w.bias[count_t{g} * CP + co0]);
        for (index_t kz = 0; kz < k.kernel[0]; ++kz) {
          const index_t iz = oz * k.stride[0] - k.pad_begin[0] + kz * k.dilation[0];
          if (iz < 0 || iz >= K::in.d) continue;
          for (index_t ky = 0; ky < k.kernel[1]; ++ky) {
            const index_t iy = oy * k.stride[1] - k.pad_begin[1] + ky * k.dilation[1];
            if (iy < 0 || iy >= K::in.h) continue;
            const count_t first_tap = (count_t{kz} * k.kernel[1] + ky) * k.kernel[2];
            if constexpr (k.dilation[2] == 1 && G == 1) {
              // Every tap of the row inside the input for every pixel of the tile: in NHWC the row's
              // kernel width x C inputs are contiguous, and so are their packed weights, so one loop of
              // kw * C steps replaces kw loops of C.
              const index_t left = ox0 * k.stride[2] - k.pad_begin[2];
              const index_t right = (ox0 + R - 1) * k.stride[2] - k.pad_begin[2] + k.kernel[2] - 1;
              if (ox0 + R <= K::out.w && left >= 0 && right < K::in.w) {
                acc.template add_strided<count_t{k.stride[2]} * C>(x + offset<layout::nhwc>(K::in, 0, iz, iy, left),
                                                                  &weights[first_tap * C * CP + co0], CP, k.kernel[2] * C);
                continue;
              }
            }
            for (index_t kx = 0; kx < k.kernel[2]; ++kx) {
              // Each pixel's input row, or a row of zeros outside the input: no test in the inner loop.
              const T* rows[R];
              for (index_t r = 0; r < R; ++r) {
                const index_t ix = (ox0 + r) * k.stride[2] - k.pad_begin[2] + kx * k.dilation[2];
                rows[r] = (ox0 + r < K::out.w && ix >= 0 && ix < K::in.w)
                              ? x + offset<layout::nhwc>(K::in, g * C, iz, iy, ix)
                              : zeros;
              }
              acc.add(rows, &weights[(first_tap + kx) * C * CP + co0], CP, C);
            }
          }
        }
        // A constant trip count, unrolled, so that every accumulator's index is a constant: an index
        // known only at run time keeps the whole tile in memory (clang then stored every accumulator
        // after each FMA; GCC 12 for Helium did not unroll this loop by itself).
#pragma GCC unroll 16
        for (index_t r = 0; r < R; ++r)
          if (ox0 + r < K::out.w) {
            const count_t at = offset<layout::nhwc>(K::out, g * CO + co0, oz, oy, ox0 + r);
            if (sum != nullptr) {
              acc.store_sum(r, y + at, CO - co0 < V ? CO - co0 : V, *sum, at);
            } else {
              acc.template store<A>(r, y + at, CO - co0 < V ? CO - co0 : V);
            }
          }
      }
  }
}

// A: the element-wise activation fused after the convolution, if any.
// One input channel and fewer output channels than a vector has lanes (a first layer on a grayscale
// image or a spectrogram): channel tiles would be mostly padding, so the vectors run along W instead.
// With C_in 1 and stride 1 along W, a vector of consecutive inputs feeds a vector of consecutive
// outputs; a tile of PV such vectors x C_out accumulators, each tap's weight broadcast. The tile is
// transposed into NHWC on store.
template <conv_params P, shape In, class T>
inline constexpr bool along_width =
    simd<T>::available && conv_kernel<P, In, layout::nhwc, T>::in.c == 1 &&
    conv_kernel<P, In, layout::nhwc, T>::out.c < simd<T>::lanes && conv_kernel<P, In, layout::nhwc, T>::k.stride[2] == 1;

template <conv_params P, shape In, activation_params A, class T, class Packed>
void conv_nhwc_along_width(const T* x, const Packed& w, T* y, work_part part = {}, const residual_sum<T>* sum = nullptr) {
  using K = conv_kernel<P, In, layout::nhwc, T>;
  using vec = simd<T>;
  using lanes_t = typename vec::type;
  constexpr index_t L = vec::lanes, CO = K::out.c, CP = Packed::padded;
  constexpr index_t PV = 12 / CO > 4 ? 4 : (12 / CO < 1 ? 1 : 12 / CO), span = PV * L;
  constexpr window3 k = K::k;
  constexpr index_t rows = k.kernel[0] * k.kernel[1];
  // Each input row the window reads, zero-padded on both sides, so that every tap is a plain load:
  // the left padding, the row, and zeros up to the last tile's last tap.
  constexpr index_t tiles = (K::out.w + span - 1) / span;
  constexpr index_t padded = tiles * span + (k.kernel[2] - 1) * k.dilation[2];
  T line[rows][padded] = {};
  bool inside[rows];
  constexpr count_t out_rows = count_t{K::out.d} * K::out.h;
  for (count_t out_row = part.begin(out_rows); out_row < part.end(out_rows); ++out_row) {
    const index_t oz = static_cast<index_t>(out_row / K::out.h), oy = static_cast<index_t>(out_row % K::out.h);
    for (index_t kz = 0; kz < k.kernel[0]; ++kz)
      for (index_t ky = 0; ky < k.kernel[1]; ++ky) {
        const index_t iz = oz * k.stride[0] - k.pad_begin[0] + kz * k.dilation[0];
        const index_t iy = oy * k.stride[1] - k.pad_begin[1] + ky * k.dilation[1];
        const index_t r = kz * k.kernel[1] + ky;
        inside[r] = iz >= 0 && iz < K::in.d && iy >= 0 && iy < K::in.h;
        if (!inside[r]) continue;
        const T* row = x + offset<layout::nhwc>(K::in, 0, iz, iy, 0);
        for (index_t ix = 0; ix < K::in.w && k.pad_begin[2] + ix < padded; ++ix) line[r][k.pad_begin[2] + ix] = row[ix];
      }
    for (index_t ox0 = 0; ox0 < K::out.w; ox0 += span) {
      lanes_t acc[PV][CO];
      for (index_t p = 0; p < PV; ++p)
        for (index_t co = 0; co < CO; ++co) acc[p][co] = vec::broadcast(w.bias[co]);
      for (index_t r = 0; r < rows; ++r) {
        if (!inside[r]) continue;
        for (index_t kx = 0; kx < k.kernel[2]; ++kx) {
          lanes_t in[PV];
          for (index_t p = 0; p < PV; ++p) in[p] = vec::load(&line[r][ox0 + kx * k.dilation[2] + p * L]);
          const T* taps = &w.weight[(count_t{r} * k.kernel[2] + kx) * CP];
          for (index_t co = 0; co < CO; ++co) {
            const T weight = taps[co];
            for (index_t p = 0; p < PV; ++p) acc[p][co] = vec::multiply_add_scalar(acc[p][co], in[p], weight);
          }
        }
      }
      T tile[CO][span];  // channel by channel, then transposed into NHWC
      for (index_t p = 0; p < PV; ++p)
        for (index_t co = 0; co < CO; ++co) vec::store(&tile[co][p * L], activate_tile<A, T>(acc[p][co]));
      const index_t pixels = K::out.w - ox0 < span ? K::out.w - ox0 : span;
      T* out = y + offset<layout::nhwc>(K::out, 0, oz, oy, ox0);
      for (index_t i = 0; i < pixels; ++i)
        for (index_t co = 0; co < CO; ++co) out[count_t{i} * CO + co] = tile[co][i];
      if constexpr (!activates_in_registers<A>) activate_stored<A>(out, pixels * CO);
      if (sum != nullptr) add_residual(out, *sum, static_cast<count_t>(out - y), pixels * CO);
    }
  }
}

// Small maps with many channels (ResNet's 7x7 and 14x14 stages; 512 x 512 x 3 x 3 is 9.4 MB of weights):
// a row narrower than a register tile would cap its pixels, and each row's pass would stream every weight
// again. Here tiles of R pixels run across rows (the map's pixels in order, each tap's input found per
// pixel), and the reduction is split into blocks of input channels whose packed weights (at most
// small_map_block_bytes for a channel tile) stay in the L2 cache while every pixel tile uses them; the
// partial sums wait in the output, the activation applied after the last block.
// 48 KiB: ResNet-18's 7x7 and 14x14 stages ran fastest at 24-48 KiB with AVX2 and 48-96 KiB with AVX-512
// (AMD EPYC Zen 5, examples/profile_network-style profiles).
inline constexpr count_t small_map_block_bytes = 48 * 1024;

template <conv_params P, shape In, class T>
struct small_map {
  using K = conv_kernel<P, In, layout::nhwc, T>;
  static constexpr count_t pixels = count_t{K::out.d} * K::out.h * K::out.w;
  // A pointwise convolution (the rule's: 1x1, stride 1, no padding): pixel p's inputs at p * C, one
  // address for a tile's pixels.
  static constexpr bool pointwise = lowering_of(P, In, layout::nhwc).pointwise;
  // The widest channel tile (fewest pixels): each pixel's input comes through its own pointer here, and
  // 4 vectors x 6 pixels ran ResNet-18's 7x7 stage at 154 GFLOP/s where 2 x 13 ran it at 126 (AVX-512).
  // Pointwise, the map's pixels are one row, in equal tiles (MobileNetV2's 960 -> 160 and 576 -> 96
  // layers at 7x7 1.1x and 1.15x faster as 5 tiles of 10 pixels than 5 of 12).
  static constexpr register_tile tile = [] {
    register_tile t = tile_for(K::out.c, sizeof(T));
    const count_t all = count_t{K::out.d} * K::out.h * K::out.w, tiles = (all + t.pixels - 1) / t.pixels;
    if (pointwise) t.pixels = static_cast<index_t>((all + tiles - 1) / tiles);
    return t;
  }();
  static constexpr count_t taps = count_t{K::k.kernel[0]} * K::k.kernel[1] * K::k.kernel[2];
  static constexpr index_t block = [] {
    const count_t b = small_map_block_bytes / (taps * tile.channels * static_cast<count_t>(sizeof(T)));
    return static_cast<index_t>(b < 1 ? 1 : b > K::in.c ? K::in.c : b);
  }();
  // Where rows are narrow (wider rows keep their pixels in one row: the contiguous path), tiles fill, and
  // each tap's R pointers serve at least 16 input channels. Not with fewer than 16 vector registers: on
  // Helium (8, and 13 general registers for the pointers) DS-CNN's stem ran 2.9x the instructions of
  // the contiguous path and its pointwise convolutions 1.4x.
  static constexpr bool used = K::out.w <= 14 && pixels >= tile.pixels && pixels <= 4096 && K::in.c >= 16 &&
                               CTNN_VECTOR_REGISTERS >= 16;
  // Weights larger than any x86 core's L2 cache come from the L3 cache or memory, once per call: packed
  // in the order the kernel reads them (packed_streamed) and prefetched a block ahead, a share per pixel
  // tile. (Smaller ones stay in L2, where the prefetches, which AMD's cores bring into L1, evict what the
  // block reads: MobileNetV2's 576 -> 96 pointwise layers ran 3x slower with them. A microcontroller has
  // no cache to fill.) Windows of more than one tap: a 1x1 layer's weights are also read by the
  // depthwise + pointwise pass and an expansion's rows, in packed_taps' layout.
  static constexpr bool streams_weights =
      CTNN_VECTOR_BYTES >= 32 && taps * K::in.c * padded_channels(K::out.c, sizeof(T)) * static_cast<count_t>(sizeof(T)) > 2 * 1024 * 1024;
  static constexpr bool streamed = used && streams_weights && taps > 1 && vector_block<T, tile.channels>;
};

// Prepared weights of a small map's convolution whose weights stream (small_map::streamed): per tile of
// V output channels, per block of Block input channels, [tap][input channel in the block][V], so that
// the kernel reads the whole block in order, one block after the other, and the next one is the next
// bytes in memory. A channel's weights are every V elements of its tile: a batch norm folds into them as
// into a group of V channels (fold_scale_shift). Then the bias, padded.
template <class T, count_t Taps, index_t In, index_t Out, index_t V, index_t Block>
struct packed_streamed {
  static constexpr index_t padded = (Out + V - 1) / V * V, block = Block;
  static constexpr index_t channels = Out, channel_stride = V, group_channels = V;
  static constexpr count_t group_elements = Taps * In * V;
  static constexpr count_t weight_elements = padded / V * group_elements;
  static constexpr count_t elements = weight_elements + padded;
  const T* weight;
  const T* bias;
  constexpr explicit packed_streamed(const T* block) : weight(block), bias(block + weight_elements) {}
  // Where tap `tap` of the block from input channel cb (`count` channels) of the tile from co0 starts.
  static constexpr count_t at(index_t co0, index_t cb, count_t tap, index_t count) {
    return co0 / V * group_elements + (Taps * cb + tap * count) * V;
  }
};
template <class Packed>
inline constexpr bool streamed_packing = requires { Packed::group_elements; Packed::at(0, 0, 0, 1); };

template <class P, count_t Taps, index_t In, index_t Out, bool HasBias, class T>
constexpr void pack_streamed(const T* from, const T* bias, T* to) {
  for (count_t i = 0; i < P::elements; ++i) to[i] = T(0);
  for (index_t o = 0; o < Out; ++o)
    for (index_t cb = 0; cb < In; cb += P::block) {
      const index_t count = In - cb < P::block ? In - cb : P::block;
      for (count_t t = 0; t < Taps; ++t)
        for (index_t i = 0; i < count; ++i)
          to[P::at(o - o % P::channel_stride, cb, t, count) + count_t{i} * P::channel_stride + o % P::channel_stride] =
              from[(count_t{o} * In + cb + i) * Taps + t];
    }
  if constexpr (HasBias)
    for (index_t o = 0; o < Out; ++o) to[P::weight_elements + o] = bias[o];
}

template <bool Vector, conv_params P, shape In, activation_params A, class T, class Packed>
constexpr void conv_nhwc_small_map(const T* x, const Packed& w, T* y, work_part part = {}, const residual_sum<T>* sum = nullptr) {
  using S = small_map<P, In, T>;
  using K = typename S::K;
  constexpr bool streamed = streamed_packing<Packed>;
  constexpr index_t V = S::tile.channels, R = S::tile.pixels, C = K::in.c, CO = K::out.c, CP = Packed::padded;
  constexpr index_t block = S::block;
  if constexpr (streamed) static_assert(Packed::channel_stride == V && Packed::block == block);
  [[maybe_unused]] constexpr window3 k = K::k;  // (not read by a pointwise one)
  constexpr count_t pixels = S::pixels, channel_tiles = CP / V, pixel_tiles = (pixels + R - 1) / R;
  // Pointwise, pixel p's inputs are at x + p * C: one address for the tile instead of R pointers, which
  // with 12 of them clang kept on the stack, loading a pointer per broadcast (MobileNetV2's 960 -> 160
  // layer at 7x7 ran at 68 GFLOP/s; 150 so).
  constexpr bool pointwise = S::pointwise;
  // A part takes whole channel tiles where they divide evenly (each part then streams only its own
  // weights), else whole pixel tiles.
  const bool by_channels = channel_tiles % part.count == 0;
  const count_t co_begin = by_channels ? part.begin(channel_tiles) * V : 0;
  const count_t co_end = by_channels ? part.end(channel_tiles) * V : CP;
  const count_t p_begin = by_channels ? 0 : part.begin(pixel_tiles) * R;
  const count_t p_end = by_channels ? pixels : part.end(pixel_tiles) * R;
  const T* const zeros = zero_row<T, C>;
  // The weights of the block after this one, where they stream (S::streams_weights): its rows of V
  // weights, tap by tap, `count` rows a tap; row i of tap t at base + (t * tap_stride + i) * row_stride.
  struct next_block {
    const T* base = nullptr;
    index_t count = 0;
    count_t tap_stride = 0, row_stride = 0;
  };
  // Every pixel tile of channel tile co0 for input channels cb .. cb + count - 1, asking for the next
  // block's rows a share per pixel tile, a few before each tap (the hardware prefetchers do not follow
  // strided rows, and a burst per tile delayed the tile's own loads).
  const auto block_pass = [&](index_t cb, index_t count, index_t co0, const next_block& next) {
    const bool first = cb == 0, last = cb + count == C;
    const index_t channels = CO - co0 < V ? CO - co0 : V;
    const count_t tiles_here = (p_end - p_begin + R - 1) / R, next_rows = S::taps * next.count;
    const count_t per_tap = ((next_rows + tiles_here - 1) / tiles_here + S::taps - 1) / S::taps;
    count_t row = 0;
    const auto ask_ahead = [&] {
      if constexpr (Vector && S::streams_weights)
        for (const count_t until = row + per_tap; row < until && row < next_rows; ++row) {
          const char* at = reinterpret_cast<const char*>(next.base + (row / next.count * next.tap_stride + row % next.count) * next.row_stride);
          for (count_t byte = 0; byte < count_t{V} * static_cast<count_t>(sizeof(T)); byte += 64) __builtin_prefetch(at + byte, 0, 2);
        }
    };
    // Tiles store disjoint pixels (a pixel's partial sums must be added to once per block): the last
    // tile's pixels past the map read zeros and are not stored, or, pointwise, the tile moves left to end
    // at the map's end and stores only the pixels the tile before did not.
    for (count_t p0 = p_begin; p0 < p_end && p0 < pixels; p0 += R) {
      const count_t q0 = pointwise && p0 + R > pixels ? pixels - R : p0;  // the tile's first pixel
      bool valid[R];
      for (index_t r = 0; r < R; ++r) valid[r] = q0 + r >= p0 && q0 + r < pixels;
      register_block<Vector, T, R, V> acc;
      acc.start(&w.bias[co0]);
      if (!first)
        for (index_t r = 0; r < R; ++r)
          if (valid[r]) acc.resume(r, y + (q0 + r) * CO + co0, channels);
      if constexpr (pointwise) {
        ask_ahead();
        const T* weights = [&] {
          if constexpr (streamed) {
            return &w.weight[Packed::at(co0, cb, 0, count)];
          } else {
            return &w.weight[count_t{cb} * CP + co0];
          }
        }();
        acc.template add_strided<C>(x + q0 * C + cb, weights, streamed ? V : CP, count);
      } else {
        index_t oz[R], oy[R], ox[R];
        for (index_t r = 0; r < R; ++r) {
          const count_t p = q0 + r < pixels ? q0 + r : pixels - 1;
          ox[r] = static_cast<index_t>(p % K::out.w);
          oy[r] = static_cast<index_t>(p / K::out.w % K::out.h);
          oz[r] = static_cast<index_t>(p / (count_t{K::out.w} * K::out.h));
        }
        for (index_t kz = 0; kz < k.kernel[0]; ++kz)
          for (index_t ky = 0; ky < k.kernel[1]; ++ky)
            for (index_t kx = 0; kx < k.kernel[2]; ++kx) {
              ask_ahead();
              const T* rows[R];
              for (index_t r = 0; r < R; ++r) {
                const index_t iz = oz[r] * k.stride[0] - k.pad_begin[0] + kz * k.dilation[0];
                const index_t iy = oy[r] * k.stride[1] - k.pad_begin[1] + ky * k.dilation[1];
                const index_t ix = ox[r] * k.stride[2] - k.pad_begin[2] + kx * k.dilation[2];
                rows[r] = iz >= 0 && iz < K::in.d && iy >= 0 && iy < K::in.h && ix >= 0 && ix < K::in.w
                              ? x + offset<layout::nhwc>(K::in, cb, iz, iy, ix)
                              : zeros;
              }
              const count_t tap = (count_t{kz} * k.kernel[1] + ky) * k.kernel[2] + kx;
              if constexpr (streamed) {
                acc.add(rows, &w.weight[Packed::at(co0, cb, tap, count)], V, count);
              } else {
                acc.add(rows, &w.weight[(tap * C + cb) * CP + co0], CP, count);
              }
            }
      }
#pragma GCC unroll 16
      for (index_t r = 0; r < R; ++r) {  // a constant trip count, unrolled: constant indices into acc
        if (!valid[r]) continue;
        T* out = y + (q0 + r) * CO + co0;
        if (last) {
          if (sum != nullptr) {
            acc.store_sum(r, out, channels, *sum, (q0 + r) * CO + co0);
          } else {
            acc.template store<A>(r, out, channels);
          }
        } else {
          acc.template store<no_activation>(r, out, channels);
        }
      }
    }
  };
  if constexpr (streamed) {
    // Channel tile by channel tile, block by block: the weights in the order they lie, the tile's partial
    // sums (R x V a pixel tile) in L1 between its blocks.
    for (index_t co0 = static_cast<index_t>(co_begin); co0 < co_end; co0 += V)
      for (index_t cb = 0; cb < C; cb += block) {
        const index_t count = C - cb < block ? C - cb : block;
        const bool tile_end = cb + count == C;
        const index_t next_count = tile_end || C - cb - count > block ? block : C - cb - count;  // (block <= C)
        next_block next;
        if (!tile_end || co0 + V < co_end)  // the next block's rows follow this block's
          next = {&w.weight[Packed::at(co0, cb, 0, count) + S::taps * count * V], next_count, next_count, V};
        block_pass(cb, count, co0, next);
      }
  } else {
    for (index_t cb = 0; cb < C; cb += block) {
      const index_t count = C - cb < block ? C - cb : block;
      for (index_t co0 = static_cast<index_t>(co_begin); co0 < co_end; co0 += V) {
        // The next channel tile's slice of this block, or the first tile's of the next block.
        const bool tile_end = co0 + V >= co_end;
        const index_t next_co0 = tile_end ? static_cast<index_t>(co_begin) : co0 + V, next_cb = tile_end ? cb + count : cb;
        next_block next;
        if (next_cb < C) next = {&w.weight[count_t{next_cb} * CP + next_co0], C - next_cb < block ? C - next_cb : block, C, CP};
        block_pass(cb, count, co0, next);
      }
    }
  }
}

template <conv_params P, shape In, activation_params A = no_activation, class T, class Packed>
constexpr void conv_nhwc_tiled(const T* x, const Packed& w, T* y, work_part part = {}, const residual_sum<T>* sum = nullptr) {
  using K = conv_kernel<P, In, layout::nhwc, T>;
  constexpr index_t V = tile_for_width(K::out.c, sizeof(T), K::out.w).channels;
  if constexpr (streamed_packing<Packed>) {  // only the small-map kernel reads that layout
    if (!std::is_constant_evaluated()) {
      conv_nhwc_small_map<true, P, In, A>(x, w, y, part, sum);
    } else {
      conv_nhwc_small_map<false, P, In, A>(x, w, y, part, sum);
    }
    return;
  } else if constexpr (small_map<P, In, T>::used && vector_block<T, small_map<P, In, T>::tile.channels>) {
    if (!std::is_constant_evaluated()) {
      conv_nhwc_small_map<true, P, In, A>(x, w, y, part, sum);
      return;
    }
  }
  if constexpr (along_width<P, In, T>) {
    if (!std::is_constant_evaluated()) {
      conv_nhwc_along_width<P, In, A>(x, w, y, part, sum);
      return;
    }
  }
  if constexpr (vector_block<T, V>) {
    if (!std::is_constant_evaluated()) {
      conv_nhwc_tiled_with<true, P, In, A>(x, w, y, part, sum);
      return;
    }
  }
  conv_nhwc_tiled_with<false, P, In, A>(x, w, y, part, sum);
}

// Grouped (groups > 1, not depthwise: ResNeXt's and RegNet's 3x3 layers), weights packed per group
// (packed_grouped): the register tile above over each group's channels. Not the small-map, along-W and
// Winograd kernels, which take one group.
template <conv_params P, shape In, activation_params A = no_activation, class T, class Packed>
constexpr void conv_nhwc_grouped(const T* x, const Packed& w, T* y, work_part part = {}) {
  constexpr index_t V = tile_for_width(Packed::group_channels, sizeof(T), conv_kernel<P, In, layout::nhwc, T>::out.w).channels;
  if constexpr (vector_block<T, V>) {
    if (!std::is_constant_evaluated()) {
      conv_nhwc_tiled_with<true, P, In, A>(x, w, y, part);
      return;
    }
  }
  conv_nhwc_tiled_with<false, P, In, A>(x, w, y, part);
}

// Depthwise (channel multiplier 1), NHWC, weights prepared as [tap][C]: every channel independent, the
// channel loop contiguous in input, weights and output; a tile of R pixels x V channels in accumulators,
// as the convolution's, with GNU vectors at run time. The channels split into blocks of V (whole vectors)
// and a tail of fewer than a vector's lanes, computed one channel at a time: no load reads past a
// pixel's channels, and the tile's arrays stay a few registers whatever C is.
template <conv_params P, shape In, class T>
struct depthwise_nhwc_kernel {
  using K = conv_kernel<P, In, layout::nhwc, T>;
  static constexpr index_t C = K::out.c;
  static constexpr index_t lanes = simd<T>::available ? simd<T>::lanes : 1;
  static constexpr index_t vector_channels = C / lanes * lanes;  // the rest is the tail
  static constexpr index_t tail = C - vector_channels;
  // The widest block of whole vectors that divides vector_channels, at most half a register tile's: a
  // tile holds its R pixels' accumulators and the R + 2 inputs of a 3x3 window's row, which as the
  // register tile's 4 vectors x (6 + 8) (AVX-512) or 2 x (6 + 8) (AVX2) spilled. One process on the
  // Xeon: with AVX-512, MobileNetV2's 384 -> 64 and 576 -> 96 passes at 14x14 1.2-1.3x, 960 -> 160 at
  // 7x7 1.15x and DS-CNN 1.05x faster as 2 vectors; with AVX2 W4 and DS-CNN 1.05x as 1.
  static constexpr index_t V = [] {
    const index_t tile = tile_for(C, sizeof(T)).channels;
    const index_t half = most_tile_vectors() > 1 ? most_tile_vectors() / 2 * lanes : lanes;
    const index_t most = simd<T>::available && tile > half ? half : tile;
    for (index_t v = most; v > lanes; v -= lanes)
      if (vector_channels % v == 0) return v;
    return lanes;
  }();
  static constexpr index_t R = tile_for(C, sizeof(T)).pixels;
  // A row in equal tiles of at most R pixels (every tile computes all its pixels): 7 as 4 + 4, not 6 + 6.
  static constexpr index_t row_tile = (K::out.w + (K::out.w + R - 1) / R - 1) / ((K::out.w + R - 1) / R);
  static constexpr bool vector = simd<T>::available && vector_channels > 0;

  // Output pixels ox0 .. ox0 + Pixels - 1 of row (oz, oy), channels c0 .. c0 + Width - 1, into out + r * C,
  // the first `store` pixels (pixels past the row compute from whatever inputs they see, in bounds).
  // Along W the window slides: each input row's span of pixels is loaded once (zeros outside the
  // input) and serves every tap and output pixel that reads it, a load per ~3 FMAs for a 3x3 kernel.
  template <bool Vector, activation_params A, index_t Pixels, index_t Width, class Rows, class Packed>
  static constexpr void tile_at(const Rows& rows, const Packed& w, index_t oz, index_t oy, index_t ox0, index_t c0, T* out,
                                index_t store) {
    using vec = std::conditional_t<Vector, simd<T>, scalar_lanes<accumulator_t<T>>>;
    using lanes_t = typename vec::type;
    constexpr index_t N = Width / vec::lanes;
    constexpr window3 k = K::k;
    constexpr index_t sx = k.stride[2], dx = k.dilation[2], kw = k.kernel[2];
    constexpr index_t span = (Pixels - 1) * sx + (kw - 1) * dx + 1;
    const index_t first_ix = ox0 * sx - k.pad_begin[2];
    lanes_t acc[Pixels][N];
    for (index_t r = 0; r < Pixels; ++r)
      for (index_t n = 0; n < N; ++n) acc[r][n] = vec::load(&w.bias[c0 + n * vec::lanes]);
    // The window's rows unrolled: g++-12 -O3 -march=native (AVX-512) vectorized this loop nest across ky,
    // with the rows outside the input masked, into wrong results (a 1x3x1 window, 2 channels: every
    // output; tests/unit/numeric_reference_test.cpp's conv3d cases).
#pragma GCC unroll 16
    for (index_t kz = 0; kz < k.kernel[0]; ++kz) {
      const index_t iz = oz * k.stride[0] - k.pad_begin[0] + kz * k.dilation[0];
      if (iz < 0 || iz >= K::in.d) continue;
#pragma GCC unroll 16
      for (index_t ky = 0; ky < k.kernel[1]; ++ky) {
        const index_t iy = oy * k.stride[1] - k.pad_begin[1] + ky * k.dilation[1];
        if (iy < 0 || iy >= K::in.h) continue;
        const T* row = rows(iz, iy) + c0;
        const T* taps = &w.weight[((count_t{kz} * k.kernel[1] + ky) * kw) * C + c0];
        // Strided windows (x86): each input vector straight into its FMA, where the window lies inside the
        // input along W. Loaded once into registers, a stride-2 row's 2 P + 1 columns serve only 3 P FMAs,
        // and with 16 registers they spill: MobileNetV2's 96-channel stride-2 layer 140 -> 112 us with
        // AVX2, 115 -> 100 with AVX-512; stride 1 keeps the sliding window (74 -> 97 us without it).
        if constexpr (Vector && sx > 1 && CTNN_VECTOR_BYTES >= 32) {
          if (first_ix >= 0 && first_ix + span <= K::in.w) {
            const T* first = row + count_t{first_ix} * C;
            for (index_t kx = 0; kx < kw; ++kx) {
              lanes_t weight[N];
              for (index_t n = 0; n < N; ++n) weight[n] = vec::load(taps + count_t{kx} * C + n * vec::lanes);
              for (index_t r = 0; r < Pixels; ++r)
                for (index_t n = 0; n < N; ++n)
                  acc[r][n] = vec::multiply_add(acc[r][n], vec::load(first + count_t{r * sx + kx * dx} * C + n * vec::lanes), weight[n]);
            }
            continue;
          }
        }
        lanes_t in[span][N];
        if constexpr (Vector) {
          for (index_t j = 0; j < span; ++j) {
            const bool inside = first_ix + j >= 0 && first_ix + j < K::in.w;
            for (index_t n = 0; n < N; ++n)
              in[j][n] = inside ? vec::load(row + count_t{first_ix + j} * C + n * vec::lanes) : lanes_t{};
          }
        } else {
          // Scalars: zeros, then the pixels inside. The load under a condition above is what g++-12 -O3
          // -mavx2 vectorized into wrong masked loads (vmaskmovps) here (the tests' -mavx2 build).
          const index_t inside_begin = first_ix < 0 ? -first_ix : 0;
          const index_t inside_end = K::in.w - first_ix < span ? K::in.w - first_ix : span;
          for (index_t j = 0; j < span; ++j)
            for (index_t n = 0; n < N; ++n) in[j][n] = lanes_t{};
          for (index_t j = inside_begin; j < inside_end; ++j)
            for (index_t n = 0; n < N; ++n) in[j][n] = vec::load(row + count_t{first_ix + j} * C + n * vec::lanes);
        }
        for (index_t kx = 0; kx < kw; ++kx) {
          lanes_t weight[N];
          for (index_t n = 0; n < N; ++n) weight[n] = vec::load(taps + count_t{kx} * C + n * vec::lanes);
          for (index_t r = 0; r < Pixels; ++r)
            for (index_t n = 0; n < N; ++n) acc[r][n] = vec::multiply_add(acc[r][n], in[r * sx + kx * dx][n], weight[n]);
        }
      }
    }
#pragma GCC unroll 16
    for (index_t r = 0; r < Pixels; ++r)  // constant trip count, unrolled: constant indices into acc (see conv_nhwc_tiled_with)
      if (r < store)
        for (index_t n = 0; n < N; ++n) vec::store(out + count_t{r} * C + n * vec::lanes, activate_tile<A, T>(acc[r][n]));
    if constexpr (Vector && !activates_in_registers<A>)
      for (index_t r = 0; r < store; ++r) activate_stored<A>(out + count_t{r} * C, Width);
  }

  // Pixels ox0 .. ox0 + Pixels - 1 of row (oz, oy), every channel. rows(iz, iy): where input row (iz, iy)
  // starts (input_rows; or an expansion's rows as they are computed, ctnn/kernels/depthwise_pointwise.hpp).
  template <bool Vector, activation_params A, index_t Pixels, class Rows, class Packed>
  static constexpr void pixels_at(const Rows& rows, const Packed& w, index_t oz, index_t oy, index_t ox0, T* out,
                                  index_t store) {
    for (index_t c0 = 0; c0 < vector_channels; c0 += V)
      tile_at<Vector && vector, A, Pixels, V>(rows, w, oz, oy, ox0, c0, out + c0, store);
    if constexpr (tail > 0) tile_at<false, A, Pixels, tail>(rows, w, oz, oy, ox0, vector_channels, out + vector_channels, store);
  }

  // The input's rows where they lie.
  struct input_rows {
    const T* x;
    constexpr const T* operator()(index_t iz, index_t iy) const { return x + offset<layout::nhwc>(K::in, 0, iz, iy, 0); }
    constexpr void reach(index_t, index_t) {}  // (every row is there)
  };

  template <bool Vector, activation_params A, class Packed>
  static constexpr void run(const T* x, const Packed& w, T* y, work_part part) {
    constexpr count_t rows = count_t{K::out.d} * K::out.h;
    const input_rows in{x};
    for (count_t row = part.begin(rows); row < part.end(rows); ++row) {
      const index_t oz = static_cast<index_t>(row / K::out.h), oy = static_cast<index_t>(row % K::out.h);
      for (index_t ox0 = 0; ox0 < K::out.w; ox0 += row_tile)
        pixels_at<Vector, A, row_tile>(in, w, oz, oy, ox0, y + offset<layout::nhwc>(K::out, 0, oz, oy, ox0),
                                       K::out.w - ox0 < row_tile ? K::out.w - ox0 : row_tile);
    }
  }
};

// A: the element-wise activation fused after the convolution, if any.
template <conv_params P, shape In, activation_params A = no_activation, class T, class Packed>
constexpr void depthwise_nhwc(const T* x, const Packed& w, T* y, work_part part = {}) {
  using D = depthwise_nhwc_kernel<P, In, T>;
  if constexpr (D::vector) {
    if (!std::is_constant_evaluated()) {
      D::template run<true, A>(x, w, y, part);
      return;
    }
  }
  D::template run<false, A>(x, w, y, part);
}

// ---- Winograd F(2x2, 3x3) ------------------------------------------------------------------------
// A 3x3 convolution of stride 1 (no dilation, one group) with enough channels: each 2x2 block of outputs
// from its 4x4 input patch d as Y = A^T [sum over input channels of (G g G^T) . (B^T d B)] A (Lavin and
// Gray, 2016), 16 multiplies per input channel and 4 outputs where the direct loops take 36. The 16
// element-wise products summed over C_in are 16 matrix products [tiles x C_in] x [C_in x C_out], run by
// the register tile above on weights packed already transformed, [16][C_in][C_out padded] (the layout of
// 16 taps, so a batch norm folds into them as into the direct one: the transform is linear). Per row of
// tiles: the patches transformed into V[16][tiles][C_in], the products into M[16][tiles][C_out padded],
// both on the stack, then each tile's 2x2 outputs, the bias and the activation. Where the transformed
// weights fit the L2 cache (they are read once per row of tiles), vectors are 256 bits or wider, and the
// map is wider than the small-map kernel's (whose blocked reduction serves ResNet's 7x7 and 14x14 stages).
inline constexpr count_t winograd_stack_bytes = 320 * 1024, winograd_weight_bytes = 1024 * 1024;

// The transforms of F(2x2, 3x3), for any element type with + and - (the float kernel below and x86's
// integer one, ctnn/kernels/int8_x86.hpp). The weights' with 2G for G: (2G) g (2G)^T is 4 G g G^T, in
// integers for integer g (a float kernel scales it by 1/4, exactly).
template <class T>
constexpr void winograd_weights(const T* g, T* u) {  // g row major 3x3, u 4x4
  T gg[4][3] = {};
  for (int j = 0; j < 3; ++j) {
    gg[0][j] = g[j] + g[j];
    gg[1][j] = g[j] + g[3 + j] + g[6 + j];
    gg[2][j] = g[j] - g[3 + j] + g[6 + j];
    gg[3][j] = g[6 + j] + g[6 + j];
  }
  for (int i = 0; i < 4; ++i) {
    u[i * 4 + 0] = gg[i][0] + gg[i][0];
    u[i * 4 + 1] = gg[i][0] + gg[i][1] + gg[i][2];
    u[i * 4 + 2] = gg[i][0] - gg[i][1] + gg[i][2];
    u[i * 4 + 3] = gg[i][2] + gg[i][2];
  }
}
// v = B^T d B, B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]; d row major 4x4.
template <class T>
constexpr void winograd_inputs(const T* d, T* v) {
  T b[4][4] = {};  // B^T d
  for (int j = 0; j < 4; ++j) {
    b[0][j] = d[j] - d[8 + j];
    b[1][j] = d[4 + j] + d[8 + j];
    b[2][j] = d[8 + j] - d[4 + j];
    b[3][j] = d[4 + j] - d[12 + j];
  }
  for (int i = 0; i < 4; ++i) {
    v[i * 4 + 0] = b[i][0] - b[i][2];
    v[i * 4 + 1] = b[i][1] + b[i][2];
    v[i * 4 + 2] = b[i][2] - b[i][1];
    v[i * 4 + 3] = b[i][1] - b[i][3];
  }
}
// y = A^T m A, A^T = [1 1 1 0; 0 1 -1 -1], by add(a, b) and sub(a, b) (vector types whose + is not the
// lanes' add); y row major 2x2.
template <class T, class Add, class Sub>
constexpr void winograd_outputs(const T* m, T* y, Add add, Sub sub) {
  T u[4][2];  // m A
  for (int i = 0; i < 4; ++i) {
    u[i][0] = add(add(m[i * 4], m[i * 4 + 1]), m[i * 4 + 2]);
    u[i][1] = sub(sub(m[i * 4 + 1], m[i * 4 + 2]), m[i * 4 + 3]);
  }
  for (int b = 0; b < 2; ++b) {
    y[b] = add(add(u[0][b], u[1][b]), u[2][b]);
    y[2 + b] = sub(sub(u[1][b], u[2][b]), u[3][b]);
  }
}

// The products of a Winograd kernel for one row of tiles, M[e] = V[e] U[e] for each of its E transform
// elements: [Tiles x C] x [C x CP] matrix products by the register tile, R tiles by V channels at a time
// (V[E][Tiles][C] and the weights U[E][C][CP] in, M[E][Tiles][CP] out).
template <bool Vector, class T, int E, index_t Tiles, index_t C, index_t CO, index_t CP>
constexpr void winograd_products(const T* v, const T* u, T* m) {
  constexpr register_tile tile = tile_for_width(CO, sizeof(T), Tiles);
  constexpr index_t R = tile.pixels, V = tile.channels;
  static_assert(R <= Tiles && CP % V == 0);
  const T* const zeros = zero_row<T, V>;
  for (int e = 0; e < E; ++e)
    for (index_t t = 0; t < Tiles; t += R) {
      const index_t t0 = t + R > Tiles ? Tiles - R : t;  // the last tile ends at the row's end
      for (index_t co0 = 0; co0 < CP; co0 += V) {
        register_block<Vector, T, R, V> acc;
        acc.start(zeros);
        acc.template add_strided<C>(v + (count_t{e} * Tiles + t0) * C, u + count_t{e} * C * CP + co0, CP, C);
#pragma GCC unroll 16
        for (index_t r = 0; r < R; ++r)
          acc.template store<no_activation>(r, m + (count_t{e} * Tiles + t0 + r) * CP + co0, V);
      }
    }
}

template <conv_params P, shape In, class T>
struct winograd_f23 {
  using K = conv_kernel<P, In, layout::nhwc, T>;
  static constexpr window3 k = K::k;
  static constexpr index_t C = K::in.c, CO = K::out.c, CP = padded_channels(CO, sizeof(T));
  static constexpr index_t tiles_h = (K::out.h + 1) / 2, tiles_w = (K::out.w + 1) / 2;
  static constexpr bool shape_fits = P.rank == 2 && K::g.groups == 1 && k.kernel[1] == 3 && k.kernel[2] == 3 &&
                                     k.stride[1] == 1 && k.stride[2] == 1 && k.dilation[1] == 1 && k.dilation[2] == 1;
  static constexpr index_t tiles = tiles_h * tiles_w;
  // The small-map kernel's shapes: every tile of the map at once, one transform element at a time.
  // Transformed weights past the L2 cache come from memory once per call, 4 / tiles bytes per
  // multiply-accumulate: with ResNet-18's 16 tiles at 7x7 (16.8 MB for 512 -> 512) more than a core's
  // bandwidth feeds (1.8 ms against the direct kernel's 1.8 in the network on the Xeon); its 49 at 14x14
  // run 1.5 -> 0.84 ms.
  static constexpr bool whole_map = small_map<P, In, T>::used;
  // The small-map kernel's tile (4 x 6 with AVX-512: 512 -> 512 at 7x7 1.53 -> 1.43 ms against 2 x 8).
  static constexpr register_tile map_tile = tile_for(CO, sizeof(T));
  static constexpr bool whole_map_fits = tiles >= map_tile.pixels &&
                                         count_t{tiles} * C * sizeof(T) <= winograd_stack_bytes &&
                                         (tiles >= 32 || 16 * count_t{C} * CP * sizeof(T) <= winograd_weight_bytes);
  static constexpr bool applies =
      std::is_same_v<T, float> && CTNN_VECTOR_BYTES >= 32 && shape_fits && C >= 16 && CO >= 16 &&
      (whole_map ? whole_map_fits
                 : 16 * count_t{tiles_w} * (C + CP) * sizeof(T) <= winograd_stack_bytes &&
                       16 * count_t{C} * CP * sizeof(T) <= winograd_weight_bytes);

  // U = G g G^T for one 3x3 kernel g (row major), G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1].
  static constexpr void transform_weights(const T* g, T* u) {
    winograd_weights(g, u);
    for (int e = 0; e < 16; ++e) u[e] *= T(0.25);
  }

  // Row ty of tiles: V[e][t][c] = (B^T d B)[e] for tile t's patch, B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1].
  static constexpr void transform_inputs(const T* x, index_t ty, T* v) {
    const T* const zeros = zero_row<T, C>;
    for (index_t t = 0; t < tiles_w; ++t) {
      const T* d[4][4];
      for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j) {
          const index_t iy = 2 * ty - k.pad_begin[1] + i, ix = 2 * t - k.pad_begin[2] + j;
          d[i][j] = iy >= 0 && iy < K::in.h && ix >= 0 && ix < K::in.w ? x + offset<layout::nhwc>(K::in, 0, 0, iy, ix) : zeros;
        }
      T* to = v + count_t{t} * C;
      for (index_t c = 0; c < C; ++c) {
        T patch[16], transformed[16];
        for (int i = 0; i < 4; ++i)
          for (int j = 0; j < 4; ++j) patch[i * 4 + j] = d[i][j][c];
        winograd_inputs(patch, transformed);
        for (int e = 0; e < 16; ++e) to[e * count_t{tiles_w} * C + c] = transformed[e];
      }
    }
  }

  // Y = A^T M A, A^T = [1 1 1 0; 0 1 -1 -1], plus the bias, into the outputs of row ty of tiles. Each
  // tile's four pixels first into a local block (a loop over the channels with nothing else to alias:
  // vectorized), then to the pixels inside the output.
  template <activation_params A, class Packed>
  static constexpr void transform_outputs(const T* m, const Packed& w, index_t ty, T* y, const residual_sum<T>* sum) {
    constexpr count_t plane = count_t{tiles_w} * CP;  // M's distance between elements e and e + 1
    for (index_t t = 0; t < tiles_w; ++t) {
      T block[4][CO];
      const T* from = m + count_t{t} * CP;
      for (index_t c = 0; c < CO; ++c) {
        T tile[16], pixels[4];
        for (int e = 0; e < 16; ++e) tile[e] = from[e * plane + c];
        winograd_outputs(tile, pixels, [](T a, T b) { return a + b; }, [](T a, T b) { return a - b; });
        for (int p = 0; p < 4; ++p) block[p][c] = pixels[p] + w.bias[c];
      }
      for (int a = 0; a < 2; ++a)
        for (int b = 0; b < 2; ++b) {
          const index_t oy = 2 * ty + a, ox = 2 * t + b;
          if (oy >= K::out.h || ox >= K::out.w) continue;
          T* out = y + offset<layout::nhwc>(K::out, 0, 0, oy, ox);
          for (index_t c = 0; c < CO; ++c) out[c] = block[a * 2 + b][c];
          activate_stored<A>(out, CO);
          if (sum != nullptr) add_residual(out, *sum, static_cast<count_t>(out - y), CO);  // (hot in L1)
        }
    }
  }

  template <bool Vector, activation_params A, class Packed>
  static constexpr void run_with(const T* x, const Packed& w, T* y, work_part part, const residual_sum<T>* sum) {
    T v[16 * count_t{tiles_w} * C];
    T m[16 * count_t{tiles_w} * CP];
    for (count_t ty = part.begin(tiles_h); ty < part.end(tiles_h); ++ty) {
      transform_inputs(x, static_cast<index_t>(ty), v);
      winograd_products<Vector, T, 16, tiles_w, C, CO, CP>(v, w.weight, m);
      transform_outputs<A>(m, w, static_cast<index_t>(ty), y, sum);
    }
  }

  // ---- small maps: one transform element at a time over the whole map ----
  // ResNet's 14x14 and 7x7 stages, whose transformed weights (4.2 MB for 256 -> 256, 16.8 MB for
  // 512 -> 512) come from the L3 cache or memory: the row-by-row pass above would stream them once per
  // row of tiles. Here each element e's weights U[e] are read from memory once and then from L2 by every
  // tile of the map: V[e] for all tiles, the products M[e] = V[e] U[e] a register tile at a time, and
  // each product added straight into the 1-4 output pixels A^T M A gives it (the transform is linear).
  // Parts of a call take whole channel tiles.

  // The rows of B^T: two non-zero entries each, at columns first[i] and second[i] with their signs.
  static constexpr int first[4] = {0, 1, 1, 1}, second[4] = {2, 2, 2, 3};
  static constexpr T first_sign[4] = {1, 1, -1, 1}, second_sign[4] = {-1, 1, 1, -1};

  // V[e][t][c] for e = (i, j): (B^T d B)[i][j] of tile t's patch d, from its four non-zero terms.
  static constexpr void transform_element(const T* x, int i, int j, T* v) {
    const T* const zeros = zero_row<T, C>;
    const auto at = [&](index_t ty, index_t tx, int a, int b) {
      const index_t iy = 2 * ty - k.pad_begin[1] + a, ix = 2 * tx - k.pad_begin[2] + b;
      return iy >= 0 && iy < K::in.h && ix >= 0 && ix < K::in.w ? x + offset<layout::nhwc>(K::in, 0, 0, iy, ix) : zeros;
    };
    const T ri0 = first_sign[i], ri1 = second_sign[i], cj0 = first_sign[j], cj1 = second_sign[j];
    for (index_t t = 0; t < tiles; ++t) {
      const index_t ty = t / tiles_w, tx = t % tiles_w;
      const T* d00 = at(ty, tx, first[i], first[j]);
      const T* d01 = at(ty, tx, first[i], second[j]);
      const T* d10 = at(ty, tx, second[i], first[j]);
      const T* d11 = at(ty, tx, second[i], second[j]);
      T* to = v + count_t{t} * C;
      for (index_t c = 0; c < C; ++c) {
        const T column0 = ri0 * d00[c] + ri1 * d10[c], column1 = ri0 * d01[c] + ri1 * d11[c];
        to[c] = cj0 * column0 + cj1 * column1;
      }
    }
  }

  template <bool Vector, activation_params A, class Packed>
  static constexpr void run_whole_map(const T* x, const Packed& w, T* y, work_part part, const residual_sum<T>* sum) {
    constexpr index_t R = map_tile.pixels, V = map_tile.channels;
    static_assert(R <= tiles && CP % V == 0);
    constexpr count_t channel_tiles = CP / V, pixels = count_t{K::out.h} * K::out.w;
    const index_t co_begin = static_cast<index_t>(part.begin(channel_tiles) * V);
    const index_t tiles_end = static_cast<index_t>(part.end(channel_tiles) * V);
    const index_t co_end = tiles_end < CO ? tiles_end : CO;
    if (co_begin >= co_end) return;
    for (count_t p = 0; p < pixels; ++p)
      for (index_t c = co_begin; c < co_end; ++c) y[p * CO + c] = w.bias[c];
    // A^T = [1 1 1 0; 0 1 -1 -1]: element i of a row adds to output row 0 for i < 3, to row 1 with a sign.
    constexpr T out_sign[2][4] = {{1, 1, 1, 0}, {0, 1, -1, -1}};
    T v[count_t{tiles} * C];
    for (int e = 0; e < 16; ++e) {
      const int i = e / 4, j = e % 4;
      transform_element(x, i, j, v);
      const T* u = w.weight + count_t{e} * C * CP;
      for (index_t co0 = co_begin; co0 < co_end; co0 += V) {
        const index_t channels = co_end - co0 < V ? co_end - co0 : V;
        for (index_t t = 0; t < tiles; t += R) {
          const index_t t0 = t + R > tiles ? tiles - R : t;  // the last register tile ends at the map's end
          register_block<Vector, T, R, V> acc;
          acc.start(zero_row<T, V>);
          if constexpr (Vector) {
            // U[e] comes from memory: the next channel tile's rows (or the next element's) are asked for
            // a share per chunk of the reduction (256 -> 256 at 14x14: 820 -> 700 us on the Xeon).
            const bool next_here = co0 + V < co_end;
            const T* next = next_here ? u + co0 + V : u + count_t{C} * CP + co_begin;
            const index_t pass = t / R, passes = (tiles + R - 1) / R;
            constexpr index_t chunk = 32, chunks = (C + chunk - 1) / chunk;
            for (index_t c0 = 0; c0 < C; c0 += chunk) {
              const index_t count = C - c0 < chunk ? C - c0 : chunk;
              acc.template add_strided<C>(v + count_t{t0} * C + c0, u + co0 + count_t{c0} * CP, CP, count);
              if (e < 15 || next_here) {
                const index_t slot = pass * chunks + c0 / chunk, slots = passes * chunks;
                for (index_t row = slot * C / slots; row < (slot + 1) * C / slots; ++row)
                  for (index_t byte = 0; byte < V * index_t{sizeof(T)}; byte += 64)
                    __builtin_prefetch(reinterpret_cast<const char*>(next + count_t{row} * CP) + byte, 0, 2);
              }
            }
          } else {
            acc.template add_strided<C>(v + count_t{t0} * C, u + co0, CP, C);
          }
#pragma GCC unroll 16
          for (index_t r = 0; r < R; ++r) {
            if (t0 + r < t) continue;  // computed by the tile before
            T m[V];
            acc.template store<no_activation>(r, m, V);
            const index_t ty = (t0 + r) / tiles_w, tx = (t0 + r) % tiles_w;
            for (int a = 0; a < 2; ++a)
              for (int b = 0; b < 2; ++b) {
                const T sign = out_sign[a][i] * out_sign[b][j];
                const index_t oy = 2 * ty + a, ox = 2 * tx + b;
                if (sign == T(0) || oy >= K::out.h || ox >= K::out.w) continue;
                T* out = y + offset<layout::nhwc>(K::out, co0, 0, oy, ox);
                for (index_t c = 0; c < channels; ++c) out[c] += sign * m[c];
              }
          }
        }
      }
    }
    if constexpr (A.kind != activation_kind::identity)
      for (count_t p = 0; p < pixels; ++p) activate_stored<A>(y + p * CO + co_begin, co_end - co_begin);
    if (sum != nullptr)
      for (count_t p = 0; p < pixels; ++p) add_residual(y + p * CO + co_begin, *sum, p * CO + co_begin, co_end - co_begin);
  }

  template <activation_params A, class Packed>
  static constexpr void run(const T* x, const Packed& w, T* y, work_part part, const residual_sum<T>* sum = nullptr) {
    if constexpr (whole_map) {
      if constexpr (vector_block<T, map_tile.channels>) {
        if (!std::is_constant_evaluated()) return run_whole_map<true, A>(x, w, y, part, sum);
      }
      run_whole_map<false, A>(x, w, y, part, sum);
    } else {
      constexpr index_t V = tile_for_width(CO, sizeof(T), tiles_w).channels;
      if constexpr (vector_block<T, V>) {
        if (!std::is_constant_evaluated()) return run_with<true, A>(x, w, y, part, sum);
      }
      run_with<false, A>(x, w, y, part, sum);
    }
  }
};

// ---- the family's fast-kernel hooks (ctnn/kernels/run.hpp) ---------------------------------------
namespace impl {
template <class Node, class T>
struct conv_packing {
  static constexpr conv_geometry g = resolve_conv(Node::type::params, Node::input_shape);
  static constexpr count_t taps = kernel_volume(g.w);
  static constexpr bool depthwise = lowering_of(Node::type::params, Node::input_shape, layout::nhwc).depthwise;
  static constexpr bool grouped = g.groups > 1 && !depthwise;
  using winograd = winograd_f23<Node::type::params, Node::input_shape, T>;
  using small = small_map<Node::type::params, Node::input_shape, T>;
  static constexpr bool streamed = !depthwise && !grouped && !winograd::applies && small::streamed;
  using packed = std::conditional_t<
      depthwise, packed_depthwise<T, taps, g.out_channels>,
      std::conditional_t<
          grouped, packed_grouped<T, taps, g.groups, g.in_channels / g.groups, g.out_channels / g.groups>,
          std::conditional_t<streamed,
                             packed_streamed<T, taps, g.in_channels, g.out_channels, small::tile.channels, small::block>,
                             packed_taps<T, winograd::applies ? 16 : taps, g.in_channels, g.out_channels>>>>;
};
}  // namespace impl

template <class Node, layout L, class T>
constexpr count_t packed_elements(const conv_params&) {
  return impl::conv_packing<Node, T>::packed::elements;
}

template <class Node, layout L, class T>
constexpr packed_channels packed_channels_of(const conv_params&) {
  return packed_channels_in<typename impl::conv_packing<Node, T>::packed>();
}

// A Winograd kernel's prepared block: zeros (the padding), the weights as `transform` writes them, the
// bias after them.
template <class Packed, bool Bias, index_t Out, class T, class Transform>
constexpr void pack_transformed(const T* bias_from, T* to, Transform transform) {
  for (count_t i = 0; i < Packed::elements; ++i) to[i] = T(0);
  transform(to);
  if constexpr (Bias)
    for (index_t o = 0; o < Out; ++o) to[Packed::weight_elements + o] = bias_from[o];
}

// [out][in][taps] -> [tap][in][out padded] (streamed: per tile and block, packed_streamed); depthwise
// [channel][1][taps] -> [tap][channel].
template <class Node, layout L, class T>
constexpr void pack(const conv_params&, const T* from, T* to) {
  using K = impl::conv_packing<Node, T>;
  constexpr index_t in = K::g.in_channels / K::g.groups, out = K::g.out_channels;
  constexpr count_t taps = K::taps;
  constexpr bool bias = Node::result.bias.rank > 0;
  const T* bias_from = from + count_t{out} * in * taps;
  if constexpr (K::depthwise) {
    for (index_t c = 0; c < out; ++c)
      for (count_t t = 0; t < taps; ++t) to[t * out + c] = from[c * taps + t];
    for (index_t c = 0; c < out; ++c) to[taps * out + c] = bias ? bias_from[c] : T(0);
  } else if constexpr (K::grouped) {  // per group [tap][in / groups][out / groups padded]
    using packed = typename K::packed;
    constexpr index_t per_group = packed::group_channels;
    for (count_t i = 0; i < packed::elements; ++i) to[i] = T(0);
    for (index_t o = 0; o < out; ++o) {
      const index_t g = o / per_group, j = o % per_group;
      for (index_t i = 0; i < in; ++i)
        for (count_t t = 0; t < taps; ++t)
          to[g * packed::group_elements + (t * in + i) * packed::padded + j] = from[(count_t{o} * in + i) * taps + t];
      if constexpr (bias) to[packed::weight_elements + count_t{g} * packed::padded + j] = bias_from[o];
    }
  } else if constexpr (K::winograd::applies) {  // [16][in][out padded], transformed
    using packed = typename K::packed;
    pack_transformed<packed, bias, out>(bias_from, to, [&](T* weights) {
      for (index_t o = 0; o < out; ++o)
        for (index_t i = 0; i < in; ++i) {
          T u[16] = {};
          K::winograd::transform_weights(from + (count_t{o} * in + i) * 9, u);
          for (int e = 0; e < 16; ++e) weights[(count_t{e} * in + i) * packed::padded + o] = u[e];
        }
    });
  } else if constexpr (K::streamed) {
    pack_streamed<typename K::packed, taps, in, out, bias>(from, bias_from, to);
  } else {
    pack_taps<typename K::packed, taps, in, out, false, bias>(from, bias_from, to);
  }
}

// `part`: the share of the output this call computes (rows, or a small map's channel or pixel tiles).
template <class Node, layout L, activation_params A, class T>
constexpr void run_fast(const conv_params&, const T* x, const T* block, T* y, work_part part = {}) {
  using K = impl::conv_packing<Node, T>;
  const typename K::packed w(block);
  if constexpr (K::depthwise) {
    depthwise_nhwc<Node::type::params, Node::input_shape, A>(x, w, y, part);
  } else if constexpr (K::grouped) {
    conv_nhwc_grouped<Node::type::params, Node::input_shape, A>(x, w, y, part);
  } else if constexpr (K::winograd::applies) {
    K::winograd::template run<A>(x, w, y, part);
  } else {
    conv_nhwc_tiled<Node::type::params, Node::input_shape, A>(x, w, y, part);
  }
}

// Row `row` of a pointwise convolution's output (NHWC, a 2-d map) at `to`, activation A as it stores: an
// inverted bottleneck's expansion, computed a few rows at a time for the depthwise window that reads
// them (the schedule's fuse_expansions; ctnn/kernels/depthwise_pointwise.hpp). The convolution of that
// one row, on the layer's own packed weights (a 1x1 kernel's packing does not depend on the map).
template <class Node, layout L, activation_params A, class T>
constexpr void run_fast_row(const conv_params&, const T* x, const T* block, index_t row, T* to) {
  using K = impl::conv_packing<Node, T>;
  constexpr shape in = Node::input_shape;
  static_assert(in.rank == 3 && !K::depthwise && !K::grouped && K::taps == 1);
  constexpr shape one_row = [] {
    shape r = Node::input_shape;
    r[1] = 1;
    return r;
  }();
  const typename K::packed w(block);
  conv_nhwc_tiled<Node::type::params, one_row, A>(x + count_t{row} * in[2] * in[0], w, to);
}

// The same with a residual added to the output as it is stored, and clamped: what the schedule asks of a
// convolution with one group (lowering's adds_in_store: never a depthwise one).
template <class Node, layout L, class T>
constexpr void run_fast_adding(const conv_params&, const T* x, const T* block, T* y, work_part part,
                               const residual_sum<T>& sum) {
  using K = impl::conv_packing<Node, T>;
  static_assert(!K::depthwise);
  const typename K::packed w(block);
  if constexpr (K::winograd::applies) {
    K::winograd::template run<no_activation>(x, w, y, part, &sum);
  } else {
    conv_nhwc_tiled<Node::type::params, Node::input_shape, no_activation>(x, w, y, part, &sum);
  }
}

CTNN_END_CONFIG
