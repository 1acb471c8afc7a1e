// ctnn/kernels/conv_int8.hpp: the convolution family's kernels in an int8 network (ctnn/kernels/run_int8.hpp).
//
// NHWC with groups 1: each output position's window as a row of int8 in PyTorch's weight order (the input
// pixel's own channels for a 1x1 window without padding; else gathered, the padding being the input's
// zero point), multiplied with four output channels' weights at a time (dot_rows: Helium's VMLADAVA, or a
// loop x86 compilers vectorize; on the Cortex-M4/M7 three positions by pairs of channels with SMLAD), the
// zero point folded into the layer's kernel biases (b - z_x sum w, ctnn/plan/quantized.hpp). NHWC
// depthwise: each tap of a position for a block of channels held in registers, on the weights transposed
// to [tap][channel] on the stack (on the Cortex-M4/M7 a channel at a time on its plane widened to int16).
// Then requantize_fast (four lanes at a time on Helium; requantize_short on the M4/M7). The integers are
// the reference's (conv_forward_int8) bit for bit, which every other case runs, and so does a layer whose
// gathered row or transposed weights would take more than int8_stack_bytes of stack. On x86 with AVX2 the
// NHWC convolutions and depthwise ones run ctnn/kernels/int8_x86.hpp's kernels instead (the matrix product
// on AMX tiles where the CPU has them: ctnn/kernels/int8_amx.hpp).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "ctnn/kernels/conv.hpp"
#include "ctnn/kernels/int8_dot.hpp"
#include "ctnn/kernels/int8_amx.hpp"

CTNN_BEGIN_CONFIG

// The stack a fast int8 kernel may take for its row or its transposed weights (a microcontroller's stack
// is a few KiB); a larger layer runs the reference kernel.
inline constexpr count_t int8_stack_bytes = 4096;

template <conv_params P, shape In>
struct int8_nhwc_conv {
  using K = conv_kernel<P, In, layout::nhwc, std::int8_t>;
  static constexpr window3 k = K::k;
  static constexpr dims4 in = K::in, out = K::out;
  static constexpr count_t taps = count_t{k.kernel[0]} * k.kernel[1] * k.kernel[2];
  static constexpr count_t row = count_t{in.c} * taps;
  static constexpr bool no_padding =
      k.pad_begin[0] == 0 && k.pad_begin[1] == 0 && k.pad_begin[2] == 0 && k.pad_end[0] == 0 && k.pad_end[1] == 0 && k.pad_end[2] == 0;
  // The window is the input pixel's channels, read in place.
  static constexpr bool direct = taps == 1 && no_padding;
  // The stack they take: the row or the transposed weights, the accumulators of a position, the
  // multipliers split for Helium.
  // (Positions and offsets in int: a microcontroller divides 64-bit integers in a library call.)
  static constexpr bool int_offsets =
      count_t{in.d} * in.h * in.w * in.c < (count_t{1} << 31) && count_t{out.d} * out.h * out.w * out.c < (count_t{1} << 31);
  static constexpr bool ungrouped = K::g.groups == 1;
  static constexpr bool gemm = ungrouped && (direct ? 0 : row) + 20 * count_t{out.c} <= int8_stack_bytes && int_offsets;
  static constexpr bool one_channel_per_group = K::g.groups == in.c && K::out_per_group == 1;
  static constexpr bool depthwise = one_channel_per_group && count_t{in.c} * (taps + 20) <= int8_stack_bytes;

  // The accumulators of output channels [first, first + Rows) of one position, from its row.
  // (Without Helium they are requantized here, one by one: a row of them in memory costs more on the M4.)
  template <int Rows>
  static void block(const std::int8_t* row_values, index_t first, const int8_call& c, std::int32_t* acc,
                    const output_stage& stage, std::int8_t* y) {
    const std::int8_t* w[Rows];
    std::int32_t sums[Rows];
    for (int j = 0; j < Rows; ++j) {
      sums[j] = c.kernel_biases[first + j];
      w[j] = c.weights + (first + j) * row;
    }
    dot_rows<row, Rows>(row_values, w, sums);
    for (int j = 0; j < Rows; ++j) {
      if constexpr (CTNN_INT8_HELIUM) {
        acc[first + j] = sums[j];
      } else {
        y[first + j] = requantize_fast(sums[j], c.multipliers[first + j], stage);
      }
    }
  }

  // Output pixel (oz, oy, ox)'s window: its first tap's input coordinates (maybe in the padding), whether
  // every tap is inside the input, and the offset of that first tap (meaningful when inside); each tap's
  // offset from the first, in weight order. window_of(p): the same for output position p of NHWC's order.
  struct window {
    index_t z0, y0, x0;
    bool inside;
    index_t first_pixel;
  };
  static constexpr window window_at(index_t oz, index_t oy, index_t ox) {
    static_assert(int_offsets);
    const index_t z0 = oz * k.stride[0] - k.pad_begin[0], y0 = oy * k.stride[1] - k.pad_begin[1],
                  x0 = ox * k.stride[2] - k.pad_begin[2];
    const bool inside = z0 >= 0 && z0 + (k.kernel[0] - 1) * k.dilation[0] < in.d && y0 >= 0 &&
                        y0 + (k.kernel[1] - 1) * k.dilation[1] < in.h && x0 >= 0 && x0 + (k.kernel[2] - 1) * k.dilation[2] < in.w;
    return {z0, y0, x0, inside, ((z0 * in.h + y0) * in.w + x0) * in.c};
  }
  static constexpr window window_of(index_t p) { return window_at(p / (out.w * out.h), p / out.w % out.h, p % out.w); }
  // (Of a window in a tensor of dims d: x86's depthwise kernel also reads a padded copy of the input.)
  static constexpr std::array<index_t, taps> tap_offsets_in(dims4 d) {
    std::array<index_t, taps> at{};
    int t = 0;
    for (index_t kz = 0; kz < k.kernel[0]; ++kz)
      for (index_t ky = 0; ky < k.kernel[1]; ++ky)
        for (index_t kx = 0; kx < k.kernel[2]; ++kx)
          at[t++] = ((kz * k.dilation[0] * d.h + ky * k.dilation[1]) * d.w + kx * k.dilation[2]) * d.c;
    return at;
  }
  static constexpr std::array<index_t, taps> tap_offsets = tap_offsets_in(in);

