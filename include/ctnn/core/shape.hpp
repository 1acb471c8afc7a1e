// ctnn/core/shape.hpp: the shape of one tensor, as a value.
//
// A shape is a small structural value: it works as a constexpr variable, as a run-time value and as a
// template argument (`placed_layer<L, shape{6, 28, 28}>`). Activation shapes are per sample and
// channel-first, as PyTorch without the batch: {C}, {C, L}, {C, H, W}, {C, D, H, W}. Weight shapes follow
// PyTorch's order (OIHW). Memory layout (NCHW / NHWC) is a separate choice made by the network.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace ctnn {

// Extents and parameters are plain ints: a dimension never needs more, and `int` prints as `32` in
// diagnostics on every compiler (int32_t is `long` on arm-none-eabi).
using index_t = int;
// Element counts may exceed 2^31 (a batch of large feature maps); they use a 64-bit type.
using count_t = std::int64_t;

inline constexpr count_t max_extent = 2147483647;  // one dim must fit an index_t
inline constexpr int max_rank = 6;          // {O, I, D, H, W} weights of a 3d conv need 5; one spare.
inline constexpr int max_spatial_rank = 3;  // 1d, 2d and 3d layers.

struct shape {
  // Public members keep the type structural (usable as a template argument); unused dims stay 0.
  int rank = 0;
  index_t dims[max_rank] = {};
  // A shape past a layer that broke its rule: the compile error has already named that layer, so the
  // shape compares equal to any shape and the user's own static_asserts add no second, misleading error.
  bool unknown = false;

  constexpr shape() = default;
  template <class... D>
    requires(sizeof...(D) <= max_rank && (std::is_integral_v<D> && ...))
  constexpr explicit(false) shape(D... d) : rank(sizeof...(D)), dims{static_cast<index_t>(d)...} {}

  constexpr index_t operator[](int i) const { return dims[i]; }
  constexpr index_t& operator[](int i) { return dims[i]; }
  constexpr bool empty() const { return rank == 0; }

  // Number of elements; 1 for a rank-0 shape. Shape rules have checked that it fits a count_t.
  constexpr count_t size() const {
    count_t n = 1;
    for (int i = 0; i < rank; ++i) n *= dims[i];
    return n;
  }

  // Channel-first activations: dim 0 is the channel count, the rest is spatial.
  constexpr index_t channels() const { return dims[0]; }
  constexpr int spatial_rank() const { return rank - 1; }
  constexpr index_t spatial(int i) const { return dims[1 + i]; }
  constexpr index_t& spatial(int i) { return dims[1 + i]; }

  constexpr void push_back(index_t d) { dims[rank++] = d; }

  friend constexpr bool operator==(const shape& a, const shape& b) {
    if (a.unknown || b.unknown) return true;
    if (a.rank != b.rank) return false;
    for (int i = 0; i < a.rank; ++i)
      if (a.dims[i] != b.dims[i]) return false;
    return true;
  }
};

constexpr shape unknown_shape() {
  shape s;
  s.unknown = true;
  return s;
}

// The same dims with the channel moved last: {C, H, W} -> {H, W, C}, the NHWC order of one sample.
constexpr shape channels_last(const shape& s) {
  shape r;
  for (int i = 1; i < s.rank; ++i) r.push_back(s.dims[i]);
  if (s.rank > 0) r.push_back(s.dims[0]);
  return r;
}

// PyTorch weight order -> TensorFlow order: kernel dims first, then dims 1 and 0 swapped.
// Conv [O, I/g, k...] -> HWIO [k..., I/g, O]; transposed conv [I, O/g, k...] -> [k..., O/g, I];
// linear [out, in] -> [in, out]. A depthwise conv stays in the grouped order [k..., 1, C m], not
// TensorFlow DepthwiseConv2D's [k..., C, m].
constexpr shape hwio(const shape& w) {
  if (w.rank < 2) return w;
  shape r;
  for (int i = 2; i < w.rank; ++i) r.push_back(w[i]);
  r.push_back(w[1]);
  r.push_back(w[0]);
  return r;
}

// Prepends a batch extent: {C, H, W} -> {N, C, H, W}.
constexpr shape with_batch(index_t n, const shape& s) {
  shape r{n};
  for (int i = 0; i < s.rank; ++i) r.push_back(s.dims[i]);
  return r;
}

// Text of a shape, "[6, 28, 28]", in a fixed buffer: no heap, usable at compile time and on a
// microcontroller. max_rank 11-digit numbers fit.
// A dim counted from the front, or from the back when negative (PyTorch's dim=-1), as 0 .. rank - 1;
// -1 when out of range.
constexpr int normalize_dim(int dim, int rank) {
  const int d = dim < 0 ? dim + rank : dim;
  return d >= 0 && d < rank ? d : -1;
}

struct shape_text {
  char text[max_rank * 13 + 3] = {};
  constexpr const char* c_str() const { return text; }
};

constexpr shape_text to_text(const shape& s) {
  shape_text out;
  int n = 0;
  out.text[n++] = '[';
  for (int i = 0; i < s.rank; ++i) {
    if (i > 0) {
      out.text[n++] = ',';
      out.text[n++] = ' ';
    }
    long long v = s.dims[i];
    if (v < 0) {
      out.text[n++] = '-';
      v = -v;
    }
    char digits[20];
    int m = 0;
    do {
      digits[m++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v > 0);
    while (m > 0) out.text[n++] = digits[--m];
  }
  out.text[n++] = ']';
  return out;
}

}  // namespace ctnn
