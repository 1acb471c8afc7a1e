// The other translation unit of configuration_test
// (tests/CMakeLists.txt): 64-byte vectors here, 16-byte in configuration_a.cpp. Their prepared weights
// pad channels differently; with ctnn's configuration in every name, each unit keeps its own layout.
#include "configuration.hpp"

std::vector<float> run_configuration_b(const std::vector<float>& params, const std::vector<float>& x) {
  return configuration::run(params, x);
}
ctnn::count_t prepared_size_b() { return configuration::net::prepared::size; }