  // The part of the input the windows cover, from -pad_begin on each dim: a copy of it with the padding
  // filled in (the zero point) lets every window be read without a bound tested (x86's kernels).
  static constexpr index_t covered(int dim, index_t outputs) {
    return (outputs - 1) * k.stride[dim] + (k.kernel[dim] - 1) * k.dilation[dim] + 1;
  }
  static constexpr dims4 padded = {in.c, covered(0, out.d), covered(1, out.h), covered(2, out.w)};
  static constexpr bool pads =
      k.pad_begin[0] != 0 || k.pad_begin[1] != 0 || k.pad_begin[2] != 0 || padded.d > in.d || padded.h > in.h || padded.w > in.w;
  // Output (oz, oy, ox)'s window's first element in that copy.
  static constexpr index_t padded_first(index_t oz, index_t oy, index_t ox) {
    return ((oz * k.stride[0] * padded.h + oy * k.stride[1]) * padded.w + ox * k.stride[2]) * padded.c;
  }
  // The copy, each element converted (as the kernel's rows hold it).
  template <class To, class Convert>
  static void copy_padded(const int8_call& c, To* to, Convert convert) {
    copy_padded_rows(c, to, 0, count_t{padded.d} * padded.h, convert);
  }
  // Its rows [first, first + rows) (of padded.d * padded.h, each padded.w * C_in elements) at `to`.
  template <class To, class Convert>
  static void copy_padded_rows(const int8_call& c, To* to, count_t first, count_t rows, Convert convert) {
    static_assert(k.pad_begin[0] >= 0 && k.pad_begin[1] >= 0 && k.pad_begin[2] >= 0);
    const To padding = convert(static_cast<std::int8_t>(c.in.zero_point));
    // Row by row: the columns [left, right) inside the input between runs of padding (whole runs, so
    // that the loops vectorize).
    constexpr index_t left = k.pad_begin[2] < padded.w ? k.pad_begin[2] : padded.w;
    constexpr index_t right = k.pad_begin[2] + in.w < padded.w ? k.pad_begin[2] + in.w : padded.w;
    constexpr count_t row = count_t{padded.w} * in.c, before = count_t{left} * in.c,
                      inside = right > left ? count_t{right - left} * in.c : 0;
    for (count_t r = first; r < first + rows; ++r, to += row) {
      const index_t iz = static_cast<index_t>(r / padded.h) - k.pad_begin[0], iy = static_cast<index_t>(r % padded.h) - k.pad_begin[1];
      if (iz < 0 || iz >= in.d || iy < 0 || iy >= in.h) {
        for (count_t i = 0; i < row; ++i) to[i] = padding;
        continue;
      }
      const std::int8_t* from = c.x + (iz * in.h + iy) * in.w * in.c;
      for (count_t i = 0; i < before; ++i) to[i] = padding;
      for (count_t i = 0; i < inside; ++i) to[before + i] = convert(from[i]);
      for (count_t i = before + inside; i < row; ++i) to[i] = padding;
    }
  }

