// ctnn/layers/batch_norm.hpp: batch normalization (inference: a per-channel scale and shift).
//
//   ctnn::batch_norm2d<>        channels from the input, which must be [C, H, W]
//   ctnn::batch_norm2d<64>      also checks that the input has 64 channels
//   ctnn::batch_norm1d<>        [C] or [C, L];  ctnn::batch_norm3d<> [C, D, H, W]
//
// Weight [C], bias [C], plus running mean and variance [C]. Shape rule: ctnn/shapes/batch_norm.hpp.
#pragma once

#include "ctnn/core/shape.hpp"

namespace ctnn {

struct batch_norm_params {
  int rank = 2;               // spatial rank; 1 also accepts a plain [C]
  index_t num_features = 0;   // declared channels, 0 when taken from the input
  friend constexpr bool operator==(const batch_norm_params&, const batch_norm_params&) = default;
};

template <int Rank, index_t NumFeatures>
struct batch_norm {
  static constexpr batch_norm_params params{Rank, NumFeatures};
  static constexpr const char* name = Rank == 1 ? "batch_norm1d" : Rank == 2 ? "batch_norm2d" : "batch_norm3d";
};
template <index_t C = 0> struct batch_norm1d : batch_norm<1, C> {};
template <index_t C = 0> struct batch_norm2d : batch_norm<2, C> {};
template <index_t C = 0> struct batch_norm3d : batch_norm<3, C> {};

}  // namespace ctnn
