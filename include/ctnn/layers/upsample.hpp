// ctnn/layers/upsample.hpp: upsampling layers, as declared by the user.
//
//   ctnn::upsample_nearest2d<ctnn::scale_factor<2>>                [C, H, W] -> [C, 2H, 2W]
//   ctnn::upsample_bilinear2d<ctnn::output_size<64, 48>, ctnn::align_corners>
//   ctnn::upsample_nearest1d<ctnn::scale_ratio<3, 2>>              L -> floor(1.5 L)
//   ctnn::upsample_nearest_exact2d<ctnn::scale_factor<3, 2>, ctnn::scale_den<2, 1>>   scales 1.5 and 2
//   ctnn::upsample_bicubic2d<ctnn::output_size<32, 32>>            PyTorch's bicubic, A = -0.75
//
// Modes as PyTorch's interpolate: nearest (its legacy mode: floor(dst in / out)), nearest_exact
// ('nearest-exact': floor((dst + 0.5) in / out)), linear / bilinear / trilinear and bicubic (2d) with
// or without align_corners. Exactly one of a scale (scale_factor, with scale_den for per-dim
// denominators, or scale_ratio) and output_size. Shape rule and checks: ctnn/shapes/upsample.hpp.
#pragma once

#include "ctnn/layers/options.hpp"

namespace ctnn {

// linear: linear 1d, bilinear 2d, trilinear 3d; cubic: bicubic 2d
enum class upsample_mode : int { nearest, linear, nearest_exact, cubic };

struct upsample_params {
  int rank = 2;
  upsample_mode mode = upsample_mode::nearest;
  spatial_values scale_num{}, scale_den{};
  spatial_values output_size{};
  bool align_corners = false;
  friend constexpr bool operator==(const upsample_params&, const upsample_params&) = default;
};

template <int Rank, upsample_mode Mode, class... Options>
struct upsample : layer_options<upsample_params, Options...> {
  static constexpr upsample_params params =
      configure<upsample_params, Options...>(upsample_params{.rank = Rank, .mode = Mode});
  static constexpr const char* name = "upsample";
};

template <class... Options> struct upsample_nearest1d : upsample<1, upsample_mode::nearest, Options...> {
  static constexpr const char* name = "upsample_nearest1d";
};
template <class... Options> struct upsample_nearest2d : upsample<2, upsample_mode::nearest, Options...> {
  static constexpr const char* name = "upsample_nearest2d";
};
template <class... Options> struct upsample_nearest3d : upsample<3, upsample_mode::nearest, Options...> {
  static constexpr const char* name = "upsample_nearest3d";
};
template <class... Options> struct upsample_nearest_exact1d : upsample<1, upsample_mode::nearest_exact, Options...> {
  static constexpr const char* name = "upsample_nearest_exact1d";
};
template <class... Options> struct upsample_nearest_exact2d : upsample<2, upsample_mode::nearest_exact, Options...> {
  static constexpr const char* name = "upsample_nearest_exact2d";
};
template <class... Options> struct upsample_nearest_exact3d : upsample<3, upsample_mode::nearest_exact, Options...> {
  static constexpr const char* name = "upsample_nearest_exact3d";
};
template <class... Options> struct upsample_bicubic2d : upsample<2, upsample_mode::cubic, Options...> {
  static constexpr const char* name = "upsample_bicubic2d";
};
template <class... Options> struct upsample_linear1d : upsample<1, upsample_mode::linear, Options...> {
  static constexpr const char* name = "upsample_linear1d";
};
template <class... Options> struct upsample_bilinear2d : upsample<2, upsample_mode::linear, Options...> {
  static constexpr const char* name = "upsample_bilinear2d";
};
template <class... Options> struct upsample_trilinear3d : upsample<3, upsample_mode::linear, Options...> {
  static constexpr const char* name = "upsample_trilinear3d";
};

}  // namespace ctnn