  // Output position p's row of int8: the input pixel's channels in place, or gathered into `gathered`.
  static const std::int8_t* row_of(const int8_call& c, index_t p, std::int8_t* gathered) {
    const auto [z0, y0, x0, inside, origin] = window_of(p);
    if constexpr (direct) {
      return c.x + origin;
    } else {
      if (inside) {  // every run of kw taps at constant strides, no bound to test
        const std::int8_t* first_pixel = c.x + origin;
        std::int8_t* to = gathered;
        for (index_t ic = 0; ic < in.c; ++ic)
          for (index_t kz = 0; kz < k.kernel[0]; ++kz)
            for (index_t ky = 0; ky < k.kernel[1]; ++ky, to += k.kernel[2]) {
              const std::int8_t* from = first_pixel + ((kz * k.dilation[0] * in.h + ky * k.dilation[1]) * in.w) * in.c + ic;
              if constexpr (in.c == 1 && k.dilation[2] == 1) {
                std::memcpy(to, from, k.kernel[2]);
              } else {
#pragma GCC unroll 16
                for (index_t kx = 0; kx < k.kernel[2]; ++kx) to[kx] = from[kx * k.dilation[2] * in.c];
              }
            }
        return gathered;
      }
      const std::int8_t zero = static_cast<std::int8_t>(c.in.zero_point);
      // The taps along W inside the input, [first, end): the rest of each run is padding.
      index_t first = 0, end = k.kernel[2];
      while (first < end && x0 + first * k.dilation[2] < 0) ++first;
      while (end > first && x0 + (end - 1) * k.dilation[2] >= in.w) --end;
      std::int8_t* to = gathered;
      for (index_t ic = 0; ic < in.c; ++ic)
        for (index_t kz = 0; kz < k.kernel[0]; ++kz)
          for (index_t ky = 0; ky < k.kernel[1]; ++ky, to += k.kernel[2]) {
            const index_t iz = z0 + kz * k.dilation[0], iy = y0 + ky * k.dilation[1];
            if (iz < 0 || iz >= in.d || iy < 0 || iy >= in.h || first == end) {
              for (index_t kx = 0; kx < k.kernel[2]; ++kx) to[kx] = zero;
              continue;
            }
            const std::int8_t* from = c.x + offset<layout::nhwc>(in, ic, iz, iy, x0 + first * k.dilation[2]);
            for (index_t kx = 0; kx < first; ++kx) to[kx] = zero;
            for (index_t kx = first; kx < end; ++kx) to[kx] = from[count_t{kx - first} * k.dilation[2] * in.c];
            for (index_t kx = end; kx < k.kernel[2]; ++kx) to[kx] = zero;
          }
      return gathered;
    }
  }

#if CTNN_INT8_DSP
  // Cortex-M4/M7: three (or two) output positions by two output channels, their rows widened to int16 once
  // (in SXTB16's order: [x0, x2], [x1, x3] for every 4), so that each weight word, widened, serves them all:
  // 21 instructions for 24 multiply-accumulates (detail::mac_three_by_two; two positions, 16 for 16), with
  // every operand in a register; then requantize_short (or, in the asm, 6 instructions an output).
  static constexpr count_t row4 = row - row % 4;
  static constexpr count_t pitch = row + row % 2;  // a widened row's int16, so that the second is word-aligned
  static constexpr bool paired_asm = 2 * pitch <= 1020;  // LDRD's reach from the first row to the second
  static void widen(const std::int8_t* values, std::int16_t* to) {
    count_t i = 0;
    if constexpr (row4 >= 8)  // (LDM: the row word-aligned, as DS-CNN's pointwise rows are)
      if ((reinterpret_cast<std::uintptr_t>(values) & 3) == 0) {
        detail::widen_words<row4 / 8>(values, to);
        i = row4 - row4 % 8;
      }
    for (; i < row4; i += 4) {
      const std::uint32_t v = detail::load_word(values + i), even = detail::even_bytes(v), odd = detail::odd_bytes(v);
      std::memcpy(to + i, &even, 4);
      std::memcpy(to + i + 2, &odd, 4);
    }
    for (count_t i = row4; i < row; ++i) to[i] = values[i];
  }
  // Position p's row widened: for a window inside the input of at most 256 values, each value read from
  // its constant offset and stored at its place in SXTB16's order (LDRSB, STRH: no gathered copy to
  // widen, and no bound to test); else gathered (row_of), then widened.
  static constexpr bool gather_widened = !direct && row <= 256;
  // (Row value i's offset from the window's first pixel, in a tensor whose taps are at Offsets: tap, channel.)
  template <const std::array<index_t, taps>& Offsets>
  static constexpr index_t source_of(count_t i) {
    return Offsets[static_cast<std::size_t>(i % taps)] + static_cast<index_t>(i / taps);
  }
  static constexpr count_t place_of(count_t i) { return i < row4 ? i - i % 4 + (i % 4 == 1 ? 2 : (i % 4 == 2 ? 1 : i % 4)) : i; }
  template <const std::array<index_t, taps>& Offsets, std::size_t... I>
  static void read_widened(const std::int8_t* first_pixel, std::int16_t* to, std::index_sequence<I...>) {
    ((to[place_of(I)] = first_pixel[source_of<Offsets>(I)]), ...);
  }
  // A padded input of at most 1 KiB (DS-CNN's stem: 696 bytes) is copied once per call, so that no window
  // is at a border (whose gather, a run of taps at a time, costs several times a window inside).
  static constexpr count_t padded_bytes = count_t{padded.d} * padded.h * padded.w * padded.c;
  static constexpr bool padded_copy_dsp = gather_widened && pads && padded_bytes <= 1024;
  static constexpr std::array<index_t, taps> padded_tap_offsets = tap_offsets_in(padded);
  // (copy: the padded copy where padded_copy_dsp.)
  static void widened_row(const int8_call& c, index_t p, const std::int8_t* copy, std::int8_t* gathered, std::int16_t* to) {
    if constexpr (padded_copy_dsp && in.c == 1 && k.dilation[2] == 1 && k.kernel[2] % 4 == 0) {
      // One input channel (DS-CNN's stem): every 4 taps along W are 4 bytes of the copy, one word.
      const std::int8_t* first = copy + padded_first(p / (out.w * out.h), p / out.w % out.h, p % out.w);
#pragma GCC unroll 64
      for (count_t i = 0; i < row; i += 4) {
        const std::uint32_t v = detail::load_word(first + padded_tap_offsets[i]), even = detail::even_bytes(v),
                            odd = detail::odd_bytes(v);
        std::memcpy(to + i, &even, 4);
        std::memcpy(to + i + 2, &odd, 4);
      }
      return;
    } else if constexpr (padded_copy_dsp) {
      return read_widened<padded_tap_offsets>(copy + padded_first(p / (out.w * out.h), p / out.w % out.h, p % out.w), to,
                                              std::make_index_sequence<row>());
    } else {
      if constexpr (gather_widened)
        if (const window at = window_of(p); at.inside)
          return read_widened<tap_offsets>(c.x + at.first_pixel, to, std::make_index_sequence<row>());
      widen(row_of(c, p, gathered), to);
    }
  }
  static std::uint32_t pair(const std::int16_t* p) {
    std::uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
  }
  template <int Channels, activation_params A>
  static void two_by(const std::int16_t* r0, const std::int16_t* r1, index_t oc, const int8_call& c,
                     const output_stage& stage, bool short_ok, std::int8_t* y0, std::int8_t* y1) {
    std::int32_t a[2][2];
    for (int j = 0; j < 2; ++j) a[0][j] = a[1][j] = c.kernel_biases[oc + (j < Channels ? j : 0)];
    const std::int8_t* w = c.weights + count_t{oc} * row;
    if constexpr (Channels == 2 && paired_asm) {
      if constexpr (row4 > 0) detail::mac_two_by_two<2 * pitch, row, row4 / 4>(r0, w, a);
    } else {
#pragma GCC unroll 4
      for (count_t i = 0; i < row4; i += 4) {
        const std::uint32_t x0e = pair(r0 + i), x0o = pair(r0 + i + 2), x1e = pair(r1 + i), x1o = pair(r1 + i + 2);
        for (int j = 0; j < Channels; ++j) {
          const std::uint32_t wv = detail::load_word(w + j * row + i), we = detail::even_bytes(wv), wo = detail::odd_bytes(wv);
          a[0][j] = detail::dual_mac(x0o, wo, detail::dual_mac(x0e, we, a[0][j]));
          a[1][j] = detail::dual_mac(x1o, wo, detail::dual_mac(x1e, we, a[1][j]));
        }
      }
    }
    for (count_t i = row4; i < row; ++i)
      for (int j = 0; j < Channels; ++j) {
        a[0][j] += std::int32_t{r0[i]} * w[j * row + i];
        a[1][j] += std::int32_t{r1[i]} * w[j * row + i];
      }
    for (int j = 0; j < Channels; ++j) {
      const fixed_multiplier m = c.multipliers[oc + j];
      y0[oc + j] = requantize_either<A>(short_ok, a[0][j], m, stage);
      y1[oc + j] = requantize_either<A>(short_ok, a[1][j], m, stage);
    }
  }
  // Three positions by two channels (detail::mac_three_by_two): 21 instructions for 24 multiply-accumulates,
  // where each weight word widened serves three rows. Where LDRD reaches the third row, and in layers of
  // 64K multiply-accumulates or more: its steps unrolled take about 84 bytes of flash each (DS-CNN's two
  // shapes 2.2 KB), which a small layer does not earn back.
  static constexpr bool three_rows = row4 >= 4 && 4 * (row4 / 4 - 1) * 2 + 2 * (2 * pitch) <= 1020 && out.c >= 2 &&
                                     count_t{out.d} * out.h * out.w * out.c * row >= 65536;
  // Three positions by the channel pairs [first, first + 2 pairs) (low_free: the short requantization,
  // and ReLU's lower bound at a zero point of -128, int8's own; constants: where the asm requantizes too,
  // the pairs' short_requantizers, else null and the accumulators requantized here).
  template <activation_params A>
  static void three_by_pairs(const std::int16_t (&rows)[3][pitch], index_t first, index_t pairs, const std::uint32_t* widened,
                             const short_requantizer* constants, const int8_call& c, const output_stage& stage,
                             bool short_ok, bool low_free, std::int8_t* y) {
    std::int32_t a[pairs_at_once][3][2];
    const std::int8_t* w = c.weights + count_t{first} * row;
    detail::three_by_two_run run{c.kernel_biases + first,
                                 rows[0],
                                 widened_channels > 0 ? static_cast<const void*>(widened) : w,
                                 constants != nullptr ? &constants->doubled_multiplier : nullptr,
                                 y + first,
                                 &a[0][0][0],
                                 pairs};
    if constexpr (widened_channels > 0) {
      detail::mac_three_by_two<2 * pitch, row4 / 4, out.c>(run);
    } else {
      detail::mac_three_by_two<2 * pitch, row, row4 / 4, out.c>(run);
    }
    if (constants != nullptr) return;
#pragma GCC unroll 1
    for (index_t pair = 0; pair < pairs; ++pair) {
      const index_t oc = first + 2 * pair;
      for (count_t i = row4; i < row; ++i)
        for (int p = 0; p < 3; ++p)
          for (int j = 0; j < 2; ++j) a[pair][p][j] += std::int32_t{rows[p][i]} * c.weights[count_t{oc + j} * row + i];
      for (int j = 0; j < 2; ++j) {
        const fixed_multiplier m = c.multipliers[oc + j];
        if (low_free) {
          const short_requantizer r = short_requantizer_for<false>(m, stage);
          for (int p = 0; p < 3; ++p) y[p * out.c + oc + j] = requantize_short<false, clamps_high<A>>(a[pair][p][j], r, stage);
        } else {
          for (int p = 0; p < 3; ++p) y[p * out.c + oc + j] = requantize_either<A>(short_ok, a[pair][p][j], m, stage);
        }
      }
    }
  }

