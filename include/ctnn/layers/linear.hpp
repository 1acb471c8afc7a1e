// ctnn/layers/linear.hpp: fully connected layers, as declared by the user.
//
//   ctnn::linear<120>                              on [400] -> [120], weight [120, 400], bias [120]
//   ctnn::linear<10, ctnn::in_features<84>, ctnn::no_bias>
//
// Like PyTorch's Linear it maps the last dim and keeps the others. Shape rule: ctnn/shapes/linear.hpp.
#pragma once

#include "ctnn/layers/options.hpp"

namespace ctnn {

struct linear_params {
  index_t out_features = 0;
  index_t in_features = -1;  // declared, -1 when taken from the input
  bool bias = true;
  friend constexpr bool operator==(const linear_params&, const linear_params&) = default;
};

template <index_t OutFeatures, class... Options>
struct linear {
  static constexpr linear_params params =
      configure<linear_params, Options...>(linear_params{.out_features = OutFeatures});
  static constexpr const char* name = "linear";
};

}  // namespace ctnn
