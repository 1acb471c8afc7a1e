// ctnn/kernels/conv_transpose.hpp: the transposed convolution kernel (declaration:
// ctnn/layers/conv_transpose.hpp, shape rule: ctnn/shapes/conv_transpose.hpp).
//
// The adjoint of the convolution with the same parameters: every input element spreads w[ic, oc, k]
// to output o = i s - pb + k d. Written as a gather over the output (each output sums the taps whose
// input position i = (o + pb - k d) / s is whole and inside), so that no two iterations write the
// same element. In an int8 network: the reference conv_transpose_forward_int8, and the stride phases
// run as convolutions by the convolution family's int8 kernels (int8_transposed_phases).
#pragma once

#include <cstdint>
#include <cstring>
#include <utility>
#include <type_traits>

#include "ctnn/kernels/conv.hpp"
#include "ctnn/kernels/conv_int8.hpp"
#include "ctnn/kernels/target.hpp"
#include "ctnn/kernels/tensor.hpp"
#include "ctnn/shapes/conv_transpose.hpp"

namespace ctnn {

template <conv_transpose_params P, shape In>
struct conv_transpose_kernel {
  static constexpr conv_transpose_geometry g = resolve_conv_transpose(P, In);
  static constexpr dims4 in = dims_of(In);
  static constexpr dims4 out = dims_of(window_output(g.w, g.out_channels));
  static constexpr window3 k = to3(g.w);
  static constexpr index_t in_per_group = g.in_channels / g.groups, out_per_group = g.out_channels / g.groups;