  // The weights of a block of channels widened ahead for mac_three_by_two's LDM (16 instructions a step
  // instead of 21), in at most 2 KiB of stack (DS-CNN's 64 x 64 pointwise: blocks of 16 channels). The rows
  // are widened again for each block, about 2 instructions a value where gathered: worth it where the 5
  // saved per 24 multiply-accumulates outweigh that, 5 C_out / 24 > 2 (blocks - 1) (not LeNet's conv2,
  // 16 channels in blocks of 6).
  static constexpr count_t gemm_dsp_stack =
      (three_rows ? 3 : 2) * row * 2 + (direct || padded_copy_dsp ? 0 : row) + (padded_copy_dsp ? padded_bytes : 0);
  static constexpr index_t widened_channels = [] {
    if (!three_rows || gemm_dsp_stack >= int8_stack_bytes) return index_t{0};
    // (2 KiB less the padded copy: DS-CNN's stem, 696 bytes of copy, in blocks of 16 channels.)
    const count_t most_bytes = 2048 - (padded_copy_dsp ? padded_bytes : 0);
    const count_t budget = int8_stack_bytes - gemm_dsp_stack < most_bytes ? int8_stack_bytes - gemm_dsp_stack : most_bytes;
    const count_t fit = budget / (2 * row4) / 2 * 2, most = count_t{out.c} / 2 * 2;
    if (fit < 2) return index_t{0};
    const count_t blocks = (out.c + fit - 1) / fit;
    return static_cast<index_t>(5 * count_t{out.c} > 48 * (blocks - 1) ? (fit < most ? fit : most) : 0);
  }();
  static constexpr index_t pairs_at_once = 8;  // per asm statement: its accumulators, where not requantized there, on the stack
  template <activation_params A>
  static void run_gemm_dsp(const int8_call& call, const output_stage& output) {
    // Copies of the arguments: the int8 stores below may alias anything the caller's could point at, which
    // would reload every field after each store.
    const int8_call c = call;
    const output_stage stage = output;
    const bool short_ok = requantizes_short(c.multipliers, c.kernel_biases, out.c, row);
    const bool low_free = short_ok && !(clamps_low<A> && stage.low > -128);
    constexpr index_t positions = out.d * out.h * out.w;
    constexpr index_t block = widened_channels > 0 ? widened_channels : out.c;
    alignas(4) std::int8_t gathered[direct || padded_copy_dsp ? 1 : row];
    alignas(4) std::int16_t rows[three_rows ? 3 : 2][pitch];  // (three positions at a time, or two)
    alignas(4) std::uint32_t widened[widened_channels > 0 ? widened_channels / 2 : 1][widened_channels > 0 ? row4 : 1];  // per pair
    // The asm requantizes too where the short way needs no bound compared and the row is whole steps.
    constexpr bool fusable = three_rows && row % 4 == 0 && !clamps_high<A> && 12 * count_t{block} <= 768;
    const bool fused = fusable && low_free;
    short_requantizer constants[fusable ? block : 1];
    std::int8_t spare[out.c];  // an odd last position's second row of outputs, not kept
    alignas(4) std::int8_t copy[padded_copy_dsp ? padded_bytes : 1];
    if constexpr (padded_copy_dsp) copy_padded(c, copy, [](std::int8_t v) { return v; });
    for (index_t first = 0; first < out.c; first += block) {
      const index_t end = first + block < out.c ? first + block : out.c, pairs_end = first + (end - first) / 2 * 2;
      if constexpr (widened_channels > 0)
        for (index_t oc = first; oc < pairs_end; oc += 2)
          detail::widen_weight_pairs<row, row4 / 4>(c.weights + count_t{oc} * row, widened[(oc - first) / 2]);
      if constexpr (fusable)
        if (fused)
          for (index_t oc = first; oc < pairs_end; ++oc) constants[oc - first] = short_requantizer_for<false>(c.multipliers[oc], stage);
      if constexpr (three_rows && positions >= 3) {
        // Three positions at a time; the last three overlap the ones before where positions is not a
        // multiple of 3 (their outputs written twice, the same), so that no two-position code is needed.
        for (index_t p = 0;; p = p + 6 > positions ? positions - 3 : p + 3) {
          for (int r = 0; r < 3; ++r) widened_row(c, p + r, copy, gathered, rows[r]);
          std::int8_t* y = c.y + p * out.c;
          for (index_t at = first; at < pairs_end; at += 2 * pairs_at_once)
            three_by_pairs<A>(rows, at, pairs_end - at < 2 * pairs_at_once ? (pairs_end - at) / 2 : pairs_at_once,
                              widened_channels > 0 ? widened[(at - first) / 2] : nullptr,
                              fused ? constants + (at - first) : nullptr, c, stage, short_ok, low_free, y);
          if constexpr (out.c % 2 != 0) {
            if (pairs_end < end) {
              two_by<1, A>(rows[0], rows[1], pairs_end, c, stage, short_ok, y, y + out.c);
              two_by<1, A>(rows[2], rows[2], pairs_end, c, stage, short_ok, y + 2 * out.c, spare);
            }
          }
          if (p + 3 == positions) break;
        }
      } else {
        for (index_t p = 0; p < positions; p += 2) {
          const bool two = p + 1 < positions;
          widened_row(c, p, copy, gathered, rows[0]);
          widened_row(c, two ? p + 1 : p, copy, gathered, rows[1]);
          std::int8_t* y0 = c.y + p * out.c;  // NHWC: position p's channels
          std::int8_t* y1 = two ? y0 + out.c : spare;
          for (index_t oc = first; oc < pairs_end; oc += 2) two_by<2, A>(rows[0], rows[1], oc, c, stage, short_ok, y0, y1);
          if constexpr (out.c % 2 != 0)
            if (pairs_end < end) two_by<1, A>(rows[0], rows[1], pairs_end, c, stage, short_ok, y0, y1);
        }
      }
    }
  }
#endif

