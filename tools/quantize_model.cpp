// The host program tools/ctnn_import.py --int8 builds: loads an imported network's weights (safetensors)
// and calibration samples (float32, PyTorch's order, one after another), quantizes the network with
// ctnn/calibrate.hpp (min/max observers, or with a percentile the histogram observer's range holding that
// percentage of each tensor's values) and prints the fields of net::quantized that are data (weights,
// weight scales, biases, activations' quantization, the float parameters of the layers computed in float) as
// C++ initializers, for the header. CTNN_MODEL names
// the header's namespace.
//   g++-12 -std=c++20 -Iinclude -I<dir of model.hpp> -DCTNN_MODEL=lenet tools/quantize_model.cpp
//   quantize_model weights.safetensors samples.f32 [percentile]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <vector>

#include "model.hpp"
#include <ctnn/calibrate.hpp>
#include <ctnn/io/safetensors.hpp>

using net = CTNN_MODEL::network;

static std::vector<char> read(const char* path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

template <class Values, class Print>
static void print_list(const Values& values, Print print) {
  std::printf("{{");
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i % 16 == 0) std::printf("\n    ");
    print(values[i]);
  }
  std::printf("}},\n");
}

int main(int argc, char** argv) {
  if (argc != 3 && argc != 4) return 2;
  const std::vector<char> bytes = read(argv[1]), samples = read(argv[2]);
  auto w = std::make_unique<net::weights>();
  const auto loaded = ctnn::load_safetensors(*w, std::as_bytes(std::span(bytes.data(), bytes.size())));
  if (!loaded) {
    char text[512];
    ctnn::format_error(loaded, text, sizeof text);
    std::fprintf(stderr, "%s\n", text);
    return 1;
  }
  constexpr std::size_t sample_bytes = std::size_t{net::input_size} * sizeof(float);
  if (samples.empty() || samples.size() % sample_bytes != 0) {
    std::fprintf(stderr, "%zu bytes of samples: not a whole number of %zu-byte samples\n", samples.size(), sample_bytes);
    return 1;
  }
  static ctnn::static_arena<net> arena;
  auto ranges = std::make_unique<ctnn::tensor_ranges<net>>();
  std::vector<float> nchw(net::input_size), x(net::input_size), y(net::output_size);
  const auto each_sample = [&](auto&& observe) {
    for (std::size_t at = 0; at < samples.size(); at += sample_bytes) {
      std::memcpy(nchw.data(), samples.data() + at, sample_bytes);
      net::input_from_nchw(std::span<const float, net::input_size>(nchw.data(), net::input_size),
                           std::span<float, net::input_size>(x.data(), net::input_size));
      observe(std::span<const float, net::input_size>(x.data(), net::input_size),
              std::span<float, net::output_size>(y.data(), net::output_size));
    }
  };
  each_sample([&](auto in, auto out) { ctnn::observe_ranges<net>(*w, in, out, arena, *ranges); });
  if (argc == 4) {  // the percentile observer: a second pass into each tensor's histogram
    auto histograms = std::make_unique<ctnn::tensor_histograms<net>>(*ranges);
    each_sample([&](auto in, auto out) { ctnn::observe_histograms<net>(*w, in, out, arena, *histograms); });
    *ranges = histograms->percentile(std::strtod(argv[3], nullptr));
  }
  auto q = std::make_unique<net::quantized>();
  ctnn::quantize_network<net>(*w, *ranges, *q);
  print_list(q->weights, [](std::int8_t v) { std::printf("%d, ", v); });
  print_list(q->weight_scales, [](float v) { std::printf("%af, ", static_cast<double>(v)); });
  print_list(q->biases, [](std::int32_t v) { std::printf("%ld, ", static_cast<long>(v)); });
  print_list(q->activations, [](const ctnn::quantization& v) {
    std::printf("{%af, %ld}, ", static_cast<double>(v.scale), static_cast<long>(v.zero_point));
  });
  print_list(q->float_parameters, [](float v) { std::printf("%af, ", static_cast<double>(v)); });
  return 0;
}
