// ctnn/layers/pad.hpp: padding and cropping layers, as declared by the user.
//
//   ctnn::zero_pad2d<ctnn::pad<1>>                             [C, H, W] -> [C, H+2, W+2]
//   ctnn::reflection_pad2d<ctnn::pad<2>>                       mirror, the edge not repeated
//   ctnn::replication_pad2d<ctnn::pad_begin<0, 1>, ctnn::pad_end<2, 3>>
//   ctnn::constant_pad1d<ctnn::pad<3>, ctnn::fill_value<-1, 2>> pads with -0.5
//   ctnn::crop2d<ctnn::crop_begin<1, 1>, ctnn::crop_end<0, 2>>
//
// Negative padding is rejected (PyTorch crops with it); crop2d says what it means.
// Shape rules and checks: ctnn/shapes/pad.hpp.
#pragma once

#include "ctnn/layers/options.hpp"

namespace ctnn {

enum class pad_mode : int { constant, reflect, replicate };

struct pad_params {
  int rank = 2;
  pad_mode mode = pad_mode::constant;
  padding_spec padding{};
  index_t fill_num = 0, fill_den = 1;
  friend constexpr bool operator==(const pad_params&, const pad_params&) = default;
};

struct crop_params {
  int rank = 2;
  spatial_values crop_begin{1, {0}}, crop_end{1, {0}};
  friend constexpr bool operator==(const crop_params&, const crop_params&) = default;
};

template <int Rank, pad_mode Mode, class... Options>
struct padding_layer : layer_options<pad_params, Options...> {
  static constexpr pad_params params = configure<pad_params, Options...>(pad_params{.rank = Rank, .mode = Mode});
  static constexpr const char* name =
      Mode == pad_mode::constant ? "constant_pad" : Mode == pad_mode::reflect ? "reflection_pad" : "replication_pad";
};

template <class... O> struct zero_pad1d : padding_layer<1, pad_mode::constant, O...> { static constexpr const char* name = "zero_pad1d"; };
template <class... O> struct zero_pad2d : padding_layer<2, pad_mode::constant, O...> { static constexpr const char* name = "zero_pad2d"; };
template <class... O> struct zero_pad3d : padding_layer<3, pad_mode::constant, O...> { static constexpr const char* name = "zero_pad3d"; };
template <class... O> struct constant_pad1d : padding_layer<1, pad_mode::constant, O...> { static constexpr const char* name = "constant_pad1d"; };
template <class... O> struct constant_pad2d : padding_layer<2, pad_mode::constant, O...> { static constexpr const char* name = "constant_pad2d"; };
template <class... O> struct constant_pad3d : padding_layer<3, pad_mode::constant, O...> { static constexpr const char* name = "constant_pad3d"; };
template <class... O> struct reflection_pad1d : padding_layer<1, pad_mode::reflect, O...> { static constexpr const char* name = "reflection_pad1d"; };
template <class... O> struct reflection_pad2d : padding_layer<2, pad_mode::reflect, O...> { static constexpr const char* name = "reflection_pad2d"; };
template <class... O> struct reflection_pad3d : padding_layer<3, pad_mode::reflect, O...> { static constexpr const char* name = "reflection_pad3d"; };
template <class... O> struct replication_pad1d : padding_layer<1, pad_mode::replicate, O...> { static constexpr const char* name = "replication_pad1d"; };
template <class... O> struct replication_pad2d : padding_layer<2, pad_mode::replicate, O...> { static constexpr const char* name = "replication_pad2d"; };
template <class... O> struct replication_pad3d : padding_layer<3, pad_mode::replicate, O...> { static constexpr const char* name = "replication_pad3d"; };

template <int Rank, class... Options>
struct crop_layer : layer_options<crop_params, Options...> {
  static constexpr crop_params params = configure<crop_params, Options...>(crop_params{.rank = Rank});
  static constexpr const char* name = "crop";
};
template <class... O> struct crop1d : crop_layer<1, O...> { static constexpr const char* name = "crop1d"; };
template <class... O> struct crop2d : crop_layer<2, O...> { static constexpr const char* name = "crop2d"; };
template <class... O> struct crop3d : crop_layer<3, O...> { static constexpr const char* name = "crop3d"; };

}  // namespace ctnn