  template <activation_params A>
  static void run_gemm(const int8_call& c, const output_stage& stage) {
#if CTNN_INT8_DSP
    if constexpr (gemm_dsp_stack <= int8_stack_bytes) {
      run_gemm_dsp<A>(c, stage);
    } else  // (else: the loops below are not compiled where they do not run, for the image's flash)
#endif
    {
      alignas(4) std::int8_t gathered[direct ? 1 : row];
      alignas(16) std::int32_t acc[out.c];
      const requantize_row<out.c> requantize(c.multipliers, stage);
      for (index_t p = 0; p < out.d * out.h * out.w; ++p) {
        const std::int8_t* values = row_of(c, p, gathered);
        std::int8_t* y = c.y + p * out.c;  // NHWC: position p's channels
        index_t first = 0;
        for (; first + 4 <= out.c; first += 4) block<4>(values, first, c, acc, stage, y);
        if constexpr (out.c % 4 != 0) block<out.c % 4>(values, first, c, acc, stage, y);
        if constexpr (CTNN_INT8_HELIUM) requantize(acc, y);
      }
    }
  }

  // Every tap t of output position (oz, oy, ox) in weight order: see(t, input pixel offset) where the
  // tap is inside the input, outside(t) where it is padding.
  template <class See, class Outside>
  static void each_tap(index_t oz, index_t oy, index_t ox, See&& see, Outside&& outside) {
    count_t t = 0;
    for (index_t kz = 0; kz < k.kernel[0]; ++kz)
      for (index_t ky = 0; ky < k.kernel[1]; ++ky)
        for (index_t kx = 0; kx < k.kernel[2]; ++kx, ++t) {
          const index_t iz = oz * k.stride[0] - k.pad_begin[0] + kz * k.dilation[0];
          const index_t iy = oy * k.stride[1] - k.pad_begin[1] + ky * k.dilation[1];
          const index_t ix = ox * k.stride[2] - k.pad_begin[2] + kx * k.dilation[2];
          if (iz >= 0 && iz < in.d && iy >= 0 && iy < in.h && ix >= 0 && ix < in.w) {
            see(t, offset<layout::nhwc>(in, 0, iz, iy, ix));
          } else {
            outside(t);
          }
        }
  }

#if CTNN_INT8_DSP
  // Cortex-M4/M7: four channels of a position in registers over every tap, SXTB16 then SMLABB / SMLATT on
  // the weights widened to int16 once per call ([tap][channel], in SXTB16's order for each four channels).
  // Every tap reads a row: the input's, or outside it a row of zero points, so that the zero point is
  // folded into the kernel biases (b - z sum w) and no tap is skipped. A window inside the input reads its
  // taps at constant offsets from its first pixel; one at the border, through a row pointer per tap.
  static constexpr bool depthwise_dsp =  // (LDRD steps at most 1020 bytes to the next tap's weights)
      in.c % 4 == 0 && 2 * in.c <= 1020 && 2 * taps * count_t{in.c} + in.c + 4 * taps <= int8_stack_bytes;
  template <activation_params A, class TapRow>
  static void depthwise_position_dsp(TapRow&& tap_row, const std::uint32_t* widened, const std::int32_t* kernel_biases,
                                     const fixed_multiplier* multipliers, output_stage stage, bool short_ok, std::int8_t* y) {
    for (index_t ch = 0; ch < in.c; ch += 4) {
      std::int32_t a[4] = {kernel_biases[ch], kernel_biases[ch + 1], kernel_biases[ch + 2], kernel_biases[ch + 3]};
      const std::uint32_t* w = widened + ch / 2;
#pragma GCC unroll 32
      for (int t = 0; t < static_cast<int>(taps); ++t) detail::mac_four_channels<2 * in.c>(tap_row(t) + ch, w, a);
      for (int j = 0; j < 4; ++j) y[ch + j] = requantize_either<A>(short_ok, a[j], multipliers[ch + j], stage);
    }
  }
  template <activation_params A>
  static void run_depthwise_dsp(const int8_call& c, const output_stage& stage) {
    const bool short_ok = requantizes_short(c.multipliers, c.kernel_biases, in.c, taps);
    alignas(4) std::int8_t zero_row[in.c];
    for (index_t ch = 0; ch < in.c; ++ch) zero_row[ch] = static_cast<std::int8_t>(c.in.zero_point);
    std::uint32_t widened[taps * in.c / 2];
    for (count_t t = 0; t < taps; ++t)
      for (index_t ch = 0; ch < in.c; ch += 4)
        for (int j = 0; j < 2; ++j) {
          const auto weight = [&](index_t channel) { return static_cast<std::uint16_t>(std::int16_t{c.weights[channel * taps + t]}); };
          widened[(t * in.c + ch) / 2 + j] = weight(ch + j) | static_cast<std::uint32_t>(weight(ch + j + 2)) << 16;
        }
    for (index_t oz = 0; oz < out.d; ++oz)
      for (index_t oy = 0; oy < out.h; ++oy)
        for (index_t ox = 0; ox < out.w; ++ox) {
          std::int8_t* y = c.y + offset<layout::nhwc>(out, 0, oz, oy, ox);
          if (const window at = window_at(oz, oy, ox); at.inside) {
            const std::int8_t* first = c.x + at.first_pixel;
            depthwise_position_dsp<A>([&](int t) { return first + tap_offsets[t]; }, widened, c.kernel_biases,
                                      c.multipliers, stage, short_ok, y);
          } else {
            const std::int8_t* tap_rows[taps];
            each_tap(oz, oy, ox, [&](count_t t, count_t at) { tap_rows[t] = c.x + at; },
                     [&](count_t t) { tap_rows[t] = zero_row; });
            depthwise_position_dsp<A>([&](int t) { return tap_rows[t]; }, widened, c.kernel_biases, c.multipliers, stage,
                                      short_ok, y);
          }
        }
  }

