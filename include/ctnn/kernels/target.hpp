// ctnn/kernels/target.hpp: the register budget the fast kernels tile for.
//
// A fast kernel keeps a tile of R output pixels x V output channels in accumulators, with only the
// tile's inner loops fully unrolled (whole-layer unrolling costs 10-15 bytes of code per MAC and minutes
// of compile time). The tile must fit the vector registers: 32 zmm with AVX-512, 16 ymm with AVX2, 32
// NEON q registers, 8 Helium q registers, none on a scalar FPU. Override with CTNN_VECTOR_BYTES and
// CTNN_VECTOR_REGISTERS (ctnn/core/config.hpp).
#pragma once

#include <type_traits>

#include "ctnn/core/config.hpp"
#include "ctnn/core/shape.hpp"

// Helium's float FMA through GCC's builtin: GCC 12 never contracts a multiply and an add on MVE vectors
// (vmul + vadd, two instructions per FMA), and its arm_mve.h does not compile with the user's namespace
// kept free (__ARM_MVE_PRESERVE_USER_NAMESPACE).
#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 2) && defined(__GNUC__) && !defined(__clang__)
#define CTNN_MVE_FLOAT_FMA 1
#else
#define CTNN_MVE_FLOAT_FMA 0
#endif

CTNN_BEGIN_CONFIG

struct register_tile {
  index_t channels;  // output channels per tile: a multiple of the vector length, or all of them
  index_t pixels;    // output pixels per tile
};

// One of `count` parts of a kernel's work (threads inside one inference, ctnn/parallel.hpp): part i of
// [0, total) is [total * i / count, total * (i + 1) / count), so the parts are contiguous, in order, and
// cover it. A kernel that splits its work takes one; the others run whole in part 0.
struct work_part {
  int index = 0, count = 1;
  constexpr count_t begin(count_t total) const { return total * index / count; }
  constexpr count_t end(count_t total) const { return total * (index + 1) / count; }
};

// The most vectors of channels a register tile holds: with the weights' vectors and the broadcast
// input beside its accumulators, a few pixels must still fit.
constexpr index_t most_tile_vectors() {
  return CTNN_VECTOR_REGISTERS >= 32 ? 4 : CTNN_VECTOR_REGISTERS >= 16 ? 2 : 1;
}

// The tile for `out_channels` outputs of an element of `element_bytes`: as many vectors of channels as
// make sense, then as many pixels as leave a few registers for the weights and the broadcast input.
constexpr register_tile tile_for(index_t out_channels, index_t element_bytes) {
  const index_t lanes = CTNN_VECTOR_BYTES / element_bytes > 0 ? CTNN_VECTOR_BYTES / element_bytes : 1;
  const index_t registers = CTNN_VECTOR_REGISTERS;
  const index_t most_vectors = most_tile_vectors();
  if (out_channels < lanes) return {lanes, 12};  // one padded vector beats a partial one
  index_t vectors = 0;
  for (index_t v = most_vectors; v >= 1 && vectors == 0; v /= 2)  // a tile that divides the channels
    if (v * lanes <= out_channels && out_channels % (v * lanes) == 0) vectors = v;
  for (index_t v = most_vectors; v >= 1 && vectors == 0; v /= 2)  // else the widest that fits (padded)
    if (v * lanes <= out_channels) vectors = v;
  index_t pixels = (registers - vectors - 2) / vectors;
  if (pixels > 12) pixels = 12;
  if (pixels < 1) pixels = 1;
  return {vectors * lanes, pixels};
}