  // Weight [C_in, C_out/g, kd, kh, kw].
  static constexpr count_t weight_index(index_t ic, index_t ocg, index_t kz, index_t ky, index_t kx) {
    return (((count_t{ic} * out_per_group + ocg) * k.kernel[0] + kz) * k.kernel[1] + ky) * k.kernel[2] + kx;
  }
  // The input position that tap kk of output o reads along one dim, or -1.
  static constexpr index_t source(index_t o, index_t kk, int dim, index_t extent) {
    const index_t t = o + k.pad_begin[dim] - kk * k.dilation[dim];
    if (t < 0 || t % k.stride[dim] != 0) return -1;
    const index_t i = t / k.stride[dim];
    return i < extent ? i : -1;
  }
  // f(kz, ky, kx, iz, iy, ix) for every tap of output (oz, oy, ox) that reads an input position.
  template <class F>
  static constexpr void each_source(index_t oz, index_t oy, index_t ox, F&& f) {
    for (index_t kz = 0; kz < k.kernel[0]; ++kz) {
      const index_t iz = source(oz, kz, 0, in.d);
      if (iz < 0) continue;
      for (index_t ky = 0; ky < k.kernel[1]; ++ky) {
        const index_t iy = source(oy, ky, 1, in.h);
        if (iy < 0) continue;
        for (index_t kx = 0; kx < k.kernel[2]; ++kx) {
          const index_t ix = source(ox, kx, 2, in.w);
          if (ix >= 0) f(kz, ky, kx, iz, iy, ix);
        }
      }
    }
  }
};

// store(oc, output offset, sum) for every output: start(oc) plus w (x - x_zero) over the taps that read an
// input, each over its group's input channels, in Acc.
template <conv_transpose_params P, shape In, layout L, class Acc, class X, class W, class Start, class Store>
constexpr void conv_transpose_each_output(const X* x, Acc x_zero, const W* w, Start start, Store store) {
  using K = conv_transpose_kernel<P, In>;
  for (index_t oc = 0; oc < K::out.c; ++oc) {
    const index_t first_in = oc / K::out_per_group * K::in_per_group, ocg = oc % K::out_per_group;
    for (index_t oz = 0; oz < K::out.d; ++oz)
      for (index_t oy = 0; oy < K::out.h; ++oy)
        for (index_t ox = 0; ox < K::out.w; ++ox) {
          Acc acc = start(oc);
          K::each_source(oz, oy, ox, [&](index_t kz, index_t ky, index_t kx, index_t iz, index_t iy, index_t ix) {
            for (index_t ic = 0; ic < K::in_per_group; ++ic)
              acc += static_cast<Acc>(w[K::weight_index(first_in + ic, ocg, kz, ky, kx)]) *
                     (static_cast<Acc>(x[offset<L>(K::in, first_in + ic, iz, iy, ix)]) - x_zero);
          });
          store(oc, offset<L>(K::out, oc, oz, oy, ox), acc);
        }
  }
}

template <conv_transpose_params P, shape In, layout L, class T>
constexpr void conv_transpose_forward(const T* x, const T* w, const T* b, T* y) {
  using Acc = accumulator_t<T>;
  conv_transpose_each_output<P, In, L>(
      x, Acc{}, w, [b](index_t oc) { return b != nullptr ? static_cast<Acc>(b[oc]) : Acc{}; },
      [y](index_t, count_t at, Acc acc) { y[at] = static_cast<T>(acc); });
}

template <class Node, layout L, class T>
constexpr void run_plain(const conv_transpose_params&, const T* x, const T* w, T* y) {
  conv_transpose_forward<Node::type::params, Node::input_shape, L>(x, w, bias_after_weight<Node>(w), y);
}

// The int8 transposed convolution (the scheme of ctnn/kernels/quantize.hpp): x with zero point x_zero, w
// int8 in PyTorch's order [C_in, C_out/g, taps] (symmetric per output channel), bias int32 of C_out or
// null, one multiplier per output channel. A tap without an input adds nothing, as the zero point would.
template <conv_transpose_params P, shape In, layout L>
constexpr void conv_transpose_forward_int8(const std::int8_t* x, std::int32_t x_zero, const std::int8_t* w,
                                           const std::int32_t* bias, const fixed_multiplier* multipliers,
                                           const output_stage& out, std::int8_t* y) {
  conv_transpose_each_output<P, In, L>(
      x, x_zero, w, [bias](index_t oc) { return bias != nullptr ? bias[oc] : std::int32_t{0}; },
      [&](index_t oc, count_t at, std::int32_t acc) { y[at] = requantize(acc, multipliers[oc], out); });
}

// The backward pass over the forward's taps: each output's gradient g adds w g to the input the tap
// read (a convolution of dy: the input's gradient), x g to the tap's weight, g to the channel's bias.
template <class Node, layout L, class T>
constexpr void run_backward(const conv_transpose_params&, const backward_call<T>& c) {
  using K = conv_transpose_kernel<Node::type::params, Node::input_shape>;
  T* dw = weight_gradient_of<Node>(c);
  T* db = bias_gradient_of<Node>(c);
  for (index_t oc = 0; oc < K::out.c; ++oc) {
    const index_t first_in = oc / K::out_per_group * K::in_per_group, ocg = oc % K::out_per_group;
    for (index_t oz = 0; oz < K::out.d; ++oz)
      for (index_t oy = 0; oy < K::out.h; ++oy)
        for (index_t ox = 0; ox < K::out.w; ++ox) {
          const T g = c.dy[offset<L>(K::out, oc, oz, oy, ox)];
          if (db != nullptr) db[oc] += g;
          K::each_source(oz, oy, ox, [&](index_t kz, index_t ky, index_t kx, index_t iz, index_t iy, index_t ix) {
            for (index_t ic = 0; ic < K::in_per_group; ++ic) {
              const count_t tap = K::weight_index(first_in + ic, ocg, kz, ky, kx);
              const count_t at = offset<L>(K::in, first_in + ic, iz, iy, ix);
              if (c.dx != nullptr) c.dx[at] += c.w[tap] * g;
              if (dw != nullptr) dw[tap] += c.x[at] * g;
            }
          });
        }
  }
}

}  // namespace ctnn

// ---- the fast path: NHWC, groups 1, weights prepared as [tap][C_in][C_out padded] -----------------
CTNN_BEGIN_CONFIG