  // A 2-D (or 1-D) depthwise layer, one channel at a time: its plane copied with the padding (zero points)
  // into int16 on the stack, so that two adjacent taps along W are one word (an unaligned LDR) and one
  // SMLAD against the channel's two weights packed once. A window three taps wide at stride 1 or 2 (3 x 3:
  // DS-CNN's, MobileNet's) takes detail::depthwise_three_wide_row, two outputs a row at a time with the
  // weights in registers; others a loop of the same steps. Then a row's accumulators are requantized with
  // the channel's constants in registers (requantize_short_run).
  static constexpr index_t plane_pitch = padded.w + 1;  // a spare column: the last tap's word reads one past it
  static constexpr bool three_wide = k.kernel[2] == 3 && k.dilation[2] == 1 && k.kernel[1] <= 3 &&
                                     (k.stride[2] == 1 || k.stride[2] == 2) &&
                                     2 * k.stride[2] * (out.w - 1) + 4 * k.stride[2] + 2 +
                                             2 * (k.kernel[1] - 1) * k.dilation[1] * plane_pitch <= 4095;
  static constexpr bool planar_dsp = in.d == 1 && out.d == 1 && k.kernel[0] == 1 && k.pad_begin[0] == 0 &&
                                     2 * count_t{padded.h} * plane_pitch + 4 * count_t{out.w} + 4 * taps <= int8_stack_bytes;
  // A 3 x 3 window at stride 1 along H, dilation 1 (DS-CNN's, MobileNet's stride-1 ones): the whole channel
  // in one asm statement, two rows by two columns at a time (detail::depthwise_three_by_three_plane), its
  // accumulators on the stack, then requantized in one run.
  static constexpr bool three_by_three = three_wide && k.kernel[1] == 3 && k.stride[1] == 1 && k.dilation[1] == 1 &&
                                         3 * 2 * plane_pitch + 2 * k.stride[2] * (out.w - 1) + 4 * k.stride[2] + 2 <= 4095 &&
                                         4 * out.w <= 1020 && out.h / 2 <= 255 &&
                                         2 * count_t{padded.h} * plane_pitch + 4 * count_t{out.h} * out.w + 4 * taps <= int8_stack_bytes;
  // (N outputs of a channel, in.c apart.)
  template <bool Low, bool High, bool LowAtZero, count_t N = out.w>
  static void requantize_outputs(const std::int32_t* acc, bool short_ok, short_requantizer r, fixed_multiplier m,
                                 const output_stage& stage, std::int8_t* y) {
    if (short_ok) return requantize_short_run<Low, High, LowAtZero, in.c>(acc, N, r, stage, y);
    for (count_t j = 0; j < N; ++j) y[j * in.c] = requantize_long(acc[j], m, stage.zero_point, stage.low, stage.high);
  }
  template <activation_params A>
  static void run_depthwise_planar(const int8_call& c, const output_stage& stage) {
    constexpr index_t kh = k.kernel[1], kw = k.kernel[2], sy = k.stride[1], sx = k.stride[2], dy = k.dilation[1],
                      dx = k.dilation[2];
    constexpr bool pairs = dx == 1;                       // adjacent taps along W: one word, one SMLAD
    constexpr index_t words = pairs ? (kw + 1) / 2 : kw;  // weight words per row of taps
    constexpr index_t top = k.pad_begin[1], left = k.pad_begin[2];
    constexpr index_t rows_in = in.h < padded.h - top ? in.h : padded.h - top,
                      columns_in = in.w < padded.w - left ? in.w : padded.w - left;
    const bool short_ok = requantizes_short(c.multipliers, c.kernel_biases, in.c, taps);
    // ReLU's lower bound at a zero point of -128 is int8's own: then no bound is compared (ReLU6's upper one aside).
    const bool low_binds = clamps_low<A> && stage.low > -128;
    alignas(4) std::int16_t plane[count_t{padded.h} * plane_pitch];
    for (auto& v : plane) v = static_cast<std::int16_t>(c.in.zero_point);
    alignas(4) std::int32_t acc[three_by_three ? out.h * out.w : out.w];
    for (index_t ch = 0; ch < in.c; ++ch) {
      for (index_t iy = 0; iy < rows_in; ++iy) {
        const std::int8_t* from = c.x + iy * in.w * in.c + ch;
        std::int16_t* to = plane + (iy + top) * plane_pitch + left;
        for (index_t ix = 0; ix < columns_in; ++ix) to[ix] = from[ix * in.c];
      }
      detail::three_wide_row args{};  // (its taps: the layout of w below for a three-wide window)
      std::uint32_t* w = args.taps;
      std::uint32_t others[three_wide ? 1 : kh * words];  // taps (kx, kx + 1) as [low, high], an odd last one alone
      if constexpr (!three_wide) w = others;
      for (index_t ky = 0; ky < kh; ++ky)
        for (index_t i = 0; i < words; ++i) {
          const std::int8_t* tap = c.weights + (count_t{ch} * kh + ky) * kw + (pairs ? 2 * i : i);
          const bool second = pairs && 2 * i + 1 < kw;
          w[ky * words + i] = static_cast<std::uint16_t>(std::int16_t{tap[0]}) |
                              (second ? static_cast<std::uint32_t>(static_cast<std::uint16_t>(std::int16_t{tap[1]})) << 16 : 0u);
        }
      const fixed_multiplier m = c.multipliers[ch];
      const short_requantizer r = short_requantizer_for<clamps_at_zero_point<A>>(m, stage);
      const short_requantizer r_free = short_requantizer_for<false>(m, stage);
      std::int8_t* y = c.y + ch;
      if constexpr (three_by_three) {
        args.acc = acc;
        args.at = plane;
        args.bias = c.kernel_biases[ch];
        detail::depthwise_three_by_three_plane<sx, 2 * plane_pitch, out.h, out.w>(args);
        if (low_binds) {
          requantize_outputs<clamps_low<A>, clamps_high<A>, clamps_at_zero_point<A>, out.h * out.w>(acc, short_ok, r, m, stage, y);
        } else {
          requantize_outputs<false, clamps_high<A>, false, out.h * out.w>(acc, short_ok, r_free, m, stage, y);
        }
      } else {
        for (index_t oy = 0; oy < out.h; ++oy, y += out.w * in.c) {
          const std::int16_t* row = plane + oy * sy * plane_pitch;
          if constexpr (three_wide) {
            args.acc = acc;
            args.at = row;
            args.bias = c.kernel_biases[ch];
            detail::depthwise_three_wide_row<kh, sx, 2 * dy * plane_pitch, out.w>(args);
          } else {
            for (index_t ox = 0; ox < out.w; ++ox) {
              std::int32_t a = c.kernel_biases[ch];
              for (index_t ky = 0; ky < kh; ++ky) {
                const std::int16_t* at = row + ky * dy * plane_pitch + ox * sx;
                const std::uint32_t* wk = w + ky * words;
                if constexpr (pairs) {
                  for (index_t i = 0; i < kw / 2; ++i) a = detail::dual_mac(detail::load_pair(at + 2 * i), wk[i], a);
                  if constexpr (kw % 2 != 0) a = detail::mac_bottoms(wk[kw / 2], detail::load_pair(at + kw - 1), a);
                } else {
                  for (index_t i = 0; i < kw; ++i) a = detail::mac_bottoms(wk[i], detail::load_pair(at + i * dx), a);
                }
              }
              acc[ox] = a;
            }
          }
          if (low_binds) {
            requantize_outputs<clamps_low<A>, clamps_high<A>, clamps_at_zero_point<A>>(acc, short_ok, r, m, stage, y);
          } else {
            requantize_outputs<false, clamps_high<A>, false>(acc, short_ok, r_free, m, stage, y);
          }
        }
      }
    }
  }
#endif

