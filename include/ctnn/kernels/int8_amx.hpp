// ctnn/kernels/int8_amx.hpp: the int8 convolution's matrix product on AMX tiles (Intel Xeon from Sapphire
// Rapids on), for ctnn/kernels/conv_int8.hpp.
//
// The same product as int8_x86.hpp's gemm, on its packed weights and its rows (x + 128, unsigned, the
// 128 sum w taken out of the accumulators' start): a TDPBUSD multiplies a tile of up to 16 positions by
// 64 bytes of their rows (A) with 16 steps of 16 channels' weights (B, gemm's [step][channel][4] packing
// read at the block's row stride) into 16 x 16 int32 sums (C), 16,384 products where a VPDPBUSD does
// 64. The rows are read where they lie: in a padded copy of the input (gemm's) for windows whose rows
// (kw C_in bytes) are whole chunks of 64, up to 16 consecutive outputs of an output row at the stride's
// distance; for a 1x1 window at unit strides (pointwise), in the input itself, signed (TDPBSSD: no copy,
// no conversion, the accumulators start at the bias); else gathered as gemm gathers them, each zero
// past K to whole chunks. The sums leave the
// tiles for gemm's requantizer, so the outputs are gemm's, bit for bit. Linux lends a process the
// tiles' state only on request (arch_prctl): where it refuses, gemm runs instead; a build without
// AMX (CTNN_INT8_TILES 0) has only gemm.
#pragma once

#include "ctnn/kernels/int8_x86.hpp"

#if CTNN_INT8_X86 && CTNN_INT8_TILES  // (ctnn/core/config.hpp)
#define CTNN_INT8_AMX 1
#include <sys/syscall.h>
#include <unistd.h>
#else
#define CTNN_INT8_AMX 0
#endif

#if CTNN_INT8_AMX
CTNN_BEGIN_CONFIG

namespace x86_int8 {

// Whether this process may use the tiles: asked of Linux once (ARCH_REQ_XCOMP_PERM for XTILEDATA).
inline bool amx_permitted() {
  static const bool permitted = syscall(SYS_arch_prctl, 0x1023, 18) == 0;
  return permitted;
}

// LDTILECFG's 64 bytes: palette 1, then each tile's bytes per row and rows.
struct alignas(64) tile_config {
  std::uint8_t palette = 1, start_row = 0;
  std::uint8_t reserved[14] = {};
  std::uint16_t bytes_per_row[16] = {};
  std::uint8_t rows[16] = {};
};

// The instructions, tile T an immediate. (Not GCC 12's intrinsics: its _tile_loadd tells the compiler of no
// memory read, and its _tile_loadconfig of 8 bytes, so stores to the rows or the configuration moved past
// them; every one here is a compiler barrier for memory.)
inline void load_config(const tile_config& config) { asm volatile("ldtilecfg %0" : : "m"(config) : "memory"); }
inline void release_tiles() { asm volatile("tilerelease" : : : "memory"); }
template <int T>
inline void tile_load(const void* base, long stride) {
  asm volatile("tileloadd (%0,%1,1), %%tmm%c2" : : "r"(base), "r"(stride), "i"(T) : "memory");
}
template <int T>
inline void tile_store(void* base, long stride) {
  asm volatile("tilestored %%tmm%c2, (%0,%1,1)" : : "r"(base), "r"(stride), "i"(T) : "memory");
}
// C += A B: unsigned bytes of A by signed bytes of B, four products summed into each int32.
template <int C, int A, int B>
inline void tile_dot() {
  asm volatile("tdpbusd %%tmm%c0, %%tmm%c1, %%tmm%c2" : : "i"(B), "i"(A), "i"(C));
}
// The same with signed bytes of A.
template <int C, int A, int B>
inline void tile_dot_signed() {
  asm volatile("tdpbssd %%tmm%c0, %%tmm%c1, %%tmm%c2" : : "i"(B), "i"(A), "i"(C));
}

template <class Conv>
struct amx {
  using base = gemm<Conv>;
  static constexpr index_t channels = base::channels;