// The outputs split into stride phases: along W, the outputs o = p + s t of one phase p all use the same
// taps (those with (p + pb - k d) divisible by s), reading consecutive inputs. Each phase is a dense
// convolution over t, tiled like the forward convolution: R outputs of the phase x V channels in
// accumulators, no scattered writes.
template <bool Vector, conv_transpose_params P, shape In, activation_params A, class T, class Packed>
constexpr void conv_transpose_nhwc_phased_with(const T* x, const Packed& w, T* y, work_part part) {
  using K = conv_transpose_kernel<P, In>;
  constexpr register_tile tile = tile_for_width(K::out.c, sizeof(T), (K::out.w + K::k.stride[2] - 1) / K::k.stride[2]);
  constexpr index_t V = tile.channels, R = tile.pixels, C = K::in.c, CO = K::out.c, CP = Packed::padded;
  constexpr window3 k = K::k;
  constexpr index_t sx = k.stride[2];
  constexpr count_t out_rows = count_t{K::out.d} * K::out.h;
  const T* const zeros = zero_row<T, C>;
  for (count_t out_row = part.begin(out_rows); out_row < part.end(out_rows); ++out_row) {
    const index_t oz = static_cast<index_t>(out_row / K::out.h), oy = static_cast<index_t>(out_row % K::out.h);
    for (index_t phase = 0; phase < sx && phase < K::out.w; ++phase)
      for (index_t t0 = 0; phase + sx * t0 < K::out.w; t0 += R)
        for (index_t co0 = 0; co0 < CP; co0 += V) {
          register_block<Vector, T, R, V> acc;
          acc.start(&w.bias[co0]);
          for (index_t kz = 0; kz < k.kernel[0]; ++kz) {
            const index_t iz = K::source(oz, kz, 0, K::in.d);
            if (iz < 0) continue;
            for (index_t ky = 0; ky < k.kernel[1]; ++ky) {
              const index_t iy = K::source(oy, ky, 1, K::in.h);
              if (iy < 0) continue;
              for (index_t kx = 0; kx < k.kernel[2]; ++kx) {
                const index_t lead = phase + k.pad_begin[2] - kx * k.dilation[2];
                if (((lead % sx) + sx) % sx != 0) continue;  // this tap serves another phase
                const index_t first = lead / sx;             // exact: the input of output t = 0
                const T* rows[R];  // each output's input row, or zeros outside the input
                for (index_t r = 0; r < R; ++r) {
                  const index_t ix = first + t0 + r;
                  rows[r] = (phase + sx * (t0 + r) < K::out.w && ix >= 0 && ix < K::in.w)
                                ? x + offset<layout::nhwc>(K::in, 0, iz, iy, ix)
                                : zeros;
                }
                const count_t tap = (count_t{kz} * k.kernel[1] + ky) * k.kernel[2] + kx;
                acc.add(rows, &w.weight[tap * C * CP + co0], CP, C);
              }
            }
          }
#pragma GCC unroll 16
          for (index_t r = 0; r < R; ++r)  // constant trip count, unrolled: constant indices into acc
            if (phase + sx * (t0 + r) < K::out.w)
              acc.template store<A>(r, y + offset<layout::nhwc>(K::out, co0, oz, oy, phase + sx * (t0 + r)),
                                    CO - co0 < V ? CO - co0 : V);
        }
  }
}

// A: the element-wise activation fused after the layer, if any.
template <conv_transpose_params P, shape In, activation_params A = no_activation, class T, class Packed>
constexpr void conv_transpose_nhwc_phased(const T* x, const Packed& w, T* y, work_part part = {}) {
  using K = conv_transpose_kernel<P, In>;
  constexpr index_t V = tile_for_width(K::out.c, sizeof(T), (K::out.w + K::k.stride[2] - 1) / K::k.stride[2]).channels;
  if constexpr (vector_block<T, V>) {
    if (!std::is_constant_evaluated()) {
      conv_transpose_nhwc_phased_with<true, P, In, A>(x, w, y, part);
      return;
    }
  }
  conv_transpose_nhwc_phased_with<false, P, In, A>(x, w, y, part);
}

// ---- stride phases ------------------------------------------------------------------------------
// Along a dim of stride s, the outputs o = p + s t of phase p all use the taps k = k0 + s j (k0 = (p + pb)
// mod s), tap j reading input t + base - j (base = (p + pb - k0) / s): a stride-1 convolution over the
// input, its taps reversed and padded by n - 1 - base before. The int8 kernels below and the float
// Winograd kernel after them run transposed convolutions so.
template <conv_transpose_params P, shape In>
struct transposed_phases {
  using K = conv_transpose_kernel<P, In>;
  static constexpr window3 k = K::k;
  static constexpr dims4 in = K::in, out = K::out;
  static constexpr index_t extent(const dims4& d, int dim) { return dim == 0 ? d.d : (dim == 1 ? d.h : d.w); }

  struct phase_dim {
    index_t first_tap = 0, taps = 0, before = 0, after = 0;  // the phase convolution's padding
    index_t outputs = 0;  // of the transposed convolution in this phase
    index_t computed = 0;  // of the phase's convolution (after >= 0: maybe more)
  };
  static constexpr phase_dim along(int dim, index_t p) {
    const index_t s = k.stride[dim], kernel = k.kernel[dim], pb = k.pad_begin[dim];
    phase_dim a;
    a.first_tap = ((p + pb) % s + s) % s;
    a.taps = a.first_tap < kernel ? (kernel - a.first_tap + s - 1) / s : 0;
    const index_t base = (p + pb - a.first_tap) / s;
    a.before = a.taps - 1 - base;
    a.outputs = (extent(out, dim) - p + s - 1) / s;
    const index_t end = a.outputs - 1 + a.taps - extent(in, dim) - a.before;
    a.after = end > 0 ? end : 0;
    a.computed = extent(in, dim) + a.before + a.after - a.taps + 1;
    return a;
  }
  // The transposed convolution's tap along dim that the phase convolution's tap j is.
  static constexpr index_t tap_of(const phase_dim& a, int dim, index_t j) {
    return a.first_tap + k.stride[dim] * (a.taps - 1 - j);
  }
  static constexpr index_t phases = k.stride[0] * k.stride[1] * k.stride[2];
  static constexpr index_t phase_along(index_t q, int dim) {
    return dim == 0 ? q / (k.stride[1] * k.stride[2]) : (dim == 1 ? q / k.stride[2] % k.stride[1] : q % k.stride[2]);
  }
};

