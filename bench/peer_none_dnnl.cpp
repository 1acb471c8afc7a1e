// Built when oneDNN (libdnnl-dev) is not installed: the benchmark then runs without it.
#include "peers.hpp"
std::unique_ptr<bench::runner> bench::make_dnnl(const workload&) { return nullptr; }
