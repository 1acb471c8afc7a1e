// Runs a network imported by tools/ctnn_import.py (see the README's "Importing a trained model"):
//   ./run_imported resnet18.safetensors [input.bin: one sample, float32, NCHW]
// Build with -DMODEL_HEADER='"x.hpp"' -DMODEL=x for another header than resnet18.hpp.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <numeric>
#include <vector>

#include <ctnn/io/safetensors.hpp>
#ifndef MODEL_HEADER
#define MODEL_HEADER "resnet18.hpp"
#define MODEL resnet18
#endif
#include MODEL_HEADER

using net = MODEL::network;

static std::vector<char> read(const char* path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

int main(int argc, char** argv) {
  if (argc < 2) return std::puts("usage: run_imported weights.safetensors [input.bin]"), 2;
  static net::weights w;      // static: large weights never live on the stack
  static net::prepared p;
  static ctnn::static_arena<net::prepared> arena;
  const std::vector<char> file = read(argv[1]);
  const ctnn::safetensors_result r = ctnn::load_safetensors(w, std::as_bytes(std::span(file.data(), file.size())));
  if (!r) {
    char text[512];
    ctnn::format_error(r, text, sizeof text);
    return std::printf("%s: %s\n", argv[1], text), 1;
  }
  ctnn::prepare_into(w, p);   // the fast kernels' order, batch norm folded

  std::vector<float> nchw(net::input_size, 0.5f), x(net::input_size), y(net::output_size);
  const std::vector<char> input = argc > 2 ? read(argv[2]) : std::vector<char>{};
  if (input.size() == nchw.size() * sizeof(float)) std::memcpy(nchw.data(), input.data(), input.size());
  else if (argc > 2) return std::printf("%s: expected %zu bytes\n", argv[2], nchw.size() * sizeof(float)), 1;
  net::input_from_nchw(std::span<const float, net::input_size>(nchw), std::span<float, net::input_size>(x));
  net::forward(p, std::span<const float, net::input_size>(x), std::span<float, net::output_size>(y), arena);

  std::vector<int> order(y.size());
  std::iota(order.begin(), order.end(), 0);
  const std::size_t top = std::min<std::size_t>(5, order.size());
  std::partial_sort(order.begin(), order.begin() + static_cast<long>(top), order.end(),
                    [&](int a, int b) { return y[static_cast<std::size_t>(a)] > y[static_cast<std::size_t>(b)]; });
  std::printf("%s (%s): top %zu of %zu outputs\n", MODEL_HEADER, MODEL::source, top, y.size());
  for (std::size_t i = 0; i < top; ++i) std::printf("  %4d  %.5f\n", order[i], y[static_cast<std::size_t>(order[i])]);
}
