// The error categories of tests/data/shape_cases.txt (PyTorch's errors, grouped by
// tools/make_shape_reference.py) and the ctnn rules that answer for each.
#pragma once

#include <string_view>

#include "ctnn/core/error.hpp"

namespace ctnn::test {

constexpr bool in_category(error_code code, std::string_view category) {
  using enum error_code;
  switch (code) {
    case input_rank: return category == "rank";
    case not_positive: return category == "bad_parameter" || category == "zero_size";
    case negative_padding: return category == "negative_padding";
    case in_channels_groups: return category == "in_channels_groups";
    case out_channels_groups: return category == "out_channels_groups";
    case in_channels:
    case in_features: return category == "in_features";
    case window_exceeds_input:
    case avg_pool3d_input_smaller_than_kernel: return category == "output_too_small";
    case output_not_positive: return category == "output_too_small" || category == "zero_size";
    case same_needs_stride_1: return category == "same_stride";
    case output_padding_too_large: return category == "output_padding";
    case output_size_unreachable: return category == "output_size";
    case pool_padding_too_large: return category == "pool_padding";
    case reflection_padding_too_large: return category == "reflect_padding";
    case reshape_count: return category == "reshape_count";
    case dim_out_of_range:
    case dims_out_of_order: return category == "bad_parameter";
    case add_shapes: return category == "add_shapes";
    case concat_shapes: return category == "cat_shapes";
    default: return false;
  }
}

}  // namespace ctnn::test
