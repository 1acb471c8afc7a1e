// The network both units of configuration_test build, with their own CTNN_VECTOR_BYTES.
#pragma once

#include <memory>
#include <vector>

#include "ctnn/ctnn.hpp"

// Internal linkage: each unit keeps its own copy of this helper (an inline function would be one for both).
namespace configuration {
namespace {
// 12 output channels: padded to 16 with 64-byte vectors, to 12 with 16-byte ones.
using net = ctnn::sequential<ctnn::input<3, 6, 6>::with<ctnn::nhwc>, ctnn::conv2d<12, 3>, ctnn::relu, ctnn::flatten,
                             ctnn::linear<5>>;

inline std::vector<float> run(const std::vector<float>& params, const std::vector<float>& x) {
  auto w = std::make_unique<net::weights>();
  for (std::size_t i = 0; i < params.size(); ++i) w->values[i] = params[i];
  auto p = std::make_unique<net::prepared>();
  ctnn::prepare_into(*w, *p);
  auto arena = std::make_unique<ctnn::static_arena<net::prepared>>();
  std::vector<float> y(net::output_size);
  net::forward(*p, std::span<const float, net::input_size>(x.data(), net::input_size),
               std::span<float, net::output_size>(y.data(), net::output_size), *arena);
  return y;
}
}  // namespace
}  // namespace configuration