  static constexpr dims4 out = Conv::out;
  static constexpr count_t positions = count_t{out.d} * out.h * out.w;
  // Pointwise at unit strides: a tile's rows are consecutive pixels of the input, read where they lie
  // (in whole chunks of C_in up to 64, or of 64).
  static constexpr bool in_place = base::consecutive_pixels && (Conv::in.c <= 64 ? Conv::in.c % depth == 0 : Conv::in.c % 64 == 0);
  static constexpr count_t chunk = in_place && Conv::in.c < 64 ? Conv::in.c : 64;  // bytes of a row per product
  // Rows read in the padded copy: windows of a 2-D map along one output row, whose rows are whole chunks,
  // on an output row long enough to fill most of a tile.
  static constexpr bool windowed = !base::pixel_rows && Conv::k.dilation[2] == 1 && base::window_row % chunk == 0 &&
                                   Conv::int_offsets && base::planar && Conv::padded.d == 1 && out.w >= 12 &&
                                   Conv::k.pad_begin[1] >= 0 && Conv::k.pad_begin[2] >= 0;
  // Else gathered, each row zero past K to whole chunks; the weights' last chunk then reads steps past
  // the block's (times those zeros), so the block has that many more bytes after it (zero).
  static constexpr count_t row_bytes = (base::padded_k + chunk - 1) / chunk * chunk;
  static constexpr count_t over_read =
      windowed || in_place ? 0 : (row_bytes - base::padded_k) / depth * base::tile_vectors * lanes * depth;
  // In place, the signed rows' accumulators start at the kernel's bias (gemm's start takes 128 sum w out).
  static constexpr count_t signed_start_at = base::prepared_bytes + over_read;
  static constexpr count_t prepared_bytes = signed_start_at + (in_place ? count_t{base::vectors} * lanes * sizeof(std::int32_t) : 0);
  static void pack(const int8_call& c, std::byte* block) {
    base::pack(c, block);
    for (count_t i = base::prepared_bytes; i < signed_start_at; ++i) block[i] = std::byte{0};
    if constexpr (in_place) {
      std::int32_t* start = reinterpret_cast<std::int32_t*>(block + signed_start_at);
      for (index_t oc = 0; oc < base::vectors * lanes; ++oc) start[oc] = oc < channels ? c.kernel_biases[oc] : 0;
    }
  }
  // A segment: a run of the rows' bytes whose tile rows lie at one stride: a window's row in the copy, or
  // the whole gathered row.
  static constexpr count_t segment = windowed ? base::window_row : in_place ? Conv::in.c : row_bytes;
  static constexpr count_t segments = windowed ? count_t{Conv::k.kernel[0]} * Conv::k.kernel[1] : 1;
  static constexpr count_t chunks = segment / chunk;
  // Positions per tile: along an output row (windowed) in equal tiles of at most 16; else 16.
  static constexpr index_t tiles_per_row = (out.w + 15) / 16;
  static constexpr int tile_rows = windowed ? static_cast<int>((out.w + tiles_per_row - 1) / tiles_per_row)
                                            : static_cast<int>(positions < 16 ? positions : 16);
  static constexpr count_t row_stride = windowed ? count_t{Conv::k.stride[2]} * Conv::in.c : in_place ? Conv::in.c : row_bytes;
  // A windowed layer's copy: whole where small, else in bands of output rows within band_bytes.
  static constexpr count_t band_bytes = 48 * 1024;
  static constexpr count_t padded_row = base::padded_row;
  static constexpr index_t band = [] {
    index_t b = 1;
    while (b < out.h && base::input_rows_for(b + 1) * padded_row <= band_bytes) ++b;
    return b;
  }();
  static constexpr count_t copy_elements = windowed ? base::input_rows_for(band) * padded_row : 1;
  static constexpr count_t row_elements = windowed || in_place ? 1 : 2 * tile_rows * row_bytes + base::row_slack;
  // As gemm's: the copy and the rows on the stack, the block too unless prepared (and gemm's, which runs
  // where Linux keeps the tiles).
  static constexpr count_t work_bytes = (copy_elements + row_elements) * sizeof(row_t);
  static constexpr bool fits = base::fits && work_bytes <= x86_int8_stack_bytes;
  static constexpr bool packs_on_stack = base::packs_on_stack && prepared_bytes + work_bytes <= x86_int8_stack_bytes;
  static constexpr count_t own_bytes = packs_on_stack ? prepared_bytes : 64;

