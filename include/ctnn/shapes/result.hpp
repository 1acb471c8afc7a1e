// ctnn/shapes/result.hpp: what a shape rule returns for one layer.
#pragma once

#include "ctnn/core/error.hpp"
#include "ctnn/core/shape.hpp"

namespace ctnn {

struct layer_shapes {
  shape out;          // activation shape after the layer, per sample
  shape weight;       // PyTorch order (OIHW; transposed conv IOHW); rank 0 when the layer has none
  shape bias;         // rank 0 when the layer has none
  layer_error error;  // first broken rule; out, weight and bias are meaningless when set

  constexpr bool ok() const { return !error; }
};

constexpr layer_shapes fail(layer_error e) {
  layer_shapes r;
  r.error = e;
  return r;
}

constexpr layer_shapes fail(error_code code, count_t a = 0, count_t b = 0, count_t c = 0, int dim = -1,
                            param what = param::none) {
  return fail(make_error(code, a, b, c, dim, what));
}

// Shape-preserving layers (activations, dropout, batch norm without parameters...).
constexpr layer_shapes same_shape(const shape& in) {
  layer_shapes r;
  r.out = in;
  return r;
}

// The input must be channel-first with `spatial_rank` spatial dims.
constexpr layer_error check_input_rank(const shape& in, int spatial_rank) {
  if (in.rank != spatial_rank + 1) return make_error(error_code::input_rank, spatial_rank + 1, in.rank);
  return {};
}

}  // namespace ctnn
