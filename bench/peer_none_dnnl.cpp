// Built when oneDNN (libdnnl-dev) is not installed: the benchmark then runs without it.
#include "peers.hpp"
std::unique_ptr<bench::runner> bench::make_dnnl(const workload&) { return nullptr; }
std::unique_ptr<bench::runner_int8> bench::make_dnnl_int8(const workload&) { return nullptr; }
std::unique_ptr<bench::runner> bench::make_dnnl_graph(const std::string&) { return nullptr; }
const bool bench::dnnl_built = false;
