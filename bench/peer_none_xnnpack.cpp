// Built when XNNPACK (libxnnpack-dev, libpthreadpool-dev) is not installed: the benchmark runs without it.
#include "peers.hpp"
std::unique_ptr<bench::runner> bench::make_xnnpack(const workload&) { return nullptr; }