// ---- int8: the stride phases as convolutions ------------------------------------------------------
// Each phase runs as the convolution family's int8 kernel (x86's matrix product, Cortex-M's dot
// products) on its weights gathered into [C_out][C_in][taps] on the stack, into a stack buffer
// scattered to every s-th output afterwards. The integers are the reference's: a tap outside the input
// reads the zero point, which adds nothing.
template <conv_transpose_params P, shape In>
struct int8_transposed_phases : transposed_phases<P, In> {
  using base = transposed_phases<P, In>;
  using typename base::K;
  using typename base::phase_dim;
  using base::k, base::in, base::out, base::along, base::tap_of, base::phases, base::phase_along;

  static constexpr conv_params phase_conv(index_t q) {
    conv_params c;
    c.rank = P.rank;
    c.out_channels = out.c;
    c.kernel.count = c.padding.begin.count = c.padding.end.count = P.rank;
    c.padding.spellings = spelt_pad_begin | spelt_pad_end;
    for (int i = 0; i < P.rank; ++i) {
      const int dim = 3 - P.rank + i;
      const phase_dim a = along(dim, phase_along(q, dim));
      c.kernel.v[i] = a.taps;
      c.padding.begin.v[i] = a.before;
      c.padding.end.v[i] = a.after;
    }
    return c;
  }
  // The stack a phase takes: its weights and its output; the largest phase's.
  static constexpr count_t weight_bytes(index_t q) {
    return count_t{in.c} * out.c * along(0, phase_along(q, 0)).taps * along(1, phase_along(q, 1)).taps * along(2, phase_along(q, 2)).taps;
  }
  static constexpr count_t output_bytes(index_t q) {
    return count_t{out.c} * along(0, phase_along(q, 0)).computed * along(1, phase_along(q, 1)).computed * along(2, phase_along(q, 2)).computed;
  }
  static constexpr count_t most(count_t (*bytes)(index_t)) {
    count_t m = 1;
    for (index_t q = 0; q < phases; ++q) m = bytes(q) > m ? bytes(q) : m;
    return m;
  }
  static constexpr count_t largest_weights = most(&weight_bytes), largest_output = most(&output_bytes);
  // Every phase a convolution with a tap along each dim and no negative padding, within the stack.
  static constexpr bool usable = [] {
    if (K::g.groups != 1 || k.dilation[0] != 1 || k.dilation[1] != 1 || k.dilation[2] != 1) return false;
    for (index_t q = 0; q < phases; ++q)
      for (int dim = 0; dim < 3; ++dim) {
        const phase_dim a = along(dim, phase_along(q, dim));
        if (a.taps < 1 || a.before < 0 || a.computed < a.outputs) return false;
      }
    return largest_weights + largest_output + 4 * count_t{out.c} <= (CTNN_INT8_X86 ? 128 * 1024 : int8_stack_bytes);
  }();

  // Each phase's block of weights packed for its x86 kernel by prepare_into (gathered and packed per call,
  // W5 with AMX took 73 us instead of 54), one after the other, each aligned to 64 bytes.
  template <index_t Q>
  using phase_kernel = x86_int8_conv<phase_conv(Q), In, layout::nhwc>;
  template <index_t Q>
  static constexpr count_t phase_prepared_bytes() {
    if constexpr (std::is_void_v<phase_kernel<Q>>) {
      return 0;
    } else {
      return phase_kernel<Q>::prepared_bytes;
    }
  }
  static constexpr std::array<count_t, phases + 1> phase_offsets = [] {
    std::array<count_t, phases + 1> at{};
    [&]<std::size_t... Q>(std::index_sequence<Q...>) {
      ((at[Q + 1] = at[Q] + impl::align_up(phase_prepared_bytes<static_cast<index_t>(Q)>())), ...);
    }(std::make_index_sequence<static_cast<std::size_t>(phases)>{});
    return at;
  }();
  static constexpr count_t prepared_bytes = phase_offsets[phases];
  static void prepare(const int8_call& c, std::byte* block) {
    alignas(64) std::int8_t weights[largest_weights];
    std::int32_t kernel_biases[out.c];
    [&]<std::size_t... Q>(std::index_sequence<Q...>) {
      (prepare_phase<static_cast<index_t>(Q)>(c, weights, kernel_biases, block), ...);
    }(std::make_index_sequence<static_cast<std::size_t>(phases)>{});
  }
  template <index_t Q>
  static void prepare_phase(const int8_call& c, std::int8_t* weights, std::int32_t* kernel_biases, std::byte* block) {
    if constexpr (phase_prepared_bytes<Q>() > 0) {
      int8_call phase = phase_call<Q>(c, weights, kernel_biases);
      phase_kernel<Q>::pack(phase, block + phase_offsets[Q]);
    }
  }

