// ctnn/core/quantization.hpp: the two numbers of int8 quantization every stage passes around (the scheme
// and its arithmetic: ctnn/kernels/quantize.hpp; an int8 network's data: ctnn/plan/quantized.hpp).
#pragma once

#include <cstdint>

namespace ctnn {

// Per-tensor quantization of an activation: real = scale (q - zero_point), q an int8.
struct quantization {
  float scale = 1.0f;
  std::int32_t zero_point = 0;
  friend constexpr bool operator==(const quantization&, const quantization&) = default;
};

// real = multiplier 2^(shift - 31); multiplier 0 means real 0 (or below 2^-31: TFLite's convention).
struct fixed_multiplier {
  std::int32_t multiplier = 0;
  int shift = 0;
  friend constexpr bool operator==(const fixed_multiplier&, const fixed_multiplier&) = default;
};

}  // namespace ctnn