  template <activation_params A>
  static void run_depthwise(const int8_call& call, const output_stage& output) {
    const int8_call c = call;  // (copies: as run_gemm_dsp's)
    const output_stage stage = output;
#if CTNN_INT8_DSP
    if constexpr (planar_dsp) {
      run_depthwise_planar<A>(c, stage);
    } else if constexpr (depthwise_dsp) {
      run_depthwise_dsp<A>(c, stage);
    } else  // (as run_gemm's)
#endif
    {
      std::int8_t transposed[taps * in.c];  // [tap][channel]
      for (index_t ch = 0; ch < in.c; ++ch)
        for (count_t t = 0; t < taps; ++t) transposed[t * in.c + ch] = c.weights[ch * taps + t];
      alignas(16) std::int32_t acc[in.c];
      const requantize_row<in.c> requantize(c.multipliers, stage);
      for (index_t oz = 0; oz < out.d; ++oz)
        for (index_t oy = 0; oy < out.h; ++oy)
          for (index_t ox = 0; ox < out.w; ++ox) {
  #if CTNN_INT8_HELIUM
            if constexpr (in.c % 4 == 0) {  // four channels in a register over every tap, then requantized
              count_t offsets[taps], rows[taps];
              int valid = 0;
              each_tap(oz, oy, ox, [&](count_t t, count_t at) {
                offsets[valid] = at;
                rows[valid++] = t * in.c;
              }, [](count_t) {});
              typedef int int32_lanes __attribute__((vector_size(16)));
              const int32_lanes zeros = {c.in.zero_point, c.in.zero_point, c.in.zero_point, c.in.zero_point};
              std::int8_t* y = c.y + offset<layout::nhwc>(out, 0, oz, oy, ox);
              const auto lanes = [](const std::int8_t* p) { return __builtin_mve_vldrbq_sv4si(const_cast<signed char*>(p)); };
              index_t ch = 0;
              for (; ch + 8 <= in.c; ch += 8) {  // eight channels: the tap's two addresses serve two vectors
                int32_lanes a, b;
                std::memcpy(&a, c.biases + ch, sizeof a);
                std::memcpy(&b, c.biases + ch + 4, sizeof b);
                for (int i = 0; i < valid; ++i) {
                  const std::int8_t* xp = c.x + offsets[i] + ch;
                  const std::int8_t* wp = transposed + rows[i] + ch;
                  a += (lanes(xp) - zeros) * lanes(wp);
                  b += (lanes(xp + 4) - zeros) * lanes(wp + 4);
                }
                requantize.lanes_to(a, ch / 4, y + ch);
                requantize.lanes_to(b, ch / 4 + 1, y + ch + 4);
              }
              for (; ch < in.c; ch += 4) {
                int32_lanes a;
                std::memcpy(&a, c.biases + ch, sizeof a);
                for (int i = 0; i < valid; ++i) a += (lanes(c.x + offsets[i] + ch) - zeros) * lanes(transposed + rows[i] + ch);
                requantize.lanes_to(a, ch / 4, y + ch);
              }
              continue;
            }
  #endif
            for (index_t ch = 0; ch < in.c; ++ch) acc[ch] = c.biases[ch];
            each_tap(oz, oy, ox, [&](count_t t, count_t at) {
              multiply_accumulate_channels<in.c>(c.x + at, c.in.zero_point, transposed + t * in.c, acc);
            }, [](count_t) {});
            requantize(acc, c.y + offset<layout::nhwc>(out, 0, oz, oy, ox));
          }
    }
  }
};

