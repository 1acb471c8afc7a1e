// ctnn/kernels/tensor.hpp: where an element of an activation lives in memory.
//
// Kernels see every activation as C x D x H x W: a 1d layer has D = H = 1, a 2d layer D = 1, so one
// loop nest serves 1d, 2d and 3d. NCHW stores (c, z, y, x) row-major, NHWC stores (z, y, x, c).
#pragma once

#include <cstdint>
#include <limits>
#include <type_traits>

#include "ctnn/core/shape.hpp"
#include "ctnn/layers/graph.hpp"
#include "ctnn/shapes/window.hpp"

namespace ctnn {

// The type sums and products are accumulated in: the element type for floating point, int32 for int8.
template <class T>
struct accumulator {
  using type = T;
};
template <>
struct accumulator<std::int8_t> {
  using type = std::int32_t;
};
template <class T>
using accumulator_t = typename accumulator<T>::type;

// An average pool's value: the sum over the count. For an int8 tensor (whose output keeps its input's
// scale and zero point) the sum is of the differences from the zero point, and the mean is rounded half to
// even, as PyTorch's quantized average pooling (lrintf), then moved back by the zero point.
template <class T>
constexpr T mean_of(accumulator_t<T> sum, count_t count, accumulator_t<T> zero_point = {}) {
  using A = accumulator_t<T>;
  const A n = static_cast<A>(count);
  if constexpr (std::is_integral_v<T>) {
    A q = sum / n;
    const A twice_remainder = 2 * (sum - q * n);  // in (-2n, 2n), the sign of sum
    if (twice_remainder > n || (twice_remainder == n && q % 2 != 0)) ++q;
    if (twice_remainder < -n || (twice_remainder == -n && q % 2 != 0)) --q;
    const A v = q + zero_point;
    return static_cast<T>(v < std::numeric_limits<T>::lowest() ? std::numeric_limits<T>::lowest()
                                                               : (v > std::numeric_limits<T>::max() ? std::numeric_limits<T>::max() : v));
  } else {
    return static_cast<T>(sum / n);
  }
}
// An element of an average's sum: for an int8 tensor its difference from the zero point (padding counts 0).
template <class T>
constexpr accumulator_t<T> summand(T v, accumulator_t<T> zero_point) {
  if constexpr (std::is_integral_v<T>) {
    return static_cast<accumulator_t<T>>(v) - zero_point;
  } else {
    return v;
  }
}

// Where a running maximum starts: -infinity, or the lowest value of a type without one; and the minimum's.
template <class T>
constexpr T lowest_value() {
  if constexpr (std::numeric_limits<T>::has_infinity) {
    return -std::numeric_limits<T>::infinity();
  } else {
    return std::numeric_limits<T>::lowest();
  }
}
template <class T>
constexpr T highest_value() {
  if constexpr (std::numeric_limits<T>::has_infinity) {
    return std::numeric_limits<T>::infinity();
  } else {
    return std::numeric_limits<T>::max();
  }
}

struct dims4 {
  index_t c = 1, d = 1, h = 1, w = 1;
  constexpr count_t spatial_size() const { return count_t{d} * h * w; }
  constexpr count_t size() const { return spatial_size() * c; }
};

// {C}, {C, L}, {C, H, W}, {C, D, H, W} -> C x D x H x W with missing spatial dims 1.
constexpr dims4 dims_of(const shape& s) {
  dims4 t;
  if (s.rank >= 1) t.c = s[0];
  if (s.rank >= 2) t.w = s[s.rank - 1];
  if (s.rank >= 3) t.h = s[s.rank - 2];
  if (s.rank >= 4) t.d = s[s.rank - 3];
  return t;
}

// Calls f(c, z, y, x, at) for every element of t in layout L's memory order, `at` its offset: the
// per-channel loops (a gate, a scale, a slope per channel) read and write memory in sequence either way.
template <layout L, class F>
[[gnu::always_inline]] constexpr void for_each_element(const dims4& t, F&& f) {
  count_t at = 0;
  if constexpr (L == layout::nchw) {
    for (index_t c = 0; c < t.c; ++c)
      for (index_t z = 0; z < t.d; ++z)
        for (index_t y = 0; y < t.h; ++y)
          for (index_t x = 0; x < t.w; ++x) f(c, z, y, x, at++);
  } else {
    for (index_t z = 0; z < t.d; ++z)
      for (index_t y = 0; y < t.h; ++y)
        for (index_t x = 0; x < t.w; ++x)
          for (index_t c = 0; c < t.c; ++c) f(c, z, y, x, at++);
  }
}

template <layout L>
constexpr count_t offset(const dims4& t, index_t c, index_t z, index_t y, index_t x) {
  if constexpr (L == layout::nchw) {
    return ((count_t{c} * t.d + z) * t.h + y) * t.w + x;
  } else {
    return ((count_t{z} * t.h + y) * t.w + x) * t.c + c;
  }
}

// Offset of the element at PyTorch-order index `idx` (channel first) of a tensor of shape `s`.
template <layout L>
constexpr count_t offset_of(const shape& s, const index_t* idx) {
  count_t o = 0;
  if constexpr (L == layout::nchw) {
    for (int i = 0; i < s.rank; ++i) o = o * s[i] + idx[i];
  } else {
    for (int i = 1; i < s.rank; ++i) o = o * s[i] + idx[i];
    if (s.rank > 0) o = o * s[0] + idx[0];
  }
  return o;
}

// One sample from channel-first order (PyTorch's NCHW) into layout L (Into), or back: a transpose of
// [C][spatial] to [spatial][C] for NHWC, a copy for NCHW.
template <layout L, bool Into, class T>
constexpr void convert_channel_first(const shape& s, const T* from, T* to) {
  const count_t channels = s.rank > 0 ? s[0] : 1, spatial = s.size() / channels;
  for (count_t c = 0; c < channels; ++c)
    for (count_t p = 0; p < spatial; ++p) {
      const count_t first = c * spatial + p, in_layout = L == layout::nhwc ? p * channels + c : first;
      to[Into ? in_layout : first] = from[Into ? first : in_layout];
    }
}

// PyTorch-order index of the n-th element in PyTorch (row-major, channel-first) order.
constexpr void unravel(count_t n, const shape& s, index_t* idx) {
  for (int i = s.rank - 1; i >= 0; --i) {
    idx[i] = static_cast<index_t>(n % s[i]);
    n /= s[i];
  }
}

// A window extended to three spatial dims, the missing leading ones of extent 1.
struct window3 {
  index_t kernel[3] = {1, 1, 1}, stride[3] = {1, 1, 1}, dilation[3] = {1, 1, 1};
  index_t pad_begin[3] = {}, pad_end[3] = {};
};

constexpr window3 to3(const window& w) {
  window3 r;
  const int shift = 3 - w.rank;
  for (int i = 0; i < w.rank; ++i) {
    r.kernel[shift + i] = w.kernel[i];
    r.stride[shift + i] = w.stride[i];
    r.dilation[shift + i] = w.dilation[i];
    r.pad_begin[shift + i] = w.pad_begin[i];
    r.pad_end[shift + i] = w.pad_end[i];
  }
  return r;
}

// Calls tap(kz, ky, kx, iz, iy, ix) for every tap of output position (oz, oy, ox)'s window that falls
// inside the input (taps in the padding are skipped: zero for sums, -inf for max).
// The window and extents are template arguments, so that the tap loops have constant trip counts;
// always inlined, so that the tap is not a call per output position (clang would not inline it).
template <window3 k, dims4 in, class Tap>
[[gnu::always_inline]] constexpr void for_each_tap(index_t oz, index_t oy, index_t ox, Tap&& tap) {
  for (index_t kz = 0; kz < k.kernel[0]; ++kz) {
    const index_t iz = oz * k.stride[0] - k.pad_begin[0] + kz * k.dilation[0];
    if (iz < 0 || iz >= in.d) continue;
    for (index_t ky = 0; ky < k.kernel[1]; ++ky) {
      const index_t iy = oy * k.stride[1] - k.pad_begin[1] + ky * k.dilation[1];
      if (iy < 0 || iy >= in.h) continue;
      for (index_t kx = 0; kx < k.kernel[2]; ++kx) {
        const index_t ix = ox * k.stride[2] - k.pad_begin[2] + kx * k.dilation[2];
        if (ix < 0 || ix >= in.w) continue;
        tap(kz, ky, kx, iz, iy, ix);
      }
    }
  }
}

// One layer's backward pass (ctnn/kernels/train.hpp): it adds the loss's gradient with respect to its input
// into dx and to its weights into dw (their layout: the weights', PyTorch's order), from dy, its
// output's. What it may read is what its backward_reads_of says; dx and dw are null when not wanted (a
// frozen layer, the network's input), x when the plan did not keep it.
template <class T>
struct backward_call {
  const T* x = nullptr;   // its input
  const T* y = nullptr;   // its output
  const T* dy = nullptr;  // the gradient with respect to y
  T* dx = nullptr;
  const T* w = nullptr;   // its weights, PyTorch's order
  T* dw = nullptr;        // its weight's gradient, then those of its other tensors: null when not trained
  T* db = nullptr;        // its bias's: null without a trained bias (train_biases trains only these)
  T* scratch = nullptr;   // the plan's training scratch (training_scratch_of)
};

// A layer that normalizes over the batch, in training mode (ctnn::with_batch_statistics): every sample of
// the step at once. Sample b's input is at x + b x_stride; its output, output gradient and input gradient
// at y, dy, dx + b stride (each sample has its copy of the training arena).
template <class T>
struct batch_call {
  index_t samples = 1;
  const T* x = nullptr;
  count_t x_stride = 0;
  T* y = nullptr;
  const T* dy = nullptr;
  T* dx = nullptr;
  count_t stride = 0;
  T* w = nullptr;           // its tensors, PyTorch's order: the forward moves the running statistics
  T* dw = nullptr;          // as backward_call's
  T* db = nullptr;
  T* statistics = nullptr;  // batch_statistics_of elements, from the forward to the backward
  T momentum = T(0.1);
};

// The gradients of a layer whose tensors are its weight, then its bias (if it has one): null where not wanted.
template <class Node, class T>
constexpr T* weight_gradient_of(const backward_call<T>& c) {
  return c.dw;
}
template <class Node, class T>
constexpr T* bias_gradient_of(const backward_call<T>& c) {
  return c.db;
}

// A plain layer's bias: its weights in PyTorch's order are the weight tensor, then the bias if it has one.
template <class Node, class T>
constexpr const T* bias_after_weight(const T* w) {
  return Node::result.bias.rank > 0 ? w + Node::result.weight.size() : nullptr;
}

}  // namespace ctnn
