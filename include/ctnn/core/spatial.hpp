// ctnn/core/spatial.hpp: per-spatial-dimension parameters (kernel, stride, padding, ...).
#pragma once

#include "ctnn/core/shape.hpp"

namespace ctnn {

// One value for every spatial dim (count 1, broadcast) or one per dim (count = the layer's rank).
// Kept as written until a layer of known rank reads it, so `stride<2>` works for 1d, 2d and 3d alike.
// Holds up to max_rank values so that a wrong count reaches the layer's check, which names the layer.
struct spatial_values {
  int count = 0;
  index_t v[max_rank] = {};

  constexpr index_t at(int dim) const { return count == 1 ? v[0] : v[dim]; }
  constexpr bool fits_rank(int rank) const { return count == 1 || count == rank; }
  friend constexpr bool operator==(const spatial_values&, const spatial_values&) = default;
};

template <index_t... V>
  requires(sizeof...(V) >= 1 && sizeof...(V) <= max_rank)
inline constexpr spatial_values spatial_v{sizeof...(V), {V...}};

// A per-dim integer array resolved for a layer of rank `rank`; dims beyond it are 0.
struct extents {
  index_t v[max_spatial_rank] = {};
  constexpr index_t operator[](int i) const { return v[i]; }
  constexpr index_t& operator[](int i) { return v[i]; }
  friend constexpr bool operator==(const extents&, const extents&) = default;
};

constexpr extents resolve(const spatial_values& s, int rank, index_t fallback = 0) {
  extents e;
  for (int i = 0; i < rank; ++i) e[i] = s.count == 0 ? fallback : s.at(i);
  return e;
}

constexpr extents filled(int rank, index_t value) {
  extents e;
  for (int i = 0; i < rank; ++i) e[i] = value;
  return e;
}

// Kernel written as `3` (every dim) or `ctnn::kernel<3, 5>` (per dim). The int form keeps the
// common case printing as `conv2d<64, 3>` in diagnostics.
template <index_t... V>
inline constexpr spatial_values kernel = spatial_v<V...>;

constexpr spatial_values as_spatial(index_t v) { return {1, {v}}; }
constexpr spatial_values as_spatial(const spatial_values& v) { return v; }

}  // namespace ctnn
