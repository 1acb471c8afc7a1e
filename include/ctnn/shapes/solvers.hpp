// ctnn/shapes/solvers.hpp: parameters solved from the convolution arithmetic.
//
// The forward rules answer "what shape comes out"; these answer "which parameters give this shape":
// the padding that keeps a size, the (k, s, p) families that scale by n, and the output padding a
// transposed convolution needs to undo a strided convolution. All constexpr, so they can feed a layer:
//   ctnn::conv_transpose2d<64, 3, ctnn::stride<2>, ctnn::pad<1>,
//                          ctnn::output_padding<ctnn::inverse_output_padding(57, 3, 2, 1)>>
#pragma once

#include "ctnn/shapes/window.hpp"

namespace ctnn {

struct kernel_stride_padding {
  index_t kernel = 0, stride = 0, padding = 0;
  friend constexpr bool operator==(const kernel_stride_padding&, const kernel_stride_padding&) = default;
};

// Padding on each side that keeps the size at stride 1, for an odd dilated kernel ("half" padding).
// For an even dilated kernel no symmetric padding exists: use same_padding (asymmetric) instead.
constexpr index_t half_padding(index_t k, index_t d = 1) { return (dilated_extent(k, d) - 1) / 2; }

// Total padding that makes a window layer produce `o` from `i`, split as TensorFlow splits it
// (the odd element after); {-1, -1} when no non-negative padding gives exactly `o`.
constexpr pad_pair padding_for_output(index_t i, index_t o, index_t k, index_t s, index_t d = 1) {
  // o = floor((i + total - K) / s) + 1 holds for total in [(o-1)s + K - i, (o-1)s + K - i + s - 1];
  // the smallest non-negative one is used.
  const count_t lowest = (count_t{o} - 1) * s + dilated_extent(k, d) - i;
  const count_t total = lowest < 0 ? 0 : lowest;
  if (total > lowest + s - 1) return {-1, -1};
  return {static_cast<index_t>(total / 2), static_cast<index_t>(total - total / 2)};
}

// The transposed convolution that multiplies a size by n exactly: stride n, kernel n + 2p, padding p
// (o = (i-1)n - 2p + n + 2p = n i). p = 0 gives k = n (k2 s2 p0), p = 1 gives k4 s2 p1 for n = 2.
constexpr kernel_stride_padding upsampling_by(index_t n, index_t p = 0) { return {n + 2 * p, n, p}; }

// The convolution that divides a size by n exactly when n divides it: stride n, kernel n + 2p, padding p.
constexpr kernel_stride_padding downsampling_by(index_t n, index_t p = 0) { return {n + 2 * p, n, p}; }

// A strided convolution maps s consecutive input sizes to one output size; the transposed convolution
// with the same (k, s, p, d) recovers the input size i only with output padding a = (i + 2p - K) mod s
// (Dumoulin & Visin, relationship 14).
constexpr index_t inverse_output_padding(index_t i, index_t k, index_t s, index_t p = 0, index_t d = 1) {
  const count_t r = (count_t{i} + 2 * p - dilated_extent(k, d)) % s;
  return static_cast<index_t>(r);
}

}  // namespace ctnn