  static void run(const int8_call& c, const output_stage& stage) {
    if (amx_permitted()) return run_on_tiles(c, stage);
    base::run(c, stage);
  }

  // (Apart, so that the other path's stack does not come on top of this one's.)
  [[gnu::noinline]] static void run_on_tiles(const int8_call& c, const output_stage& stage) {
    alignas(64) std::byte own[own_bytes];  // (left alone when prepared)
    alignas(64) row_t copy[copy_elements];
    alignas(64) row_t rows[row_elements];
    const std::byte* block = packed_block<amx>(c, own);
    const weight_t* packed = reinterpret_cast<const weight_t*>(block);
    const std::int32_t* start = reinterpret_cast<const std::int32_t*>(block + (in_place ? signed_start_at : base::start_at));
    requantizer rqs[base::vectors];
    for (index_t v = 0; v < base::vectors; ++v) {
      const index_t oc = v * lanes;
      rqs[v] = requantizer(c.multipliers + oc, channels - oc < lanes ? static_cast<int>(channels - oc) : lanes, stage);
    }
    configure();
    with_requantization(rqs, base::vectors, [&](auto mode) { run_tiles<decltype(mode)::value>(c, packed, start, rqs, copy, rows); });
    release_tiles();  // (else every context switch saves the tiles' 8 KiB)
  }

  // Tiles 0-3: sums (two tiles of positions by two vectors of channels); 4, 5: rows (a chunk of each
  // tile of positions); 6, 7: weights (chunk / 4 steps of each vector of channels).
  static void configure() {
    tile_config config;
    for (int t = 0; t < 6; ++t) {
      config.rows[t] = static_cast<std::uint8_t>(tile_rows);
      config.bytes_per_row[t] = t < 4 ? lanes * sizeof(std::int32_t) : chunk;
    }
    for (int t = 6; t < 8; ++t) {
      config.rows[t] = chunk / depth;
      config.bytes_per_row[t] = lanes * depth;
    }
    load_config(config);
  }

  // A tile of positions: its first position and its rows' first element (in the copy, or in `rows`).
  struct tile_at {
    count_t position;
    const row_t* rows;
  };

  template <int Mode>
  static void run_tiles(const int8_call& c, const weight_t* packed, const std::int32_t* start, const requantizer* rqs,
                        row_t* copy, row_t* rows) {
    const auto to_unsigned = [](std::int8_t v) { return to_row(v); };
    if constexpr (windowed) {
      for (index_t oy0 = 0; oy0 < out.h; oy0 += band) {
        const index_t band_rows = out.h - oy0 < band ? out.h - oy0 : band;
        Conv::copy_padded_rows(c, copy, count_t{oy0} * Conv::k.stride[1], base::input_rows_for(band_rows), to_unsigned);
        const index_t origin = Conv::padded_first(0, oy0, 0);
        // Pairs of tiles along the band's rows, the last of a row ending at the row's end.
        const count_t count = count_t{band_rows} * tiles_per_row;
        const auto at = [&](count_t t) {
          const index_t oy = oy0 + static_cast<index_t>(t / tiles_per_row);
          const index_t j = static_cast<index_t>(t % tiles_per_row);
          const index_t ox = j + 1 == tiles_per_row ? out.w - tile_rows : j * tile_rows;
          return tile_at{count_t{oy} * out.w + ox, copy + (Conv::padded_first(0, oy, ox) - origin)};
        };
        for (count_t t = 0; t < count; t += 2) {
          if (t + 1 < count) {
            pair<2, Mode>(c, at(t), at(t + 1), packed, start, rqs);
          } else {
            pair<1, Mode>(c, at(t), at(t), packed, start, rqs);
          }
        }
      }
    } else if constexpr (in_place) {
      constexpr count_t count = (positions + tile_rows - 1) / tile_rows;
      const auto at = [&](count_t t) {
        const count_t first = t + 1 == count ? positions - tile_rows : t * tile_rows;
        return tile_at{first, reinterpret_cast<const row_t*>(c.x + first * Conv::in.c)};
      };
      for (count_t t = 0; t < count; t += 2) {
        if (t + 1 < count) {
          pair<2, Mode>(c, at(t), at(t + 1), packed, start, rqs);
        } else {
          pair<1, Mode>(c, at(t), at(t), packed, start, rqs);
        }
      }
    } else {
      for (count_t s = Conv::row; s < row_bytes; ++s)
        for (int r = 0; r < 2 * tile_rows; ++r) rows[r * row_bytes + s] = row_t{0};
      constexpr count_t count = (positions + tile_rows - 1) / tile_rows;
      const auto first_of = [](count_t t) { return t + 1 == count ? positions - tile_rows : t * tile_rows; };
      for (count_t t = 0; t < count; t += 2) {
        const count_t a = first_of(t), b = t + 1 < count ? first_of(t + 1) : a;
        fill_rows(c, a, rows);
        if (t + 1 < count) {
          fill_rows(c, b, rows + tile_rows * row_bytes);
          pair<2, Mode>(c, {a, rows}, {b, rows + tile_rows * row_bytes}, packed, start, rqs);
        } else {
          pair<1, Mode>(c, {a, rows}, {a, rows}, packed, start, rqs);
        }
      }
    }
  }