// The x86 kernel that runs the int8 convolution P on In in layout L (the first that applies), void if none.
template <conv_params P, shape In, layout L>
struct x86_int8_conv_of {
#if CTNN_INT8_X86
  using fast = int8_nhwc_conv<P, In>;
  using winograd = x86_int8::winograd<fast>;
  using gemm = x86_int8::gemm<fast>;
  using depthwise = x86_int8::depthwise<fast>;
#if CTNN_INT8_AMX
  using matrix_product = std::conditional_t<x86_int8::amx<fast>::fits, x86_int8::amx<fast>, gemm>;
#else
  using matrix_product = gemm;
#endif
  using type = std::conditional_t<
      L == layout::nhwc && winograd::fits, winograd,
      std::conditional_t<L == layout::nhwc && fast::ungrouped && gemm::fits, matrix_product,
                         std::conditional_t<L == layout::nhwc && fast::one_channel_per_group && depthwise::fits, depthwise, void>>>;
#else
  using type = void;
#endif
};
template <conv_params P, shape In, layout L>
using x86_int8_conv = typename x86_int8_conv_of<P, In, L>::type;

// The int8 convolution P on In: the fast kernel where one applies, else the reference; the clamp A in stage.
template <conv_params P, shape In, layout L, activation_params A>
constexpr void conv_int8(const int8_call& c, const output_stage& stage) {
  using fast = int8_nhwc_conv<P, In>;
#if CTNN_INT8_X86
  using x86 = x86_int8_conv<P, In, L>;
  if constexpr (!std::is_void_v<x86>)
    if (!std::is_constant_evaluated() && x86_int8::runs_on<x86>(c)) return x86::run(c, stage);
#endif
  if constexpr (L == layout::nhwc && fast::gemm) {
    if (!std::is_constant_evaluated()) return fast::template run_gemm<A>(c, stage);
  } else if constexpr (L == layout::nhwc && fast::depthwise) {
    if (!std::is_constant_evaluated()) return fast::template run_depthwise<A>(c, stage);
  }
  conv_forward_int8<P, In, L>(c.x, c.in.zero_point, c.weights, c.biases, c.multipliers, stage, c.y);
}

// An int8 network's convolution, the clamp A fused.
template <class Node, layout L, activation_params A>
constexpr void run_int8(const conv_params&, const int8_call& c) {
  conv_int8<Node::type::params, Node::input_shape, L, A>(c, output_stage_for<A>(c.out));
}

// The block of its weights packed for its x86 kernel that prepare_into keeps (ctnn/kernels/run_int8.hpp):
// its size in bytes (0: the kernel reads the weights as they are), and how to fill it.
template <class Node, layout L>
constexpr count_t int8_prepared_bytes(const conv_params&) {
  using x86 = x86_int8_conv<Node::type::params, Node::input_shape, L>;
  if constexpr (std::is_void_v<x86>) {
    return 0;
  } else {
    return x86::prepared_bytes;
  }
}
template <class Node, layout L>
void prepare_int8(const conv_params&, const int8_call& c, std::byte* block) {
  using x86 = x86_int8_conv<Node::type::params, Node::input_shape, L>;
  if constexpr (!std::is_void_v<x86>) x86::pack(c, block);
}

CTNN_END_CONFIG
