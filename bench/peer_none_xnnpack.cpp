// Built when XNNPACK (libxnnpack-dev, libpthreadpool-dev) is not installed: the benchmark runs without it.
#include "peers.hpp"
std::unique_ptr<bench::runner> bench::make_xnnpack(const workload&) { return nullptr; }
std::unique_ptr<bench::runner_int8> bench::make_xnnpack_int8(const workload&) { return nullptr; }