  template <activation_params A>
  static void run(const int8_call& c, const output_stage& stage) {
    alignas(64) std::int8_t weights[largest_weights];
    alignas(64) std::int8_t outputs[largest_output];
    std::int32_t kernel_biases[out.c];
    [&]<std::size_t... Q>(std::index_sequence<Q...>) {
      (run_phase<static_cast<index_t>(Q), A>(c, stage, weights, kernel_biases, outputs), ...);
    }(std::make_index_sequence<static_cast<std::size_t>(phases)>{});
  }

  // Phase Q's convolution of c's input: its weights gathered into `weights` as [oc][ic][tz][ty][tx] (the
  // phase's taps reversed, as the convolution reads them), its kernel biases into `kernel_biases`.
  template <index_t Q>
  static int8_call phase_call(const int8_call& c, std::int8_t* weights, std::int32_t* kernel_biases) {
    constexpr phase_dim a[3] = {along(0, phase_along(Q, 0)), along(1, phase_along(Q, 1)), along(2, phase_along(Q, 2))};
    std::int8_t* to = weights;
    for (index_t oc = 0; oc < out.c; ++oc) {
      std::int32_t sum = 0;
      for (index_t ic = 0; ic < in.c; ++ic)
        for (index_t tz = 0; tz < a[0].taps; ++tz)
          for (index_t ty = 0; ty < a[1].taps; ++ty)
            for (index_t tx = 0; tx < a[2].taps; ++tx) {
              const std::int8_t w = c.weights[K::weight_index(ic, oc, tap_of(a[0], 0, tz), tap_of(a[1], 1, ty), tap_of(a[2], 2, tx))];
              *to++ = w;
              sum += w;
            }
      kernel_biases[oc] = c.biases[oc] - c.in.zero_point * sum;
    }
    int8_call phase = c;
    phase.weights = weights;
    phase.kernel_biases = kernel_biases;
    phase.prepared = nullptr;
    return phase;
  }

  template <index_t Q, activation_params A>
  static void run_phase(const int8_call& c, const output_stage& stage, std::int8_t* weights, std::int32_t* kernel_biases,
                        std::int8_t* outputs) {
    constexpr conv_params C = phase_conv(Q);
    constexpr phase_dim a[3] = {along(0, phase_along(Q, 0)), along(1, phase_along(Q, 1)), along(2, phase_along(Q, 2))};
    int8_call phase = c;
    if (c.prepared && phase_prepared_bytes<Q>() > 0) {
      phase.prepared = c.prepared + phase_offsets[Q];  // (the kernel reads neither the weights nor the kernel biases)
    } else {
      phase = phase_call<Q>(c, weights, kernel_biases);
    }
    phase.y = outputs;
    conv_int8<C, In, layout::nhwc, A>(phase, stage);
    constexpr dims4 computed = {out.c, a[0].computed, a[1].computed, a[2].computed};
    for (index_t tz = 0; tz < a[0].outputs; ++tz)
      for (index_t ty = 0; ty < a[1].outputs; ++ty)
        for (index_t tx = 0; tx < a[2].outputs; ++tx)
          std::memcpy(c.y + offset<layout::nhwc>(out, 0, phase_along(Q, 0) + k.stride[0] * tz,
                                                 phase_along(Q, 1) + k.stride[1] * ty, phase_along(Q, 2) + k.stride[2] * tx),
                      outputs + offset<layout::nhwc>(computed, 0, tz, ty, tx), static_cast<std::size_t>(out.c));
  }
};

