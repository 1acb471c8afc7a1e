// ctnn/shapes/pool.hpp: shape rules and checks of pooling layers.
//
// PyTorch MaxPool/AvgPool: o = floor((i + pb + pe - K + (ceil ? s-1 : 0)) / s) + 1, minus one when
// ceil_mode starts the last window past the input and the left padding; padding <= k/2; o >= 1.
// Adaptive pooling keeps [C] and sets the spatial extents; global pooling sets them all to 1.
#pragma once

#include "ctnn/layers/pool.hpp"
#include "ctnn/shapes/graph.hpp"
#include "ctnn/shapes/window.hpp"

namespace ctnn {

constexpr window_spec window_of(const max_pool_params& p) {
  return {.rank = p.rank, .kernel = p.kernel, .stride = p.stride, .dilation = p.dilation, .padding = p.padding,
          .ceil_mode = p.ceil_mode, .pool = true};
}
constexpr window_spec window_of(const avg_pool_params& p) {
  return {.rank = p.rank, .kernel = p.kernel, .stride = p.stride, .dilation = {}, .padding = p.padding,
          .ceil_mode = p.ceil_mode, .pool = true};
}

constexpr layer_shapes pool_shapes(const window_spec& spec, const shape& in) {
  const window_result r = resolve_window(spec, in);
  if (r.error) return fail(r.error);
  layer_shapes out;
  out.out = window_output(r.w, in.channels());
  return out;
}

constexpr layer_shapes infer(const max_pool_params& p, const shape& in) { return pool_shapes(window_of(p), in); }
constexpr layer_shapes infer(const avg_pool_params& p, const shape& in) {
  const layer_shapes r = pool_shapes(window_of(p), in);
  // PyTorch 1.13's AvgPool3d also requires every input extent to hold an undilated kernel, whatever
  // the padding or ceil_mode (1d and 2d do not); copied so that a network ctnn accepts runs in PyTorch.
  if (r.ok() && p.rank == 3)
    for (int i = 0; i < 3; ++i)
      if (in.spatial(i) < p.kernel.at(i))
        return fail(error_code::avg_pool3d_input_smaller_than_kernel, in.spatial(i), p.kernel.at(i), 0, i);
  return r;
}

// Window j of an adaptive pool along a dim of extent i with o outputs: [begin, end).
constexpr index_t adaptive_begin(index_t j, index_t i, index_t o) { return static_cast<index_t>(count_t{j} * i / o); }
constexpr index_t adaptive_end(index_t j, index_t i, index_t o) {
  return static_cast<index_t>(ceil_div(count_t{j + 1} * i, o));
}

constexpr layer_shapes infer(const adaptive_pool_params& p, const shape& in) {
  if (layer_error e = check_input_rank(in, p.rank)) return fail(e);
  if (layer_error e = check_option_rank(p.output_size, p.rank, param::output_size)) return fail(e);
  const extents o = resolve(p.output_size, p.rank);
  if (layer_error e = check_positive(o, p.rank, param::output_size)) return fail(e);
  layer_shapes r;
  r.out = shape{in.channels()};
  for (int i = 0; i < p.rank; ++i) r.out.push_back(o[i]);
  return r;
}

constexpr layer_shapes infer(const global_pool_params&, const shape& in) {
  if (in.rank < 2) return fail(error_code::input_rank, 2, in.rank);
  layer_shapes r;
  r.out = shape{in.channels()};
  for (int i = 1; i < in.rank; ++i) r.out.push_back(1);
  return r;
}


constexpr receptive_field grow_field(const max_pool_params& p, const shape& in, const layer_shapes&,
                                     const receptive_field& f) {
  return grow_window(f, resolve_window(window_of(p), in).w);
}
constexpr receptive_field grow_field(const avg_pool_params& p, const shape& in, const layer_shapes&,
                                     const receptive_field& f) {
  return grow_window(f, resolve_window(window_of(p), in).w);
}
// The widest of the windows [floor(j n / o), ceil((j + 1) n / o)); the jump becomes n / o.
constexpr receptive_field grow_field(const adaptive_pool_params& p, const shape& in, const layer_shapes& r,
                                     const receptive_field& f) {
  extents taps, num, den;
  for (int i = 0; i < p.rank; ++i) {
    const index_t n = in.spatial(i), o = r.out.spatial(i);
    for (index_t j = 0; j < o; ++j)
      if (adaptive_end(j, n, o) - adaptive_begin(j, n, o) > taps[i]) taps[i] = adaptive_end(j, n, o) - adaptive_begin(j, n, o);
    num[i] = n;
    den[i] = o;
  }
  return grow(f, taps, num, den);
}
constexpr receptive_field grow_field(const global_pool_params&, const shape&, const layer_shapes&,
                                     const receptive_field& f) {
  return whole(f);
}

constexpr arithmetic arithmetic_of(const max_pool_params& p, const shape& in) {
  arithmetic a = window_arithmetic(resolve_window(window_of(p), in).w, in, "max pooling");
  a.ceil_mode = p.ceil_mode;
  return a;
}
constexpr arithmetic arithmetic_of(const avg_pool_params& p, const shape& in) {
  arithmetic a = window_arithmetic(resolve_window(window_of(p), in).w, in, "average pooling");
  a.ceil_mode = p.ceil_mode;
  return a;
}

// Max unpooling: the pooling then Inner, which must keep the pooled shape; the output is the block's input's.
template <class Pooled, class Input, class Pool>
constexpr layer_shapes infer(const max_unpool_params<Pooled, Input, Pool>&, const shape& in) {
  if constexpr (!std::is_same_v<std::remove_cvref_t<decltype(Pool::params)>, max_pool_params>) {
    return fail(error_code::unpool_needs_max_pool);
  } else {
    const layer_shapes inner = chain_result<Pooled>(in);
    if (inner.error) return fail(at_step(inner.error, 0));
    const shape pooled = layer_rule<Pool>(in).out;
    if (inner.out != pooled) {
      layer_error e = make_error(error_code::unpool_shapes);
      e.lhs = pooled;
      e.rhs = inner.out;
      return fail(e);
    }
    layer_shapes r = inner;
    r.out = in;
    return r;
  }
}

// Max pooling's gradient goes to each window's argmax, found again in the input; an average's spreads
// evenly and reads nothing.
constexpr backward_reads backward_reads_of(const avg_pool_params&) { return reads_nothing; }
constexpr backward_reads backward_reads_of(const adaptive_pool_params& p) {
  return p.kind == pool_kind::max ? backward_reads{} : reads_nothing;
}
constexpr backward_reads backward_reads_of(const global_pool_params& p) {
  return p.kind == pool_kind::max ? backward_reads{} : reads_nothing;
}

}  // namespace ctnn
