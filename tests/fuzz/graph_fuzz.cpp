// libFuzzer: any bytes as a benchmark network graph (bench/graph_file.hpp). ASan/UBSan catch a read out of
// range or an overflow; the checks below, a graph accepted with a shape or weight count its rules forbid.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <string>

#include "graph_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream text(std::string(reinterpret_cast<const char*>(data), size));
  try {
    const auto ops = bench::read_graph(text, "fuzz.graph.txt", {3, 224, 224});
    for (const bench::graph_op& op : ops)
      if (op.out.c < 1 || op.out.h < 1 || op.out.w < 1 || op.weights < 0 || op.weights > (std::int64_t{1} << 31))
        std::abort();
  } catch (const std::runtime_error& e) {
    if (std::string(e.what()).rfind("fuzz.graph.txt:", 0) != 0) std::abort();  // every error names its line
  }
  return 0;
}