// ---- Winograd F(2x2, 2x2) for each stride phase ---------------------------------------------------
// Where every stride phase is a 2x2 convolution (kernel 4, stride 2: U-Net's and DCGAN's upsampling),
// each phase's 2x2 blocks of outputs come from 3x3 input patches d as Y = A^T [sum over input channels of
// (G g G^T) . (B^T d B)] A: 9 multiplies per input channel and 4 outputs where the phase's direct loops
// take 16. With B^T = [1 -1 0; 0 1 0; 0 -1 1], G = [1 0; 1 1; 0 1], A^T = [1 1 0; 0 1 1] the transforms
// only add and subtract (exact on small integers). As the F(2x2, 3x3) kernel of ctnn/kernels/conv.hpp:
// the weights packed transformed, [phase][9][C_in][C_out padded]; per phase and row of tiles the
// patches transformed on the stack, 9 matrix products by the register tile, the outputs with bias and
// activation scattered to every second pixel.
template <class T>
constexpr void winograd_f22_weights(const T* g, T* u) {  // g row major 2x2, u 3x3
  const T gg[3][2] = {{g[0], g[1]}, {g[0] + g[2], g[1] + g[3]}, {g[2], g[3]}};  // G g
  for (int i = 0; i < 3; ++i) {
    u[i * 3 + 0] = gg[i][0];
    u[i * 3 + 1] = gg[i][0] + gg[i][1];
    u[i * 3 + 2] = gg[i][1];
  }
}
template <class T>
constexpr void winograd_f22_inputs(const T* d, T* v) {  // d row major 3x3
  T b[3][3] = {};  // B^T d
  for (int j = 0; j < 3; ++j) {
    b[0][j] = d[j] - d[3 + j];
    b[1][j] = d[3 + j];
    b[2][j] = d[6 + j] - d[3 + j];
  }
  for (int i = 0; i < 3; ++i) {
    v[i * 3 + 0] = b[i][0] - b[i][1];
    v[i * 3 + 1] = b[i][1];
    v[i * 3 + 2] = b[i][2] - b[i][1];
  }
}
template <class T>
constexpr void winograd_f22_outputs(const T* m, T* y) {  // y row major 2x2
  T u[3][2];  // m A
  for (int i = 0; i < 3; ++i) {
    u[i][0] = m[i * 3] + m[i * 3 + 1];
    u[i][1] = m[i * 3 + 1] + m[i * 3 + 2];
  }
  for (int b = 0; b < 2; ++b) {
    y[b] = u[0][b] + u[1][b];
    y[2 + b] = u[1][b] + u[2][b];
  }
}

template <conv_transpose_params P, shape In, class T>
struct winograd_transposed_f22 {
  using phases_of = transposed_phases<P, In>;
  using K = typename phases_of::K;
  using phase_dim = typename phases_of::phase_dim;
  static constexpr index_t C = K::in.c, CO = K::out.c, CP = padded_channels(CO, sizeof(T));
  static constexpr index_t sy = K::k.stride[1], sx = K::k.stride[2], phases = sy * sx;
  static constexpr phase_dim along_h(index_t py) { return phases_of::along(1, py); }
  static constexpr phase_dim along_w(index_t px) { return phases_of::along(2, px); }
  static constexpr index_t tiles(const phase_dim& a) { return (a.outputs + 1) / 2; }
  static constexpr index_t most_tiles(int dim) {
    index_t m = 0;
    for (index_t p = 0; p < (dim == 1 ? sy : sx); ++p) {
      const index_t t = tiles(phases_of::along(dim, p));
      m = t > m ? t : m;
    }
    return m;
  }
  static constexpr index_t tile_rows = most_tiles(1), tiles_w = most_tiles(2);
  static constexpr bool two_taps_everywhere = [] {
    for (index_t p = 0; p < sy; ++p)
      if (along_h(p).taps != 2 || along_h(p).outputs < 1) return false;
    for (index_t p = 0; p < sx; ++p)
      if (along_w(p).taps != 2 || along_w(p).outputs < 1) return false;
    return true;
  }();
  static constexpr bool applies = std::is_same_v<T, float> && CTNN_VECTOR_BYTES >= 32 && P.rank == 2 &&
                                  K::g.groups == 1 && K::k.dilation[1] == 1 && K::k.dilation[2] == 1 &&
                                  two_taps_everywhere && C >= 16 && CO >= 16 &&
                                  9 * count_t{tiles_w} * (C + CP) * sizeof(T) <= winograd_stack_bytes &&
                                  9 * count_t{phases} * C * CP * sizeof(T) <= winograd_weight_bytes;
  static constexpr count_t packed_taps_count = applies ? 9 * count_t{phases} : kernel_volume(K::g.w);

