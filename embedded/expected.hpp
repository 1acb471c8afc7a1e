// embedded/expected.hpp: the outputs of the embedded examples (embedded/models.hpp's networks,
// weights and inputs), computed by PyTorch 1.13.0a0 in float64 and rounded to float32. Written by
// tools/make_embedded_reference.py: /usr/bin/python3 tools/make_embedded_reference.py
// The boards compare their results with these, and tests/unit/embedded_pytorch_test.cpp the host's.
#pragma once

namespace expected {
inline constexpr float lenet[10] = {-0.18615171f, 0.12715842f, 0.10811514f, -0.48441628f, -0.0022545224f, -0.070687406f, -0.25454158f, 0.39649057f, 0.22900543f, 0.19353755f};
inline constexpr float ds_cnn[12] = {0.1748139f, -0.41972882f, 0.0646358f, -0.082227014f, 0.42835155f, -0.60894036f, -0.11317375f, -0.17902212f, -0.2743998f, 0.1345546f, -0.43381047f, -0.19433641f};
}  // namespace expected
