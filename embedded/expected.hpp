// embedded/expected.hpp: the outputs of the embedded examples, computed on the host by
// tests/unit/embedded_reference_test.cpp (which fails, printing this file's new contents, if they
// drift). The boards compare their results with these.
#pragma once

namespace expected {
inline constexpr float lenet[10] = {-0.186151698f, 0.127158418f, 0.108115137f, -0.484416366f, -0.00225452147f, -0.0706874356f, -0.254541546f, 0.396490574f, 0.229005456f, 0.193537518f};
inline constexpr float ds_cnn[12] = {0.174813852f, -0.419728726f, 0.0646358058f, -0.0822270215f, 0.428351551f, -0.608940423f, -0.113173753f, -0.179022133f, -0.274399877f, 0.13455461f, -0.433810502f, -0.194336414f};
}  // namespace expected