  // [in][out][4][4] -> [phase][9][in][out padded]: each phase's 2x2 taps in its convolution's order.
  template <class Packed>
  static constexpr void pack(const T* from, T* to) {
    for (index_t py = 0; py < sy; ++py)
      for (index_t px = 0; px < sx; ++px) {
        const phase_dim a = along_h(py), b = along_w(px);
        T* plane = to + count_t{py * sx + px} * 9 * C * Packed::padded;
        for (index_t i = 0; i < C; ++i)
          for (index_t o = 0; o < CO; ++o) {
            T g[4], u[9];
            for (index_t ty = 0; ty < 2; ++ty)
              for (index_t tx = 0; tx < 2; ++tx)
                g[ty * 2 + tx] = from[K::weight_index(i, o, 0, phases_of::tap_of(a, 1, ty), phases_of::tap_of(b, 2, tx))];
            winograd_f22_weights(g, u);
            for (int e = 0; e < 9; ++e) plane[(count_t{e} * C + i) * Packed::padded + o] = u[e];
          }
      }
  }

  // Row ty of phase (py, px)'s tiles: V[e][t][c] = (B^T d B)[e] for tile t's 3x3 patch.
  template <index_t Tiles>
  static constexpr void transform_inputs(const T* x, const phase_dim& a, const phase_dim& b, index_t ty, T* v) {
    const T* const zeros = zero_row<T, C>;
    for (index_t t = 0; t < Tiles; ++t) {
      const T* d[3][3];
      for (index_t i = 0; i < 3; ++i)
        for (index_t j = 0; j < 3; ++j) {
          const index_t iy = 2 * ty - a.before + i, ix = 2 * t - b.before + j;
          d[i][j] = iy >= 0 && iy < K::in.h && ix >= 0 && ix < K::in.w ? x + offset<layout::nhwc>(K::in, 0, 0, iy, ix) : zeros;
        }
      T* to = v + count_t{t} * C;
      for (index_t c = 0; c < C; ++c) {
        T patch[9], transformed[9];
        for (int i = 0; i < 3; ++i)
          for (int j = 0; j < 3; ++j) patch[i * 3 + j] = d[i][j][c];
        winograd_f22_inputs(patch, transformed);
        for (int e = 0; e < 9; ++e) to[e * count_t{Tiles} * C + c] = transformed[e];
      }
    }
  }

  // Y = A^T M A plus the bias, into the phase's outputs py + sy (2 ty + i), px + sx (2 t + j).
  template <index_t Tiles, activation_params A, class Packed>
  static constexpr void transform_outputs(const T* m, const Packed& w, index_t py, index_t px, index_t ty, T* y) {
    const phase_dim a = along_h(py), b = along_w(px);
    constexpr count_t plane = count_t{Tiles} * CP;
    for (index_t t = 0; t < Tiles; ++t) {
      T block[4][CO];
      const T* from = m + count_t{t} * CP;
      for (index_t c = 0; c < CO; ++c) {
        T tile[9], pixels[4];
        for (int e = 0; e < 9; ++e) tile[e] = from[e * plane + c];
        winograd_f22_outputs(tile, pixels);
        for (int p = 0; p < 4; ++p) block[p][c] = pixels[p] + w.bias[c];
      }
      for (index_t i = 0; i < 2; ++i)
        for (index_t j = 0; j < 2; ++j) {
          if (2 * ty + i >= a.outputs || 2 * t + j >= b.outputs) continue;
          T* out = y + offset<layout::nhwc>(K::out, 0, 0, py + sy * (2 * ty + i), px + sx * (2 * t + j));
          for (index_t c = 0; c < CO; ++c) out[c] = block[i * 2 + j][c];
          activate_stored<A>(out, CO);
        }
    }
  }

  template <bool Vector, activation_params A, index_t Q, class Packed>
  static constexpr void run_phase(const T* x, const Packed& w, T* y, index_t ty, T* v, T* m) {
    constexpr index_t py = Q / sx, px = Q % sx;
    constexpr phase_dim a = along_h(py), b = along_w(px);
    constexpr index_t Tiles = tiles(b);
    if (ty >= tiles(a)) return;
    transform_inputs<Tiles>(x, a, b, ty, v);
    winograd_products<Vector, T, 9, Tiles, C, CO, CP>(v, &w.weight[count_t{Q} * 9 * C * CP], m);
    transform_outputs<Tiles, A>(m, w, py, px, ty, y);
  }

