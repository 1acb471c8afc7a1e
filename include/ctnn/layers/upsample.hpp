// ctnn/layers/upsample.hpp: upsampling layers, as declared by the user.
//
//   ctnn::upsample_nearest2d<ctnn::scale_factor<2>>                [C, H, W] -> [C, 2H, 2W]
//   ctnn::upsample_bilinear2d<ctnn::output_size<64, 48>, ctnn::align_corners>
//   ctnn::upsample_nearest1d<ctnn::scale_ratio<3, 2>>              L -> floor(1.5 L)
//
// Exactly one of scale / scale_ratio and output_size. Shape rule and checks: ctnn/shapes/upsample.hpp.
#pragma once

#include "ctnn/layers/options.hpp"

namespace ctnn {

enum class upsample_mode : int { nearest, linear };  // linear: linear 1d, bilinear 2d, trilinear 3d

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
  static constexpr const char* name = Mode == upsample_mode::nearest ? "upsample_nearest" : "upsample_linear";
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