  // The rows of positions [p, p + tile_rows), as gemm makes them, at row_bytes from each other. (What a
  // short run's conversion writes past K is zeroed again: the weights' steps past the block's are not.)
  static void fill_rows(const int8_call& c, count_t p, row_t* to) {
    if constexpr (base::consecutive_pixels && row_bytes == base::padded_k) {
      base::convert(c.x + p * Conv::in.c, to, count_t{tile_rows} * row_bytes, base::input_end(c));
    } else {
      constexpr count_t spilled = row_bytes - Conv::row < base::row_slack ? row_bytes - Conv::row : base::row_slack;
      for (int r = 0; r < tile_rows; ++r) {
        row_t* row = to + r * row_bytes;
        if constexpr (base::pixel_rows) {
          base::convert(Conv::row_of(c, static_cast<index_t>(p + r), nullptr), row, base::padded_k, base::input_end(c));
        } else {
          base::gather(c, p + static_cast<count_t>(r), row);
        }
        if constexpr (spilled > 0) std::memset(row + Conv::row, 0, spilled);
      }
    }
  }

  // A block of sums (two tiles of positions by 64 channels) out of the tiles. (Requantizing the block
  // before in slices between the next one's products, so that the vector instructions would run beside
  // the tiles, measured no faster: W3 98 against 93 us.)
  struct sums_block {
    alignas(64) std::int32_t values[2][16][4][lanes];  // [tile of positions][position][vector][lane]
    count_t positions[2];
    index_t first;  // channel
    int tiles, vectors;
  };

  // P (1 or 2) tiles of positions, every block of output channels by halves (the tiles hold two vectors
  // of channels for each tile of positions): accumulate, store the sums, requantize.
  template <int P, int Mode>
  static void pair(const int8_call& c, tile_at a, tile_at b, const weight_t* packed, const std::int32_t* start,
                   const requantizer* rqs) {
    sums_block sums;
    sums.positions[0] = a.position;
    sums.positions[1] = b.position;
    sums.tiles = P;
    const weight_t* w = packed;
    for (index_t first = 0; first < channels; first += base::tile_vectors * lanes) {
      const index_t width = (base::vectors - first / lanes < base::tile_vectors ? base::vectors - first / lanes : base::tile_vectors);
      const count_t stride = count_t{width} * lanes * depth;  // bytes of a step in this block
      for (index_t v = 0; v < width; v += 2) {
        const std::int32_t* starts = start + first + v * lanes;
        if (v + 1 < width) {
          accumulate<P, 2>(a.rows, b.rows, w + v * lanes * depth, stride, starts);
          store<P, 2>(sums, v);
        } else {
          accumulate<P, 1>(a.rows, b.rows, w + v * lanes * depth, stride, starts);
          store<P, 1>(sums, v);
        }
      }
      sums.first = first;
      sums.vectors = static_cast<int>(width);
      requantize<Mode>(c, sums, rqs);
      w += base::steps * stride;
    }
  }