  // Threads split the rows of tiles (each row: every phase's).
  template <bool Vector, activation_params A, class Packed>
  static constexpr void run_with(const T* x, const Packed& w, T* y, work_part part) {
    T v[9 * count_t{tiles_w} * C];
    T m[9 * count_t{tiles_w} * CP];
    for (count_t ty = part.begin(tile_rows); ty < part.end(tile_rows); ++ty)
      [&]<std::size_t... Q>(std::index_sequence<Q...>) {
        (run_phase<Vector, A, static_cast<index_t>(Q)>(x, w, y, static_cast<index_t>(ty), v, m), ...);
      }(std::make_index_sequence<static_cast<std::size_t>(phases)>{});
  }
  template <activation_params A, class Packed>
  static constexpr void run(const T* x, const Packed& w, T* y, work_part part) {
    constexpr index_t V = tile_for_width(CO, sizeof(T), tiles_w).channels;
    if constexpr (vector_block<T, V>) {
      if (!std::is_constant_evaluated()) return run_with<true, A>(x, w, y, part);
    }
    run_with<false, A>(x, w, y, part);
  }
};

// ---- the family's fast-kernel hooks (ctnn/kernels/run.hpp) ---------------------------------------
namespace impl {
template <class Node, class T>
struct conv_transpose_packing {
  static constexpr conv_transpose_geometry g = resolve_conv_transpose(Node::type::params, Node::input_shape);
  using winograd = winograd_transposed_f22<Node::type::params, Node::input_shape, T>;
  using packed = packed_taps<T, winograd::packed_taps_count, g.in_channels, g.out_channels>;
};
}  // namespace impl

template <class Node, layout L, class T>
constexpr count_t packed_elements(const conv_transpose_params&) {
  return impl::conv_transpose_packing<Node, T>::packed::elements;
}

template <class Node, layout L, class T>
constexpr packed_channels packed_channels_of(const conv_transpose_params&) {
  return packed_channels_in<typename impl::conv_transpose_packing<Node, T>::packed>();
}

// [in][out][taps] -> [tap][in][out padded], or Winograd's transformed phases.
template <class Node, layout L, class T>
constexpr void pack(const conv_transpose_params&, const T* from, T* to) {
  using K = impl::conv_transpose_packing<Node, T>;
  using packed = typename K::packed;
  constexpr index_t in = K::g.in_channels, out = K::g.out_channels;
  constexpr count_t taps = kernel_volume(K::g.w);
  constexpr bool bias = Node::result.bias.rank > 0;
  if constexpr (K::winograd::applies) {
    pack_transformed<packed, bias, out>(from + count_t{in} * out * taps, to,
                                        [from](T* weights) { K::winograd::template pack<packed>(from, weights); });
  } else {
    pack_taps<packed, taps, in, out, true, bias>(from, from + count_t{in} * out * taps, to);
  }
}

template <class Node, layout L, activation_params A, class T>
constexpr void run_fast(const conv_transpose_params&, const T* x, const T* block, T* y, work_part part = {}) {
  using K = impl::conv_transpose_packing<Node, T>;
  const typename K::packed w(block);
  if constexpr (K::winograd::applies)
    K::winograd::template run<A>(x, w, y, part);
  else
    conv_transpose_nhwc_phased<Node::type::params, Node::input_shape, A>(x, w, y, part);
}

// The block prepare_into keeps for it (ctnn/kernels/run_int8.hpp): its phases' packed weights.
template <class Node, layout L>
constexpr count_t int8_prepared_bytes(const conv_transpose_params&) {
  using phased = int8_transposed_phases<Node::type::params, Node::input_shape>;
  if constexpr (L == layout::nhwc && phased::usable) {
    return phased::prepared_bytes;
  } else {
    return 0;
  }
}
template <class Node, layout L>
void prepare_int8(const conv_transpose_params&, const int8_call& c, std::byte* block) {
  using phased = int8_transposed_phases<Node::type::params, Node::input_shape>;
  if constexpr (L == layout::nhwc && phased::usable) phased::prepare(c, block);
}

// An int8 network's transposed convolution, the clamp A fused: by its stride phases where they apply,
// else the reference.
template <class Node, layout L, activation_params A>
constexpr void run_int8(const conv_transpose_params&, const int8_call& c) {
  constexpr conv_transpose_params P = Node::type::params;
  const output_stage stage = output_stage_for<A>(c.out);
  if constexpr (L == layout::nhwc && int8_transposed_phases<P, Node::input_shape>::usable)
    if (!std::is_constant_evaluated()) return int8_transposed_phases<P, Node::input_shape>::template run<A>(c, stage);
  conv_transpose_forward_int8<P, Node::input_shape, L>(c.x, c.in.zero_point, c.weights, c.biases, c.multipliers, stage, c.y);
}

CTNN_END_CONFIG