// The tile for a row of `width` output pixels, for the kernels whose tile is a plain R x V block of
// accumulators (convolution, transposed convolution, pointwise): among the channel tiles that divide
// the padded channels (so the packing above still fits), the one that computes the fewest wasted
// pixels, a row being split into equal tiles of up to 14 pixels. Rows of 56 pixels take 4 tiles of 14
// (x 2 vectors) rather than 10 of 6 (x 4 vectors), which compute 60. Ties go to the first in this
// order: the base tile's vectors and their halves (more channels per tile: fewer broadcasts per FMA),
// then other counts that divide the padded channels (48 channels as 3 vectors, 24 padded to 32 as 2),
// then one vector, whose tile loads a broadcast per FMA and waits on the loads (AVX-512, one process:
// MobileNetV2's 144 -> 24 and 96 -> 24 pointwise layers at 56x56 1.2x faster as 2 vectors x 14 pixels,
// 24 -> 144 and a 3x3 stride-2 32 -> 48 layer 1.2x as 3 vectors x 9; AlexNet's 96 channels 2.5% slower
// as 3 vectors than as 2, so the halves come first).
constexpr register_tile tile_for_width(index_t out_channels, index_t element_bytes, index_t width) {
  const register_tile base = tile_for(out_channels, element_bytes);
  const index_t lanes = CTNN_VECTOR_BYTES / element_bytes > 0 ? CTNN_VECTOR_BYTES / element_bytes : 1;
  const index_t padded = (out_channels + base.channels - 1) / base.channels * base.channels;
  index_t order[8] = {};
  int candidates = 0;
  for (index_t v = base.channels / lanes; v >= 2; v /= 2) order[candidates++] = v;
  for (index_t v = most_tile_vectors(); v >= 2; --v) {
    bool listed = false;
    for (int i = 0; i < candidates; ++i) listed = listed || order[i] == v;
    if (!listed) order[candidates++] = v;
  }
  order[candidates++] = 1;
  register_tile best = base;
  count_t best_cost = -1;
  for (int i = 0; i < candidates; ++i) {
    const index_t vectors = order[i];
    if (padded % (vectors * lanes) != 0) continue;
    index_t most = (CTNN_VECTOR_REGISTERS - vectors - 2) / vectors;
    if (most > 14) most = 14;
    if (most < 1) most = 1;
    const index_t tiles = (width + most - 1) / most, pixels = (width + tiles - 1) / tiles;
    const count_t cost = count_t{tiles} * pixels * (padded / lanes);  // vector FMAs per tap and input channel
    if (best_cost < 0 || cost < best_cost) {
      best = {vectors * lanes, pixels};
      best_cost = cost;
    }
  }
  return best;
}

// The target's vector as a GNU vector type (g++ and clang): the fast kernels write their register tile
// with it, so that the tile is vectorized by construction rather than by each compiler's heuristics
// (g++-12 unrolls a short channel loop first and then emits shuffles without FMAs). Used outside
// constant evaluation only; `available` is false on targets without vectors.
template <class T>
struct simd {
  static constexpr index_t lanes = 1;
  static constexpr bool available = false;
};

template <class T, class Vector>
struct simd_of {
  using type = Vector;
  static constexpr index_t lanes = static_cast<index_t>(sizeof(Vector) / sizeof(T));
  static constexpr bool available = true;
  static type load(const T* p) {
    type v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
  }
  static void store(T* p, const type& v) { __builtin_memcpy(p, &v, sizeof v); }
  // x - (+0.0) is exactly x (even for -0.0), so compilers fold it to a plain broadcast; x + 0.0 is not,
  // and g++ keeps the addition.
  static type broadcast(T x) { return x - type{}; }
  // acc + a * b, fused where the compiler would not fuse it by itself.
  static type multiply_add(type acc, type a, type b) {
#if CTNN_MVE_FLOAT_FMA
    if constexpr (std::is_same_v<T, float> && sizeof(type) == 16) return __builtin_mve_vfmaq_fv4sf(acc, a, b);
#endif
    return acc + a * b;
  }
  // acc + a * broadcast(b): on Helium one vfma with b in a general register, no vector for the broadcast
  // (with 8 vector registers that one is what made GCC keep a 5-pixel tile's accumulators in memory).
  static type multiply_add_scalar(type acc, type a, T b) {
#if CTNN_MVE_FLOAT_FMA
    if constexpr (std::is_same_v<T, float> && sizeof(type) == 16) return __builtin_mve_vfmaq_n_fv4sf(acc, a, b);
#endif
    return acc + a * broadcast(b);
  }
};

// One element as a "vector" of one lane: the constant-evaluated twin of simd_of, so that a kernel can
// write its loop once for both.
template <class A>
struct scalar_lanes {
  using type = A;
  static constexpr index_t lanes = 1;
  template <class T>
  static constexpr A load(const T* p) {
    return static_cast<A>(*p);
  }
  template <class T>
  static constexpr void store(T* p, A v) {
    *p = static_cast<T>(v);
  }
  static constexpr A broadcast(A x) { return x; }
  static constexpr A multiply_add(A acc, A a, A b) { return acc + a * b; }
  static constexpr A multiply_add_scalar(A acc, A a, A b) { return acc + a * b; }
};

#if CTNN_VECTOR_BYTES >= 8 && CTNN_GNU_VECTORS
typedef float float_vector __attribute__((vector_size(CTNN_VECTOR_BYTES)));
template <>
struct simd<float> : simd_of<float, float_vector> {};
#endif
#if CTNN_VECTOR_BYTES >= 16 && CTNN_GNU_VECTORS
typedef double double_vector __attribute__((vector_size(CTNN_VECTOR_BYTES)));
template <>
struct simd<double> : simd_of<double, double_vector> {};
#endif

