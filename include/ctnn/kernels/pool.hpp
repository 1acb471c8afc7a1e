// ctnn/kernels/pool.hpp: pooling kernels (declaration: ctnn/layers/pool.hpp, shape rules:
// ctnn/shapes/pool.hpp).
//
// Max pooling pads with -infinity (the lowest value for integer types) and propagates NaN; average
// pooling divides by the window clipped to the padded extent (count_include_pad) or by the real elements
// (exclude_pad), as PyTorch. TensorFlow's SAME average pooling divides by the real elements only, so
// tf_same (and tf_same_lower) padding implies exclude_pad.
#pragma once

#include "ctnn/kernels/int8_dot.hpp"
#include "ctnn/kernels/math.hpp"
#include "ctnn/kernels/quantize.hpp"
#include "ctnn/kernels/target.hpp"
#include "ctnn/kernels/tensor.hpp"
#include "ctnn/shapes/pool.hpp"

namespace ctnn {

template <max_pool_params P, shape In, layout L, class T>
constexpr void max_pool_forward(const T* x, T* y) {
  constexpr window w = resolve_window(window_of(P), In).w;
  constexpr dims4 in = dims_of(In), out = dims_of(window_output(w, In[0]));
  constexpr window3 k = to3(w);
  if constexpr (L == layout::nhwc) {  // channels innermost, contiguous: the loop over them vectorizes
    for (index_t oz = 0; oz < out.d; ++oz)
      for (index_t oy = 0; oy < out.h; ++oy)
        for (index_t ox = 0; ox < out.w; ++ox) {
          T* to = y + offset<L>(out, 0, oz, oy, ox);
          index_t first = 0;
          // Whole vectors of channels as GNU vectors, their NaNs in a select of their own: both compilers
          // vectorize that (g++ 12 left one select testing both scalar: 16 channels 6x slower than clang).
          // Not on 16-byte vectors: on the M55 the loop below counts fewer instructions (LeNet 437,720
          // against 455,700).
          using S = simd<T>;
          constexpr index_t vector_channels = S::available && S::lanes * sizeof(T) >= 32 ? out.c / S::lanes * S::lanes : 0;
          if constexpr (vector_channels > 0) {
            if (!std::is_constant_evaluated()) {
              for (; first < vector_channels; first += S::lanes) {
                typename S::type best = S::broadcast(lowest_value<T>()), nan = S::broadcast(T{});
                for_each_tap<k, in>(oz, oy, ox, [&](index_t, index_t, index_t, index_t iz, index_t iy, index_t ix) {
                  const typename S::type v = S::load(x + offset<L>(in, first, iz, iy, ix));
                  best = v > best ? v : best;
                  nan = v != v ? v : nan;
                });
                S::store(to + first, nan != nan ? nan : best);
              }
            }
          }
          // The rest (a layer with fewer channels than a vector: LeNet's 6) one by one. The select's form
          // per compiler: clang vectorizes the NaNs apart (3x faster on 6 channels), g++ is faster with one.
          T best[out.c];  // a local array, not the output: no aliasing with x to rule out on every tap
#if defined(__clang__)
          T nan[out.c];
          for (index_t c = first; c < out.c; ++c) nan[c] = T{};
#endif
          for (index_t c = first; c < out.c; ++c) best[c] = lowest_value<T>();
          for_each_tap<k, in>(oz, oy, ox, [&](index_t, index_t, index_t, index_t iz, index_t iy, index_t ix) {
            const T* v = x + offset<L>(in, 0, iz, iy, ix);
#if defined(__clang__)
            for (index_t c = first; c < out.c; ++c) best[c] = v[c] > best[c] ? v[c] : best[c];
            for (index_t c = first; c < out.c; ++c) nan[c] = math::isnan(v[c]) ? v[c] : nan[c];
#else
            for (index_t c = first; c < out.c; ++c) best[c] = v[c] > best[c] || math::isnan(v[c]) ? v[c] : best[c];
#endif
          });
#if defined(__clang__)
          for (index_t c = first; c < out.c; ++c) to[c] = math::isnan(nan[c]) ? nan[c] : best[c];
#else
          for (index_t c = first; c < out.c; ++c) to[c] = best[c];
#endif
        }
    return;
  }
  for (index_t c = 0; c < out.c; ++c)
    for (index_t oz = 0; oz < out.d; ++oz)
      for (index_t oy = 0; oy < out.h; ++oy)
        for (index_t ox = 0; ox < out.w; ++ox) {
          T best = lowest_value<T>();
          for_each_tap<k, in>(oz, oy, ox, [&](index_t, index_t, index_t, index_t iz, index_t iy, index_t ix) {
            const T v = x[offset<L>(in, c, iz, iy, ix)];
            if (v > best || math::isnan(v)) best = v;
          });
          y[offset<L>(out, c, oz, oy, ox)] = best;
        }
}

// An average pool's window at output position o: the real elements [lo, hi) per dim, and its divisor.
template <avg_pool_params P, shape In>
struct avg_pool_geometry {
  static constexpr window w = resolve_window(window_of(P), In).w;
  static constexpr dims4 in = dims_of(In), out = dims_of(window_output(w, In[0]));
  static constexpr window3 k = to3(w);
  static constexpr bool include_pad = P.count_include_pad && P.padding.mode != padding_mode::tf_same &&
                                      P.padding.mode != padding_mode::tf_same_lower;
  static constexpr count_t window_at(const index_t (&o)[3], index_t (&lo)[3], index_t (&hi)[3]) {
    constexpr index_t extent[3] = {in.d, in.h, in.w};
    count_t padded_count = 1, real_count = 1;
    for (int i = 0; i < 3; ++i) {
      const index_t start = o[i] * k.stride[i] - k.pad_begin[i];
      const index_t end = start + k.kernel[i] < extent[i] + k.pad_end[i] ? start + k.kernel[i] : extent[i] + k.pad_end[i];
      padded_count *= end - start;
      lo[i] = start > 0 ? start : 0;
      hi[i] = end < extent[i] ? end : extent[i];
      real_count *= hi[i] - lo[i];
    }
    return include_pad ? padded_count : real_count;
  }
};

template <avg_pool_params P, shape In, layout L, class T>
constexpr void avg_pool_forward(const T* x, T* y, accumulator_t<T> x_zero = {}) {
  using g = avg_pool_geometry<P, In>;
  constexpr dims4 in = g::in, out = g::out;
  // NHWC: every channel of a pixel at once (contiguous), in the same order of summation per channel.
  constexpr index_t channels_at_once = L == layout::nhwc ? out.c : 1;
  for (index_t c0 = 0; c0 < out.c; c0 += channels_at_once)
    for (index_t oz = 0; oz < out.d; ++oz)
      for (index_t oy = 0; oy < out.h; ++oy)
        for (index_t ox = 0; ox < out.w; ++ox) {
          index_t lo[3], hi[3];
          const count_t divisor = g::window_at({oz, oy, ox}, lo, hi);
          accumulator_t<T> sum[channels_at_once] = {};
          for (index_t iz = lo[0]; iz < hi[0]; ++iz)
            for (index_t iy = lo[1]; iy < hi[1]; ++iy)
              for (index_t ix = lo[2]; ix < hi[2]; ++ix)
                for (index_t c = 0; c < channels_at_once; ++c) sum[c] += summand(x[offset<L>(in, c0 + c, iz, iy, ix)], x_zero);
          for (index_t c = 0; c < channels_at_once; ++c) y[offset<L>(out, c0 + c, oz, oy, ox)] = mean_of<T>(sum[c], divisor, x_zero);
        }
}

// Adaptive pooling: window j along a dim covers [floor(j i / o), ceil((j + 1) i / o)).
// f(output offset, window elements, members) for every output, members(g) calling g(input offset) for
// each element of its window, in order.
template <shape In, shape Out, layout L, class F>
constexpr void each_adaptive_window(F&& f) {
  constexpr dims4 in = dims_of(In), out = dims_of(Out);
  for (index_t c = 0; c < out.c; ++c)
    for (index_t oz = 0; oz < out.d; ++oz)
      for (index_t oy = 0; oy < out.h; ++oy)
        for (index_t ox = 0; ox < out.w; ++ox) {
          const index_t z0 = adaptive_begin(oz, in.d, out.d), z1 = adaptive_end(oz, in.d, out.d);
          const index_t y0 = adaptive_begin(oy, in.h, out.h), y1 = adaptive_end(oy, in.h, out.h);
          const index_t x0 = adaptive_begin(ox, in.w, out.w), x1 = adaptive_end(ox, in.w, out.w);
          const auto members = [&](auto&& g) {
            for (index_t iz = z0; iz < z1; ++iz)
              for (index_t iy = y0; iy < y1; ++iy)
                for (index_t ix = x0; ix < x1; ++ix) g(offset<L>(in, c, iz, iy, ix));
          };
          f(offset<L>(out, c, oz, oy, ox), count_t{z1 - z0} * (y1 - y0) * (x1 - x0), members);
        }
}

template <adaptive_pool_params P, shape In, layout L, class T>
constexpr void adaptive_pool_forward(const T* x, T* y, accumulator_t<T> x_zero = {}) {
  each_adaptive_window<In, infer(P, In).out, L>([&](count_t o, count_t count, const auto& members) {
    accumulator_t<T> sum{};
    T best = lowest_value<T>();
    members([&](count_t at) {
      const T v = x[at];
      sum += summand(v, x_zero);
      if (v > best || math::isnan(v)) best = v;
    });
    y[o] = P.kind == pool_kind::max ? best : mean_of<T>(sum, count, x_zero);
  });
}

// Global pooling: adaptive pooling to one element per channel.
template <global_pool_params P, shape In, layout L, class T>
constexpr void global_pool_forward(const T* x, T* y, accumulator_t<T> x_zero = {}) {
  constexpr dims4 in = dims_of(In);
  constexpr count_t count = in.spatial_size();
  // NHWC: every channel of a pixel at once (contiguous), in the same order of summation per channel.
  constexpr index_t channels_at_once = L == layout::nhwc ? in.c : 1;
  for (index_t c0 = 0; c0 < in.c; c0 += channels_at_once) {
    accumulator_t<T> sum[channels_at_once] = {};
    T best[channels_at_once];
    for (index_t c = 0; c < channels_at_once; ++c) best[c] = lowest_value<T>();
    for (index_t iz = 0; iz < in.d; ++iz)
      for (index_t iy = 0; iy < in.h; ++iy)
        for (index_t ix = 0; ix < in.w; ++ix)
          for (index_t c = 0; c < channels_at_once; ++c) {
            const T v = x[offset<L>(in, c0 + c, iz, iy, ix)];
            if constexpr (P.kind == pool_kind::max) {
              best[c] = v > best[c] || math::isnan(v) ? v : best[c];
            } else {
              sum[c] += summand(v, x_zero);
            }
          }
    // The output [C, 1, ...] is C contiguous elements in both layouts.
    for (index_t c = 0; c < channels_at_once; ++c)
      y[c0 + c] = P.kind == pool_kind::max ? best[c] : mean_of<T>(sum[c], count, x_zero);
  }
}


template <class Node, layout L, class T>
constexpr void run_plain(const max_pool_params&, const T* x, const T*, T* y) {
  max_pool_forward<Node::type::params, Node::input_shape, L>(x, y);
}
template <class Node, layout L, class T>
constexpr void run_plain(const avg_pool_params&, const T* x, const T*, T* y) {
  avg_pool_forward<Node::type::params, Node::input_shape, L>(x, y);
}
// To one element per channel (squeeze-and-excitation's pool) it is global pooling, whose NHWC loop reads
// a pixel's channels together; the sums run in the same order.
template <class Node, layout L, class T>
constexpr void run_plain(const adaptive_pool_params&, const T* x, const T*, T* y, accumulator_t<T> x_zero = {}) {
  constexpr adaptive_pool_params p = Node::type::params;
  if constexpr (Node::output_shape.size() == Node::output_shape.channels()) {
    global_pool_forward<global_pool_params{p.kind}, Node::input_shape, L>(x, y, x_zero);
  } else {
    adaptive_pool_forward<p, Node::input_shape, L>(x, y, x_zero);
  }
}
template <class Node, layout L, class T>
constexpr void run_plain(const global_pool_params&, const T* x, const T*, T* y) {
  global_pool_forward<Node::type::params, Node::input_shape, L>(x, y);
}

// ---- backward passes --------------------------------------------------------------------------------
// Max pooling: each output's gradient to the element the forward chose (the first maximum in the
// window's order, as PyTorch's CPU kernel), found again in the input. A row of outputs is searched
// together, taps outer and outputs inner: independent chains of selects, not one long chain of
// data-dependent branches per window.
template <class Node, layout L, class T>
constexpr void run_backward(const max_pool_params&, const backward_call<T>& c) {
  constexpr shape In = Node::input_shape;
  constexpr window w = resolve_window(window_of(Node::type::params), In).w;
  constexpr dims4 in = dims_of(In), out = dims_of(window_output(w, In[0]));
  constexpr window3 k = to3(w);
  if (c.dx == nullptr) return;
  for (index_t ch = 0; ch < out.c; ++ch)
    for (index_t oz = 0; oz < out.d; ++oz)
      for (index_t oy = 0; oy < out.h; ++oy) {
        T best[out.w];
        count_t chosen[out.w], first[out.w];
        for (index_t ox = 0; ox < out.w; ++ox) {
          best[ox] = lowest_value<T>();
          chosen[ox] = first[ox] = -1;
        }
        for (index_t kz = 0; kz < k.kernel[0]; ++kz) {
          const index_t iz = oz * k.stride[0] - k.pad_begin[0] + kz * k.dilation[0];
          if (iz < 0 || iz >= in.d) continue;
          for (index_t ky = 0; ky < k.kernel[1]; ++ky) {
            const index_t iy = oy * k.stride[1] - k.pad_begin[1] + ky * k.dilation[1];
            if (iy < 0 || iy >= in.h) continue;
            for (index_t kx = 0; kx < k.kernel[2]; ++kx)
              for (index_t ox = 0; ox < out.w; ++ox) {
                const index_t ix = ox * k.stride[2] - k.pad_begin[2] + kx * k.dilation[2];
                if (ix < 0 || ix >= in.w) continue;
                const count_t at = offset<L>(in, ch, iz, iy, ix);
                const T v = c.x[at];
                const bool take = (v > best[ox]) | (v != v);  // not ||: g++ would branch on the data
                best[ox] = take ? v : best[ox];
                chosen[ox] = take ? at : chosen[ox];
                first[ox] = first[ox] < 0 ? at : first[ox];  // PyTorch's index when every value is -inf
              }
          }
        }
        for (index_t ox = 0; ox < out.w; ++ox) {
          const count_t at = chosen[ox] >= 0 ? chosen[ox] : first[ox];
          if (at >= 0) c.dx[at] += c.dy[offset<L>(out, ch, oz, oy, ox)];
        }
      }
}

// Average pooling: each output's gradient over its divisor to every real element of its window.
template <class Node, layout L, class T>
constexpr void run_backward(const avg_pool_params&, const backward_call<T>& c) {
  using g = avg_pool_geometry<Node::type::params, Node::input_shape>;
  constexpr dims4 in = g::in, out = g::out;
  if (c.dx == nullptr) return;
  for (index_t ch = 0; ch < out.c; ++ch)
    for (index_t oz = 0; oz < out.d; ++oz)
      for (index_t oy = 0; oy < out.h; ++oy)
        for (index_t ox = 0; ox < out.w; ++ox) {
          index_t lo[3], hi[3];
          const count_t divisor = g::window_at({oz, oy, ox}, lo, hi);
          const T share = c.dy[offset<L>(out, ch, oz, oy, ox)] / static_cast<T>(divisor);
          for (index_t iz = lo[0]; iz < hi[0]; ++iz)
            for (index_t iy = lo[1]; iy < hi[1]; ++iy)
              for (index_t ix = lo[2]; ix < hi[2]; ++ix) c.dx[offset<L>(in, ch, iz, iy, ix)] += share;
        }
}

// Adaptive and global pooling: an average's gradient spread over its window, a maximum's to its first
// maximum (PyTorch's index; the window's first element when all are -inf).
template <class Node, layout L, class T>
constexpr void adaptive_pool_backward(pool_kind kind, const backward_call<T>& c) {
  if (c.dx == nullptr) return;
  each_adaptive_window<Node::input_shape, Node::output_shape, L>([&](count_t o, count_t count, const auto& members) {
    const T g = c.dy[o];
    if (kind == pool_kind::average) {
      const T share = g / static_cast<T>(count);
      members([&](count_t at) { c.dx[at] += share; });
    } else {
      T best = lowest_value<T>();
      count_t chosen = -1;
      members([&](count_t at) {
        if (chosen < 0) chosen = at;
        if (c.x[at] > best || math::isnan(c.x[at])) {
          best = c.x[at];
          chosen = at;
        }
      });
      c.dx[chosen] += g;
    }
  });
}
template <class Node, layout L, class T>
constexpr void run_backward(const adaptive_pool_params& p, const backward_call<T>& c) {
  adaptive_pool_backward<Node, L>(p.kind, c);
}
template <class Node, layout L, class T>
constexpr void run_backward(const global_pool_params& p, const backward_call<T>& c) {
  adaptive_pool_backward<Node, L>(p.kind, c);
}

// In an int8 network pooling keeps its input's quantization (as PyTorch's quantized pooling): the loops
// above on the integers, an average over the differences from the zero point (mean_of).
template <class Node, layout L, activation_params A>
constexpr void run_int8(const max_pool_params& p, const int8_call& c) {
  run_plain<Node, L>(p, c.x, c.x, c.y);
}
template <class Node, layout L, activation_params A>
constexpr void run_int8(const avg_pool_params&, const int8_call& c) {
  avg_pool_forward<Node::type::params, Node::input_shape, L>(c.x, c.y, c.in.zero_point);
}
template <class Node, layout L, activation_params A>
constexpr void run_int8(const adaptive_pool_params& p, const int8_call& c) {
  run_plain<Node, L>(p, c.x, c.x, c.y, c.in.zero_point);
}
#if CTNN_INT8_DSP || CTNN_INT8_HELIUM
// Microcontrollers: an NHWC average over every pixel, Lanes channels at a time summed into 16-bit lanes
// (Cortex-M4/M7: SXTAB16 adding a word's channels 0 and 2, and 1 and 3, three instructions for four
// elements; M55: VLDRB.S16 widening eight channels and an add), moved to int32 every 255 pixels (255 x 128
// fits in 16 bits); the zero point taken out once (count x z) instead of from every element.
template <shape In>
void global_average_small_lanes(const std::int8_t* x, std::int8_t* y, std::int32_t zero) {
  constexpr dims4 in = dims_of(In);
  constexpr count_t pixels = in.spatial_size();
  constexpr index_t lanes = CTNN_INT8_HELIUM ? 8 : 4;
  for (index_t c = 0; c < in.c; c += lanes) {
    std::int32_t sum[lanes] = {};
    for (count_t first = 0; first < pixels; first += 255) {
      const count_t end = first + 255 < pixels ? first + 255 : pixels;
#if CTNN_INT8_HELIUM
      typedef short int16_lanes __attribute__((vector_size(16)));
      int16_lanes sums = {};
      for (count_t p = first; p < end; ++p) sums += __builtin_mve_vldrbq_sv8hi(const_cast<signed char*>(x + p * in.c + c));
      for (int j = 0; j < lanes; ++j) sum[j] += sums[j];
#else
      std::uint32_t even = 0, odd = 0;
#pragma GCC unroll 5
      for (count_t p = first; p < end; ++p) {
        const std::uint32_t v = detail::load_word(x + p * in.c + c);
        even = detail::add_even_bytes(even, v);
        odd = detail::add_odd_bytes(odd, v);
      }
      sum[0] += static_cast<std::int16_t>(even);
      sum[1] += static_cast<std::int16_t>(odd);
      sum[2] += static_cast<std::int16_t>(even >> 16);
      sum[3] += static_cast<std::int16_t>(odd >> 16);
#endif
    }
    for (index_t j = 0; j < lanes; ++j)
      y[c + j] = mean_of<std::int8_t>(sum[j] - static_cast<std::int32_t>(pixels) * zero, pixels, zero);
  }
}
#endif
template <class Node, layout L, activation_params A>
constexpr void run_int8(const global_pool_params& p, const int8_call& c) {
#if CTNN_INT8_DSP || CTNN_INT8_HELIUM
  constexpr dims4 in = dims_of(Node::input_shape);
  if constexpr (L == layout::nhwc && in.c % (CTNN_INT8_HELIUM ? 8 : 4) == 0 && in.spatial_size() < (count_t{1} << 23))
    if (!std::is_constant_evaluated() && p.kind == pool_kind::average)
      return global_average_small_lanes<Node::input_shape>(c.x, c.y, c.in.zero_point);
#endif
  (void)p;
  global_pool_forward<Node::type::params, Node::input_shape, L>(c.x, c.y, c.in.zero_point);
}

// Max unpooling: y = 0, then each window's value v[c, o] at the position of the window's maximum in x
// (its first, as PyTorch's index; NaN counts as the maximum), windows in order, a later one winning
// where windows overlap, as PyTorch writes them.
// f(window's offset in v, its maximum's offset in x) for every window, in order.
template <max_pool_params P, shape In, layout L, class T, class F>
constexpr void each_unpooled(const T* x, F&& f) {
  constexpr window w = resolve_window(window_of(P), In).w;
  constexpr dims4 in = dims_of(In), out = dims_of(window_output(w, In[0]));
  constexpr window3 k = to3(w);
  for (index_t c = 0; c < out.c; ++c)
    for (index_t oz = 0; oz < out.d; ++oz)
      for (index_t oy = 0; oy < out.h; ++oy)
        for (index_t ox = 0; ox < out.w; ++ox) {
          T best = lowest_value<T>();
          count_t at = offset<L>(in, c, 0, 0, 0);  // where a window of padding only would point
          bool found = false;
          for_each_tap<k, in>(oz, oy, ox, [&](index_t, index_t, index_t, index_t iz, index_t iy, index_t ix) {
            const count_t here = offset<L>(in, c, iz, iy, ix);
            if (!found || x[here] > best || math::isnan(x[here])) {
              best = x[here];
              at = here;
              found = true;
            }
          });
          f(offset<L>(out, c, oz, oy, ox), at);
        }
}
template <max_pool_params P, shape In, layout L, class T>
constexpr void max_unpool_forward(const T* v, const T* x, T* y) {
  for (count_t i = 0; i < In.size(); ++i) y[i] = T(0);
  each_unpooled<P, In, L>(x, [&](count_t window, count_t at) { y[at] = v[window]; });
}

template <class Node, layout L, class T, class Pooled, class Input, class Pool>
constexpr void merge_forward(const max_unpool_params<Pooled, Input, Pool>&, const T* pooled, const T* x, T* y) {
  max_unpool_forward<Pool::params, Node::input_shape, L>(pooled, x, y);
}
// Its backward gathers each window's gradient from where its value went (PyTorch's: whichever window won
// an overlap); the positions, taken from x, pass no gradient to it.
template <class Node, layout L, class T, class Pooled, class Input, class Pool>
constexpr void merge_backward(const max_unpool_params<Pooled, Input, Pool>&, const T* x, const T* dy, T* dpooled) {
  if (dpooled != nullptr)
    each_unpooled<Pool::params, Node::input_shape, L>(x, [&](count_t window, count_t at) { dpooled[window] += dy[at]; });
}

}  // namespace ctnn
