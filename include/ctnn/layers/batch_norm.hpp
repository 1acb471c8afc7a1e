// ctnn/layers/batch_norm.hpp: batch normalization (inference: a per-channel scale and shift).
//
//   ctnn::batch_norm2d<>                  channels from the input, which must be [C, H, W]
//   ctnn::batch_norm2d<64>                also checks that the input has 64 channels
//   ctnn::batch_norm2d<0, ctnn::eps_ratio<1, 1000>>  PyTorch's eps=1e-3 (GoogLeNet, Inception v3)
//   ctnn::batch_norm2d<0, ctnn::no_affine>      PyTorch's affine=False: no weight and bias
//   ctnn::batch_norm1d<>                  [C] or [C, L];  ctnn::batch_norm3d<> [C, D, H, W]
//
// Weight [C], bias [C] (unless no_affine), plus running mean and variance [C]. eps defaults to 1e-5, as
// PyTorch. Shape rule: ctnn/shapes/batch_norm.hpp.
#pragma once

#include "ctnn/layers/options.hpp"

namespace ctnn {

struct batch_norm_params {
  int rank = 2;               // spatial rank; 1 also accepts a plain [C]
  index_t num_features = 0;   // declared channels, 0 when taken from the input
  index_t eps_num = 1, eps_den = 100000;  // eps as a fraction: exact, and usable as a template argument
  bool affine = true;
  friend constexpr bool operator==(const batch_norm_params&, const batch_norm_params&) = default;

  constexpr double eps() const { return static_cast<double>(eps_num) / static_cast<double>(eps_den); }
};

template <int Rank, index_t NumFeatures, class... Options>
struct batch_norm : layer_options<batch_norm_params, Options...> {
  static constexpr batch_norm_params params =
      configure<batch_norm_params, Options...>(batch_norm_params{.rank = Rank, .num_features = NumFeatures});
  static constexpr const char* name = Rank == 1 ? "batch_norm1d" : Rank == 2 ? "batch_norm2d" : "batch_norm3d";
};
template <index_t C = 0, class... Options> struct batch_norm1d : batch_norm<1, C, Options...> {};
template <index_t C = 0, class... Options> struct batch_norm2d : batch_norm<2, C, Options...> {};
template <index_t C = 0, class... Options> struct batch_norm3d : batch_norm<3, C, Options...> {};

}  // namespace ctnn