  // Sums of P tiles of positions (rows at a, b) by V vectors of channels (weights at w, a step every
  // `stride` bytes) in tiles 0-3 (C[p * 2 + v]), from each channel's start (every row of a tile loaded
  // from the same 64 bytes).
  template <int P, int V>
  [[gnu::always_inline]] static void accumulate(const row_t* a, const row_t* b, const weight_t* w, count_t stride,
                                                const std::int32_t* starts) {
    constexpr std::array<count_t, segments> offsets = [] {
      std::array<count_t, segments> at{};
      if constexpr (windowed) {
        constexpr auto taps = Conv::tap_offsets_in(Conv::padded);
        for (count_t g = 0; g < segments; ++g) at[g] = static_cast<count_t>(taps[g * Conv::k.kernel[2]]);
      }
      return at;
    }();
    tile_load<0>(starts, 0);
    if constexpr (V == 2) tile_load<1>(starts + lanes, 0);
    if constexpr (P == 2) tile_load<2>(starts, 0);
    if constexpr (P == 2 && V == 2) tile_load<3>(starts + lanes, 0);
    const long a_stride = static_cast<long>(row_stride), w_stride = static_cast<long>(stride);
    for (count_t g = 0; g < segments; ++g) {
      const row_t* ag = a + offsets[g];
      const row_t* bg = b + offsets[g];
      const weight_t* wg = w + g * (segment / depth) * stride;
      for (count_t q = 0; q < chunks; ++q) {
        const weight_t* wq = wg + q * (chunk / depth) * stride;
        tile_load<4>(ag + q * chunk, a_stride);
        tile_load<6>(wq, w_stride);
        if constexpr (P == 2) tile_load<5>(bg + q * chunk, a_stride);
        if constexpr (V == 2) tile_load<7>(wq + lanes * depth, w_stride);
        dot<0, 4, 6>();
        if constexpr (V == 2) dot<1, 4, 7>();
        if constexpr (P == 2) dot<2, 5, 6>();
        if constexpr (P == 2 && V == 2) dot<3, 5, 7>();
      }
    }
  }

  template <int C, int A, int B>
  [[gnu::always_inline]] static void dot() {
    if constexpr (in_place) {
      tile_dot_signed<C, A, B>();
    } else {
      tile_dot<C, A, B>();
    }
  }

  // Tiles 0-3 into the block's vectors v and v + 1.
  template <int P, int V>
  [[gnu::always_inline]] static void store(sums_block& out, index_t v) {
    constexpr long stride = 4 * lanes * sizeof(std::int32_t);
    tile_store<0>(&out.values[0][0][v][0], stride);
    if constexpr (V == 2) tile_store<1>(&out.values[0][0][v + 1][0], stride);
    if constexpr (P == 2) tile_store<2>(&out.values[1][0][v][0], stride);
    if constexpr (P == 2 && V == 2) tile_store<3>(&out.values[1][0][v + 1][0], stride);
  }

  // A block's sums (every position of each tile of positions) requantized and stored.
  template <int Mode>
  static void requantize(const int8_call& c, const sums_block& in, const requantizer* rqs) {
    switch (in.vectors) {
      case 4: return requantize<4, Mode>(c, in, rqs);
      case 3: return requantize<3, Mode>(c, in, rqs);
      case 2: return requantize<2, Mode>(c, in, rqs);
      default: return requantize<1, Mode>(c, in, rqs);
    }
  }
  template <int V, int Mode>
  static void requantize(const int8_call& c, const sums_block& in, const requantizer* rqs) {
    const index_t first = in.first;
    const int last_n = channels - first - (V - 1) * lanes < lanes ? static_cast<int>(channels - first - (V - 1) * lanes) : lanes;
    const requantizer* rq = rqs + first / lanes;
    for (int p = 0; p < in.tiles; ++p)
      for (int r = 0; r < tile_rows; ++r) {
        std::int8_t* y = c.y + (in.positions[p] + static_cast<count_t>(r)) * channels + first;
        vec values[V];
        if constexpr (Mode != general_shifts && V == 4) {
          if (last_n == lanes) {  // (as bytes, four vectors at once)
#pragma GCC unroll 4
            for (int v = 0; v < V; ++v) values[v] = rq[v].template unclamped<Mode>(load(in.values[p][r][v]));
            store_four_clamped(values, y, rq[0]);
            continue;
          }
        }
#pragma GCC unroll 4
        for (int v = 0; v < V; ++v) values[v] = rq[v].template value<Mode>(load(in.values[p][r][v]));
        store_vectors(values, V, last_n, y);
      }
  }
};

}  // namespace x86_int8

CTNN_END_CONFIG
#endif
