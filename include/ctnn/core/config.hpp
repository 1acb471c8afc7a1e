// ctnn/core/config.hpp: the build configuration that changes layouts and code, and the namespace that
// carries it in every name.
//
// CTNN_VECTOR_BYTES and CTNN_VECTOR_REGISTERS size the fast kernels' register tiles and the padding of
// prepared weights; CTNN_FUSION_MAX_CHANNELS bounds the depthwise + pointwise fusion (and so the memory
// plan of prepared weights); CTNN_GNU_VECTORS chooses GNU vector types for the tiles. Each is chosen
// from the target's predefined macros unless given. Everything from the plan stage on lives in an inline
// namespace named by these values (ctnn::target_v64_r32_f256_g1_i4), so two translation units built with
// different flags use different names instead of violating the one-definition rule.
#pragma once

#ifndef CTNN_VECTOR_BYTES
#if defined(__AVX512F__)
#define CTNN_VECTOR_BYTES 64
#define CTNN_VECTOR_REGISTERS 32
#elif defined(__AVX2__) || defined(__AVX__)
#define CTNN_VECTOR_BYTES 32
#define CTNN_VECTOR_REGISTERS 16
#elif defined(__ARM_NEON) || defined(__ARM_FEATURE_MVE) || defined(__SSE2__)
#define CTNN_VECTOR_BYTES 16
#if defined(__ARM_FEATURE_MVE)
#define CTNN_VECTOR_REGISTERS 8
#elif defined(__aarch64__)
#define CTNN_VECTOR_REGISTERS 32
#else
#define CTNN_VECTOR_REGISTERS 16
#endif
#else
#define CTNN_VECTOR_BYTES 4
#define CTNN_VECTOR_REGISTERS 16
#endif
#endif
#ifndef CTNN_VECTOR_REGISTERS
#define CTNN_VECTOR_REGISTERS 16
#endif

// On Helium the fused depthwise + pointwise kernel costs more than its two kernels apart (GCC 12, DS-CNN's
// 64-channel blocks on the Cortex-M55: 0.71M instructions fused, 0.55M apart), so it is off there.
#ifndef CTNN_FUSION_MAX_CHANNELS
#if defined(__ARM_FEATURE_MVE)
#define CTNN_FUSION_MAX_CHANNELS 0
#else
#define CTNN_FUSION_MAX_CHANNELS 256
#endif
#endif

// GNU vectors for the register tiles (0: plain loops, left to the compiler's vectorizer). On Helium too:
// with the FMA by intrinsic and the tile loops unrolled by pragma (kernels/target.hpp, conv.hpp), GCC 12's
// code for them needs 0.4-0.6x the instructions of its own vectorization of the plain loops (LeNet,
// DS-CNN's layers on the Cortex-M55: embedded/layer_probe.cpp).
#ifndef CTNN_GNU_VECTORS
#define CTNN_GNU_VECTORS 1
#endif

// The largest activation arena a network may ask for, in bytes: a static arena past it is a ctnn error
// rather than a link failure or a silently huge .bss. 1 GiB unless given.
#ifndef CTNN_MAX_ARENA_BYTES
#define CTNN_MAX_ARENA_BYTES 1073741824
#endif

// The scratch, in elements, up to which training runs a convolution as matrix products over its receptive
// fields (ctnn/shapes/conv.hpp; 2.6x fewer instructions per fine-tuning step on the Cortex-M4 for the
// digits CNN, at 11 KiB more of training arena); 0 trains every convolution as loops, with none. Like
// CTNN_MAX_ARENA_BYTES it is not part of the namespace's name: give every translation unit the same.
#ifndef CTNN_CONV_MATRIX_MAX_SCRATCH
#define CTNN_CONV_MATRIX_MAX_SCRATCH (1 << 20)
#endif

// The x86 int8 dot product the int8 kernels use (ctnn/kernels/int8_x86.hpp): 4 for VPDPBUSD (AVX-512 VNNI,
// AVX-VNNI), 2 for VPMADDWD (AVX2, AVX-512BW), 0 for none (the portable loops). Not settable: it follows
// the compiler's target flags, and it is part of the namespace's name as the vector width is.
#if (defined(__x86_64__) || defined(__i386__)) && defined(__AVX2__)
#if (defined(__AVX512VNNI__) && defined(__AVX512VL__)) || defined(__AVXVNNI__)
#define CTNN_INT8_DOT 4
#else
#define CTNN_INT8_DOT 2
#endif
#else
#define CTNN_INT8_DOT 0
#endif

// AMX's tiles for the int8 matrix product (ctnn/kernels/int8_amx.hpp): 1 where the compiler targets
// AMX-INT8 beside AVX-512 VNNI at 512 bits, on Linux (which lends a process the tiles on request), else 0.
// Part of the namespace's name too ("_tiles"): the prepared blocks of its layers differ.
#if CTNN_INT8_DOT == 4 && CTNN_VECTOR_BYTES == 64 && defined(__AVX512BW__) && defined(__AVX512VL__) && \
    defined(__AMX_TILE__) && defined(__AMX_INT8__) && defined(__linux__)
#define CTNN_INT8_TILES 1
#define CTNN_CONFIG_NAME_IMPL(v, r, f, g, i) target_v##v##_r##r##_f##f##_g##g##_i##i##_tiles
#else
#define CTNN_INT8_TILES 0
#define CTNN_CONFIG_NAME_IMPL(v, r, f, g, i) target_v##v##_r##r##_f##f##_g##g##_i##i
#endif
#define CTNN_CONFIG_NAME_EXPAND(v, r, f, g, i) CTNN_CONFIG_NAME_IMPL(v, r, f, g, i)
#define CTNN_CONFIG_NAMESPACE \
  CTNN_CONFIG_NAME_EXPAND(CTNN_VECTOR_BYTES, CTNN_VECTOR_REGISTERS, CTNN_FUSION_MAX_CHANNELS, CTNN_GNU_VECTORS, CTNN_INT8_DOT)

// Opens and closes ctnn's configuration namespace.
#define CTNN_BEGIN_CONFIG namespace ctnn { inline namespace CTNN_CONFIG_NAMESPACE {
#define CTNN_END_CONFIG } }
