// One of two translation units of configuration_test, built with different vector configurations
// (tests/CMakeLists.txt): 16-byte GNU vectors here, 64-byte tiles without them in configuration_b.cpp. Their prepared weights
// pad channels differently; with ctnn's configuration in every name, each unit keeps its own layout.
#include "configuration.hpp"

std::vector<float> run_configuration_a(const std::vector<float>& params, const std::vector<float>& x) {
  return configuration::run(params, x);
}
ctnn::count_t prepared_size_a() { return configuration::net::prepared::size; }