// Channels rounded up to whole tiles: packed weights and biases are padded with zeros to it.
constexpr index_t padded_channels(index_t out_channels, index_t element_bytes) {
  const index_t tile = tile_for(out_channels, element_bytes).channels;
  return (out_channels + tile - 1) / tile * tile;
}

// Prepared weights of a register-tiled kernel (convolution, transposed convolution, pointwise), inside
// one block of the prepared weights: [tap][C_in][C_out padded to whole tiles], then the bias, padded.
// The padding is zeros, so that a tile of output channels is one contiguous run of vectors.
template <class T, count_t Taps, index_t In, index_t Out>
struct packed_taps {
  static constexpr index_t padded = padded_channels(Out, sizeof(T));
  static constexpr index_t channels = Out, channel_stride = padded;
  static constexpr count_t weight_elements = Taps * In * padded;
  static constexpr count_t elements = weight_elements + padded;
  const T* weight;
  const T* bias;
  constexpr explicit packed_taps(const T* block) : weight(block), bias(block + weight_elements) {}
};

// The input of a depthwise convolution computed as its window reaches it (an inverted bottleneck's
// expansion: ctnn/plan/schedule.hpp's fuse_expansions): produce(row, to) writes input row `row` at `to`,
// and the kernel keeps the rows it reads in `ring` (ctnn/kernels/depthwise_pointwise.hpp).
template <class T, class Produce>
struct expansion_rows {
  Produce produce;
  T* ring;
};

// Prepared weights of a grouped convolution (groups > 1, not depthwise): each group's [tap][C_in/g]
// [C_out/g padded to whole tiles], group after group, then the groups' biases, each padded likewise.
template <class T, count_t Taps, index_t Groups, index_t InPerGroup, index_t OutPerGroup>
struct packed_grouped {
  static constexpr index_t padded = padded_channels(OutPerGroup, sizeof(T));
  static constexpr index_t channels = Groups * OutPerGroup, channel_stride = padded, group_channels = OutPerGroup;
  static constexpr count_t group_elements = Taps * InPerGroup * padded;
  static constexpr count_t weight_elements = Groups * group_elements;
  static constexpr count_t elements = weight_elements + count_t{Groups} * padded;
  const T* weight;
  const T* bias;
  constexpr explicit packed_grouped(const T* block) : weight(block), bias(block + weight_elements) {}
};

// Where a packed block keeps each output channel: weights at c, c + stride, ... below weight_elements,
// the bias at weight_elements + c; in groups of group_channels (0: one group), channel j of group g at
// g group_elements + j, + stride, ... for group_elements, its bias at weight_elements + g stride + j.
// What folding a batch norm into the block scales (kernels/prepared.hpp).
struct packed_channels {
  count_t weight_elements = 0;
  index_t stride = 0, channels = 0;
  index_t group_channels = 0;
  count_t group_elements = 0;
};
template <class Packed>
constexpr packed_channels packed_channels_in() {
  if constexpr (requires { Packed::group_channels; }) {
    return {Packed::weight_elements, Packed::channel_stride, Packed::channels, Packed::group_channels,
            Packed::group_elements};
  } else {
    return {Packed::weight_elements, Packed::channel_stride, Packed::channels};
  }
}

// Packs PyTorch's [C_out][C_in][taps] weights (Transposed: a transposed convolution's [C_in][C_out][taps])
// and the bias (if HasBias) into packed_taps' layout P, the padding zeroed. (A flag, not a null test:
// g++-12 cannot compare a pointer into a large constant array with null in a constant expression.)
template <class P, count_t Taps, index_t In, index_t Out, bool Transposed, bool HasBias, class T>
constexpr void pack_taps(const T* from, const T* bias, T* to) {
  for (count_t i = 0; i < P::elements; ++i) to[i] = T(0);
  for (index_t o = 0; o < Out; ++o)
    for (index_t i = 0; i < In; ++i)
      for (count_t t = 0; t < Taps; ++t)
        to[(t * In + i) * P::padded + o] = from[(Transposed ? count_t{i} * Out + o : count_t{o} * In + i) * Taps + t];
  if constexpr (HasBias)
    for (index_t o = 0; o < Out; ++o) to[P::weight_elements + o] = bias[o];
}

CTNN_END_CONFIG
