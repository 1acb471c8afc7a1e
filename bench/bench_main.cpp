// bench/bench_main.cpp: ctnn against oneDNN and XNNPACK on six workloads, and against libtorch on two
// whole networks (ResNet-18, MobileNetV2 at 224x224), in one process.
//
// Single thread (run with OMP_NUM_THREADS=1: Debian's oneDNN uses OpenMP, and its threads read the
// variable when the library loads), batch 1, fp32, NHWC, weights prepared before timing, every output
// written to a buffer of the caller's. Each peer's output is compared with ctnn's before it is timed. A
// "peak" benchmark measures the core's fp32 FMA rate with independent FMA chains at the vector width the
// binary was built for (`ctnn_bench --isa` names it); bench/run.py turns the JSON output into the README's
// table.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <ctnn/batch.hpp>
#include <ctnn/calibrate.hpp>
#include <ctnn/parallel.hpp>
#include <ctnn/training.hpp>

#include "peers.hpp"
#include "workloads.hpp"
#include "zoo/mobilenet_v2.hpp"
#include "zoo/resnet18.hpp"
#include "digits/digits_train.hpp"

namespace {

// The vector ISA this binary was built for: the one ctnn's kernels use, and the one the peak is measured with.
#if defined(__AVX512F__)
constexpr const char* isa = "AVX-512";
constexpr int vector_bytes = 64, chains = 16;  // 32 registers: 16 accumulators fit beside the operands
#elif defined(__AVX2__) && defined(__FMA__)
constexpr const char* isa = "AVX2+FMA";
constexpr int vector_bytes = 32, chains = 12;  // 16 registers: 12 accumulators, two operands, no spills
#else
constexpr const char* isa = "SSE2";
constexpr int vector_bytes = 16, chains = 12;
#endif

// Independent chains of FMAs at the ISA's vector width: enough to cover the FMA latency on two pipes,
// few enough to stay in registers (wider vectors than the ISA's would be split and spill, and the "peak"
// would fall below what the kernels reach).
void peak_fma(benchmark::State& state) {
  using vec = float __attribute__((vector_size(vector_bytes)));
  constexpr int lanes = vector_bytes / 4;
  vec acc[chains];
  for (int i = 0; i < chains; ++i) acc[i] = vec{} + float(i);
  const vec a = vec{} + 0.999999f, b = vec{} + 1e-7f;
  constexpr int steps = 1024;
  for (auto _ : state) {
    for (int s = 0; s < steps; ++s)
      for (int i = 0; i < chains; ++i) acc[i] = acc[i] * a + b;
    benchmark::DoNotOptimize(acc);
  }
  state.counters["flops"] = benchmark::Counter(2.0 * lanes * chains * steps, benchmark::Counter::kIsIterationInvariantRate);
}

#if CTNN_INT8_X86
// The int8 multiply-accumulate rate of the instruction ctnn's int8 kernels use (VPDPBUSD or VPMADDWD +
// VPADDD, ctnn/kernels/int8_x86.hpp), in independent chains: 2 ops per multiply-accumulate.
void peak_int8(benchmark::State& state) {
  namespace x = ctnn::x86_int8;
  constexpr int accumulators = x::lanes == 16 ? 24 : 12;
  x::vec acc[accumulators];
  for (int i = 0; i < accumulators; ++i) acc[i] = x::broadcast_value(i);
  const x::vec b = x::broadcast_value(0x02020202);
  constexpr int steps = 1024;
  for (auto _ : state) {
    for (int s = 0; s < steps; ++s)
      for (int i = 0; i < accumulators; ++i) acc[i] = x::mac(acc[i], acc[i], b);  // (a product of constants would be hoisted)
    benchmark::DoNotOptimize(acc);
  }
  state.counters["flops"] = benchmark::Counter(2.0 * x::lanes * x::depth * accumulators * steps,
                                               benchmark::Counter::kIsIterationInvariantRate);
}
#endif

#if CTNN_INT8_AMX
// Where the matrix product runs on AMX's tiles (ctnn/kernels/int8_amx.hpp): TDPBUSD into four independent
// 16 x 16 tiles of sums, each 16 x 16 x 64 multiply-accumulates.
void peak_int8_tiles(benchmark::State& state) {
  namespace x = ctnn::x86_int8;
  x::tile_config config;
  for (int t = 0; t < 8; ++t) {
    config.rows[t] = 16;
    config.bytes_per_row[t] = 64;
  }
  x::load_config(config);
  constexpr int steps = 256;
  for (auto _ : state) {
    for (int s = 0; s < steps; ++s) {
      x::tile_dot<0, 4, 6>();
      x::tile_dot<1, 4, 7>();
      x::tile_dot<2, 5, 6>();
      x::tile_dot<3, 5, 7>();
    }
  }
  x::release_tiles();
  state.counters["flops"] = benchmark::Counter(2.0 * 16 * 16 * 64 * 4 * steps, benchmark::Counter::kIsIterationInvariantRate);
}
bool int8_on_tiles() { return ctnn::x86_int8::amx_permitted(); }
#else
bool int8_on_tiles() { return false; }
#endif

int peers_checked = 0, peers_differing = 0;  // for --check

float max_relative_error(const float* a, const float* b, std::size_t n) {
  float scale = 1e-6f, worst = 0;
  for (std::size_t i = 0; i < n; ++i) scale = std::max(scale, std::abs(b[i]));
  for (std::size_t i = 0; i < n; ++i) worst = std::max(worst, std::abs(a[i] - b[i]));
  return worst / scale;
}

// Times run() (which writes *output) as benchmark `name`, reporting `flops` per call as a rate; by the
// wall clock where run() uses more threads than the caller's (whose CPU time would miss theirs).
template <class Run, class Output>
void register_timed(const std::string& name, double flops, Run run, std::shared_ptr<Output> output,
                    bool wall_clock = false) {
  auto* timed = benchmark::RegisterBenchmark(name.c_str(), [run, output, flops](benchmark::State& state) {
    for (auto _ : state) {
      run();
      benchmark::DoNotOptimize(output->data());
      benchmark::ClobberMemory();
    }
    state.counters["flops"] = benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate);
  });
  timed->Unit(benchmark::kMicrosecond);
  if (wall_clock) timed->UseRealTime();
}

// Two threads for one inference (forward_parallel), shared by every benchmark that splits one.
ctnn::thread_team& team_of_two() {
  static ctnn::thread_team team(2);
  return team;
}

template <class Net>
void register_workload(const char* id, bench::workload (*describe)(std::vector<std::vector<float>>), unsigned seed) {
  auto weights = workloads::random_weights<Net>(seed);
  auto prepared = std::make_shared<typename Net::prepared>();
  ctnn::prepare_into(*weights, *prepared);
  auto arena = std::make_shared<ctnn::static_arena<typename Net::prepared>>();
  // 16 spare floats: XNNPACK may read (never write) up to 16 bytes past its input.
  auto input = std::make_shared<std::vector<float>>(Net::input_size + 16);
  std::mt19937 gen(seed + 1);
  std::uniform_real_distribution<float> dist(-1, 1);
  for (auto& v : *input) v = dist(gen);
  const std::span<const float, Net::input_size> x(input->data(), Net::input_size);
  const double flops = 2.0 * static_cast<double>(Net::macs);

  // ctnn's own result, the reference for the peers.
  auto expected = std::make_shared<std::vector<float>>(Net::output_size);
  Net::forward(*prepared, x, std::span<float, Net::output_size>(expected->data(), Net::output_size), *arena);

  // The lambdas own everything they use (shared_ptr copies): registration's locals are gone by the run.
  auto output = std::make_shared<std::vector<float>>(Net::output_size);
  register_timed(std::string(id) + "/ctnn", flops, [prepared, arena, input, output] {
    Net::forward(*prepared, std::span<const float, Net::input_size>(input->data(), Net::input_size),
                 std::span<float, Net::output_size>(output->data(), Net::output_size), *arena);
  }, output);
  // One inference on two threads, by the wall clock, beside the same on one.
  register_timed(std::string(id) + "/ctnn_threads:1", flops, [prepared, arena, input, output] {
    Net::forward(*prepared, std::span<const float, Net::input_size>(input->data(), Net::input_size),
                 std::span<float, Net::output_size>(output->data(), Net::output_size), *arena);
  }, output, true);
  register_timed(std::string(id) + "/ctnn_threads:2", flops, [prepared, arena, input, output] {
    ctnn::forward_parallel<Net>(team_of_two(), *prepared, std::span<const float, Net::input_size>(input->data(), Net::input_size),
                                std::span<float, Net::output_size>(output->data(), Net::output_size), *arena);
  }, output, true);

  const bench::workload description = describe(workloads::arrays_of<Net>(*weights));
  struct peer {
    const char* name;
    std::unique_ptr<bench::runner> (*make)(const bench::workload&);
  };
  for (const peer& p : {peer{"onednn", bench::make_dnnl}, peer{"xnnpack", bench::make_xnnpack}}) {
    std::shared_ptr<bench::runner> runner = p.make(description);
    if (!runner) {
      std::fprintf(stderr, "%s: %s cannot run it, skipped\n", id, p.name);
      continue;
    }
    auto out = std::make_shared<std::vector<float>>(Net::output_size);
    runner->run(input->data(), out->data());
    const float error = max_relative_error(out->data(), expected->data(), out->size());
    ++peers_checked;
    if (!(error < 1e-3f)) {
      ++peers_differing;
      std::fprintf(stderr, "%s: %s differs from ctnn (relative error %g), skipped\n", id, p.name, double(error));
      continue;
    }
    register_timed(std::string(id) + "/" + p.name, flops, [runner, input, out] { runner->run(input->data(), out->data()); }, out);
    if (runner->converts_layouts())
      register_timed(std::string(id) + "/" + p.name + "_own_layouts", flops, [runner] { runner->run_in_own_layouts(); }, out);
  }
}


// ---- int8 -------------------------------------------------------------------------------------------------

// The workload's float weights quantized by ctnn's calibration (min/max over 8 random inputs), every tensor
// that can be negative made symmetric (zero point 0) and every ReLU output unsigned (ctnn's -128): the two
// kinds oneDNN's int8 primitives take without zero points.
template <class Net>
std::shared_ptr<typename Net::quantized> quantized_workload(const typename Net::weights& w, unsigned seed) {
  auto ranges = std::make_unique<ctnn::tensor_ranges<Net>>();
  auto arena = std::make_unique<ctnn::static_arena<Net>>();
  std::vector<float> x(Net::input_size), y(Net::output_size);
  std::mt19937 gen(seed + 2);
  std::uniform_real_distribution<float> dist(-1, 1);
  for (int sample = 0; sample < 8; ++sample) {
    for (float& v : x) v = dist(gen);
    ctnn::observe_ranges<Net>(w, std::span<const float, Net::input_size>(x.data(), Net::input_size),
                              std::span<float, Net::output_size>(y.data(), Net::output_size), *arena, *ranges);
  }
  for (std::size_t t = 0; t < ranges->min.size(); ++t)
    if (ranges->min[t] < 0) {  // [-m, m 127/128]: scale m / 128, zero point 0 without a rounding tie
      const float m = std::max(-ranges->min[t], ranges->max[t]);
      ranges->min[t] = -m;
      ranges->max[t] = m * 127.0f / 128.0f;
    }
  auto q = std::make_shared<typename Net::quantized>();
  ctnn::quantize_network<Net>(w, *ranges, *q);
  return q;
}

// The float description's layers with ctnn's int8 data: layer i is the i-th node of the schedule with
// weights or a pooling one (the description has no flatten, no clamp and no block).
template <class Net>
bench::workload int8_description(bench::workload w, const typename Net::quantized& q) {
  using Q = typename Net::quantized;
  const auto& s = ctnn::schedule_of<Net>::value;
  int k = 0;
  for (bench::layer& L : w.layers) {
    while (k < s.node_count && Q::layout.node[k].channel_count == 0 && std::string(s.nodes[k].name).find("pool") == std::string::npos) ++k;
    const ctnn::int8_node& n = Q::layout.node[k];
    L.in = {q.activations[s.nodes[k].inputs[0]].scale, q.activations[s.nodes[k].inputs[0]].zero_point};
    const int last = k + n.fused;  // the output is its fused clamp's
    L.out = {q.activations[last + 1].scale, q.activations[last + 1].zero_point};
    if (n.channel_count > 0) {
      L.weight8.assign(q.weights.begin() + n.weights, q.weights.begin() + n.weights + n.weight_count);
      L.weight_scales.assign(q.weight_scales.begin() + n.channels, q.weight_scales.begin() + n.channels + n.channel_count);
      if (n.has_bias) L.bias32.assign(q.biases.begin() + n.channels, q.biases.begin() + n.channels + n.channel_count);
    }
    k = last + 1;
  }
  return w;
}

int int8_within_one = 0, int8_elements = 0;  // over every int8 peer check, for --check

template <class Net>
void register_int8_workload(const char* id, bench::workload (*describe)(std::vector<std::vector<float>>), unsigned seed) {
  using Q = typename Net::quantized;
  auto weights = workloads::random_weights<Net>(seed);
  std::shared_ptr<Q> q = quantized_workload<Net>(*weights, seed);
  auto arena = std::make_shared<ctnn::static_arena<Q>>();
  auto input = std::make_shared<std::vector<std::int8_t>>(Net::input_size + 64);  // XNNPACK's read-past slack
  std::mt19937 gen(seed + 1);
  for (auto& v : *input) v = static_cast<std::int8_t>(gen() % 256 - 128);
  const double flops = 2.0 * static_cast<double>(Net::macs);
  const auto x = std::span<const std::int8_t, Net::input_size>(input->data(), Net::input_size);
  auto expected = std::make_shared<std::vector<std::int8_t>>(Net::output_size);
  Net::forward(*q, x, std::span<std::int8_t, Net::output_size>(expected->data(), Net::output_size), *arena);
  auto output = std::make_shared<std::vector<std::int8_t>>(Net::output_size);
  // Timed with its weights prepared once (as the peers' are), after checking it gives the same outputs.
  auto prepared = std::make_shared<typename Net::prepared_quantized>();
  ctnn::prepare_into(*q, *prepared);
  Net::forward(*prepared, x, std::span<std::int8_t, Net::output_size>(output->data(), Net::output_size), *arena);
  if (*output != *expected) {
    std::fprintf(stderr, "%s: int8 with prepared weights differs from int8 without\n", id);
    std::exit(1);
  }
  const std::string name = std::string(id) + "/int8";
  auto* timed = benchmark::RegisterBenchmark((name + "/ctnn").c_str(), [prepared, arena, input, output, flops](benchmark::State& state) {
    for (auto _ : state) {
      Net::forward(*prepared, std::span<const std::int8_t, Net::input_size>(input->data(), Net::input_size),
                   std::span<std::int8_t, Net::output_size>(output->data(), Net::output_size), *arena);
      benchmark::DoNotOptimize(output->data());
      benchmark::ClobberMemory();
    }
    state.counters["flops"] = benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate);
  });
  timed->Unit(benchmark::kMicrosecond);

  const bench::workload description = int8_description<Net>(describe(workloads::arrays_of<Net>(*weights)), *q);
  struct peer {
    const char* name;
    std::unique_ptr<bench::runner_int8> (*make)(const bench::workload&);
  };
  for (const peer& p : {peer{"onednn", bench::make_dnnl_int8}, peer{"xnnpack", bench::make_xnnpack_int8}}) {
    std::shared_ptr<bench::runner_int8> runner = p.make(description);
    if (!runner) {
      std::fprintf(stderr, "%s: %s cannot run it, skipped\n", name.c_str(), p.name);
      continue;
    }
    auto out = std::make_shared<std::vector<std::int8_t>>(Net::output_size);
    runner->run(input->data(), out->data());
    // The same integers up to rounding: the peers requantize in float, ctnn with gemmlowp's fixed point,
    // and a difference of one in one layer can move the next layer's output by one more.
    int within_one = 0, largest = 0;
    for (std::size_t i = 0; i < out->size(); ++i) {
      const int peer_value = runner->unsigned_output() ? static_cast<std::uint8_t>((*out)[i]) - 128 : (*out)[i];
      const int difference = std::abs(peer_value - (*expected)[i]);
      within_one += difference <= 1 ? 1 : 0;
      largest = std::max(largest, difference);
    }
    ++peers_checked;
    int8_within_one += within_one;
    int8_elements += static_cast<int>(out->size());
    const auto [low, high] = std::minmax_element(expected->begin(), expected->end());
    std::fprintf(stderr, "%s: %s within 1 of ctnn on %d of %zu elements (ctnn's in [%d, %d]), at most %d apart\n", name.c_str(),
                 p.name, within_one, out->size(), *low, *high, largest);
    if (within_one * 100 < 99 * static_cast<int>(out->size()) || largest > 2) {
      ++peers_differing;
      std::fprintf(stderr, "%s: %s differs from ctnn, skipped\n", name.c_str(), p.name);
      continue;
    }
    register_timed(name + "/" + p.name, flops, [runner, input, out] { runner->run(input->data(), out->data()); }, out);
    if (runner->converts_layouts())
      register_timed(name + "/" + p.name + "_own_layouts", flops, [runner] { runner->run_in_own_layouts(); }, out);
  }
}

std::vector<float> read_floats(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const std::vector<char> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  std::vector<float> values(bytes.size() / sizeof(float));
  std::memcpy(values.data(), bytes.data(), values.size() * sizeof(float));
  return values;
}

// The int8 twin of a whole network (ctnn/calibrate.hpp: min/max on the model's input, weights per output
// channel, batch norm folded), prepared, timed from the quantized NHWC input to the int8 logits; whether
// its top-1 class is PyTorch's is a counter (same_top1), not a check (quantization moves logits).
template <class Net>
void register_int8_network(const char* id, const typename Net::weights& w, const std::vector<float>& nhwc,
                           const std::vector<float>& reference) {
  using Q = typename Net::quantized;
  auto ranges = std::make_unique<ctnn::tensor_ranges<Net>>();
  auto float_arena = std::make_unique<ctnn::static_arena<Net>>();
  std::vector<float> logits(Net::output_size);
  const auto x = std::span<const float, Net::input_size>(nhwc.data(), Net::input_size);
  ctnn::observe_ranges<Net>(w, x, std::span<float, Net::output_size>(logits.data(), Net::output_size), *float_arena, *ranges);
  auto q = std::make_unique<Q>();
  ctnn::quantize_network<Net>(w, *ranges, *q);
  auto prepared = std::make_shared<typename Net::prepared_quantized>();
  ctnn::prepare_into(*q, *prepared);
  auto arena = std::make_shared<ctnn::static_arena<Q>>();
  auto x8 = std::make_shared<std::vector<std::int8_t>>(Net::input_size);
  ctnn::quantize_tensor(nhwc, q->activations.front(), *x8);
  auto y8 = std::make_shared<std::vector<std::int8_t>>(Net::output_size);
  const auto forward = [prepared, arena, x8, y8] {
    Net::forward(*prepared, std::span<const std::int8_t, Net::input_size>(x8->data(), Net::input_size),
                 std::span<std::int8_t, Net::output_size>(y8->data(), Net::output_size), *arena);
  };
  forward();
  const auto top = [](const auto& v) { return std::max_element(v.begin(), v.end()) - v.begin(); };
  const double same_top1 = top(*y8) == top(reference) ? 1.0 : 0.0;
  const double flops = 2.0 * static_cast<double>(Net::macs);
  auto* timed = benchmark::RegisterBenchmark((std::string(id) + "/int8/ctnn").c_str(), [forward, y8, flops, same_top1](benchmark::State& state) {
    for (auto _ : state) {
      forward();
      benchmark::DoNotOptimize(y8->data());
      benchmark::ClobberMemory();
    }
    state.counters["flops"] = benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate);
    state.counters["same_top1"] = same_top1;
  });
  timed->Unit(benchmark::kMicrosecond);
  timed->UseRealTime();
}

// A whole network from bench/export_torchscript.py's files in $CTNN_BENCH_MODELS: examples/zoo's
// declaration in NHWC on the model's weights (batch norm folded by prepare_into), checked against
// PyTorch's logits, then timed from the NCHW input (converted inside the timed call) to the logits;
// libtorch runs the TorchScript module on the same input, and oneDNN the exporter's chain of primitives.
template <class Zoo>
void register_network(const char* id, const char* name) {
  using Net = ctnn::relayout_t<Zoo, ctnn::layout::nhwc>;
  const char* dir = std::getenv("CTNN_BENCH_MODELS");
  if (dir == nullptr) {
    std::fprintf(stderr, "%s: CTNN_BENCH_MODELS not set (bench/export_torchscript.py writes it), skipped\n", id);
    return;
  }
  const std::string stem = std::string(dir) + "/" + name;
  const std::vector<float> flat = read_floats(stem + ".weights.bin");
  auto input = std::make_shared<std::vector<float>>(read_floats(stem + ".input.bin"));
  const std::vector<float> reference = read_floats(stem + ".output.bin");
  auto weights = std::make_unique<typename Net::weights>();
  if (!ctnn::load_weights(*weights, std::span<const float>(flat)).ok || input->size() != Net::input_size ||
      reference.size() != Net::output_size) {
    std::fprintf(stderr, "%s: the files in %s do not fit the network\n", id, dir);
    ++peers_checked;
    ++peers_differing;
    return;
  }
  auto prepared = std::make_shared<typename Net::prepared>();
  ctnn::prepare_into(*weights, *prepared);
  auto arena = std::make_shared<ctnn::static_arena<typename Net::prepared>>();
  auto nhwc = std::make_shared<std::vector<float>>(Net::input_size);
  auto output = std::make_shared<std::vector<float>>(Net::output_size);
  const double flops = 2.0 * static_cast<double>(Net::macs);
  const auto forward = [prepared, arena, input, nhwc, output] {
    Net::input_from_nchw(std::span<const float, Net::input_size>(input->data(), Net::input_size),
                         std::span<float, Net::input_size>(nhwc->data(), Net::input_size));
    Net::forward(*prepared, std::span<const float, Net::input_size>(nhwc->data(), Net::input_size),
                 std::span<float, Net::output_size>(output->data(), Net::output_size), *arena);
  };
  // Counted with the peers for --check: false (and a message) when `who`'s logits are not PyTorch's.
  const auto agrees = [&](const char* who, const std::vector<float>& logits) {
    const float error = max_relative_error(logits.data(), reference.data(), reference.size());
    ++peers_checked;
    if (error < 1e-3f) return true;
    ++peers_differing;
    std::fprintf(stderr, "%s: %s differs from PyTorch (relative error %g), skipped\n", id, who, double(error));
    return false;
  };
  forward();
  if (!agrees("ctnn", *output)) return;
  register_timed(std::string(id) + "/ctnn", flops, forward, output, true);
  register_int8_network<Net>(id, *weights, *nhwc, reference);
  // The same on two threads (forward_parallel), checked against PyTorch's logits as well.
  const auto forward_on_two = [prepared, arena, input, nhwc, output] {
    Net::input_from_nchw(std::span<const float, Net::input_size>(input->data(), Net::input_size),
                         std::span<float, Net::input_size>(nhwc->data(), Net::input_size));
    ctnn::forward_parallel<Net>(team_of_two(), *prepared, std::span<const float, Net::input_size>(nhwc->data(), Net::input_size),
                                std::span<float, Net::output_size>(output->data(), Net::output_size), *arena);
  };
  std::fill(output->begin(), output->end(), 0.0f);
  forward_on_two();
  if (!agrees("ctnn on two threads", *output)) return;
  register_timed(std::string(id) + "/ctnn_threads:2", flops, forward_on_two, output, true);

  // oneDNN's primitives chained (the exporter's graph, batch norm folded), with and without the reorders
  // of the input into its layout and of the logits out of it.
  if (std::shared_ptr<bench::runner> dnnl = bench::make_dnnl_graph(stem)) {
    auto dnnl_output = std::make_shared<std::vector<float>>(Net::output_size);
    dnnl->run(input->data(), dnnl_output->data());
    if (agrees("oneDNN", *dnnl_output)) {
      register_timed(std::string(id) + "/onednn", flops, [dnnl, input, dnnl_output] { dnnl->run(input->data(), dnnl_output->data()); },
                     dnnl_output, true);
      if (dnnl->converts_layouts())
        register_timed(std::string(id) + "/onednn_own_layouts", flops, [dnnl] { dnnl->run_in_own_layouts(); }, dnnl_output, true);
    }
  } else if (bench::dnnl_built) {  // the exporter writes the graph: oneDNN must run it
    std::fprintf(stderr, "%s: oneDNN cannot run %s.graph.txt\n", id, stem.c_str());
    ++peers_checked;
    ++peers_differing;
  }

  std::shared_ptr<bench::runner> torch = bench::make_torch(stem + ".pt");
  if (!torch) {
    std::fprintf(stderr, "%s: libtorch cannot run it (not built, or no %s.pt), skipped\n", id, stem.c_str());
    return;
  }
  auto torch_output = std::make_shared<std::vector<float>>(Net::output_size);
  torch->run(input->data(), torch_output->data());
  if (!agrees("libtorch", *torch_output)) return;
  register_timed(std::string(id) + "/libtorch", flops, [torch, input, torch_output] { torch->run(input->data(), torch_output->data()); },
                 torch_output, true);
}

// Batch 8 of W3 on 1 and 2 threads: the scaling of forward_batch on this machine's cores.
void register_batch() {
  using Net = workloads::w3_resnet;
  constexpr std::size_t batch = 8;
  auto weights = workloads::random_weights<Net>(7);
  auto prepared = std::make_shared<typename Net::prepared>();
  ctnn::prepare_into(*weights, *prepared);
  auto inputs = std::make_shared<std::vector<float>>(batch * Net::input_size, 0.5f);
  auto outputs = std::make_shared<std::vector<float>>(batch * Net::output_size);
  for (int threads : {1, 2}) {
    auto arenas = std::make_shared<std::vector<ctnn::static_arena<typename Net::prepared>>>(threads);
    benchmark::RegisterBenchmark(("W3_resnet_3x3_batch8/threads:" + std::to_string(threads)).c_str(),
                                 [prepared, inputs, outputs, arenas](benchmark::State& state) {
                                   for (auto _ : state) {
                                     ctnn::forward_batch<Net>(*prepared, std::span<const float>(*inputs),
                                                              std::span<float>(*outputs),
                                                              std::span<ctnn::static_arena<typename Net::prepared>>(*arenas));
                                     benchmark::ClobberMemory();
                                   }
                                   state.counters["flops"] = benchmark::Counter(
                                       2.0 * batch * static_cast<double>(Net::macs),
                                       benchmark::Counter::kIsIterationInvariantRate);
                                 })
        ->Unit(benchmark::kMicrosecond)
        ->UseRealTime();
  }
}

// T1: one training step of examples/train_digits.cpp's CNN on 32 of the digits (plain SGD), against libtorch's
// C++ API doing the same step. First both train 20 steps from the same weights on the same batches: their
// losses must agree within 1e-4 relative; then each is timed on its own copy, a batch per call.
using digits_net = ctnn::sequential<ctnn::input<1, 8, 8>::with<ctnn::batch<32>>, ctnn::conv2d<8, 3, ctnn::pad<1>>,
                                    ctnn::relu, ctnn::max_pool2d<2>, ctnn::conv2d<16, 3, ctnn::pad<1>>, ctnn::relu,
                                    ctnn::max_pool2d<2>, ctnn::flatten, ctnn::linear<10>>;
void register_training() {
  using train = ctnn::training<digits_net, ctnn::plain_sgd>;
  constexpr int batch = digits_net::batch, batches = digits::train_count / batch;
  static constexpr ctnn::plain_sgd optimizer{0.05f, 0.0f};
  auto xs = std::make_shared<std::vector<float>>(static_cast<std::size_t>(batches * batch * 64));
  auto labels = std::make_shared<std::vector<std::int64_t>>(static_cast<std::size_t>(batches * batch));
  auto classes = std::make_shared<std::vector<ctnn::count_t>>(labels->size());
  for (std::size_t i = 0; i < xs->size(); ++i) (*xs)[i] = digits::train_levels[i] / 16.0f;
  for (std::size_t i = 0; i < labels->size(); ++i) (*labels)[i] = (*classes)[i] = digits::train_labels[i];
  auto initial = std::make_shared<digits_net::weights>();
  ctnn::initialize_parameters(*initial, 2026);
  const std::vector<float> flat(initial->values.begin(), initial->values.end());
  const auto batch_x = [xs](int b) {
    return std::span<const float, batch * 64>(xs->data() + static_cast<std::size_t>(b) * batch * 64, batch * 64);
  };
  const auto batch_labels = [classes](int b) {
    return std::span<const ctnn::count_t, batch>(classes->data() + static_cast<std::size_t>(b) * batch, batch);
  };
  const double flops = 3.0 * 2.0 * static_cast<double>(digits_net::macs) * batch;  // forward, input and weight gradients

  auto w = std::make_shared<digits_net::weights>(*initial);
  auto state = std::make_shared<train::state<float>>();
  auto loss = std::make_shared<std::vector<float>>(1);
  auto step = std::make_shared<int>(0);
  register_timed("T1_digits_train_step/ctnn", flops, [w, state, loss, step, batch_x, batch_labels] {
    const int b = (*step)++ % batches;
    (*loss)[0] = train::step(*w, *state, optimizer, batch_x(b), batch_labels(b));
  }, loss);

  auto check = bench::make_torch_trainer(flat, batch, optimizer.learning_rate);
  if (!check) {
    std::fprintf(stderr, "T1_digits_train_step: libtorch not built, skipped\n");
    return;
  }
  auto reference = std::make_shared<digits_net::weights>(*initial);
  auto reference_state = std::make_shared<train::state<float>>();
  float worst = 0;
  for (int b = 0; b < 20; ++b) {
    const float ours = train::step(*reference, *reference_state, optimizer, batch_x(b), batch_labels(b));
    const float theirs = check->step(xs->data() + static_cast<std::size_t>(b) * batch * 64, labels->data() + b * batch);
    worst = std::max(worst, std::abs(ours - theirs) / std::max(1e-6f, std::abs(theirs)));
  }
  ++peers_checked;
  if (!(worst <= 1e-4f)) {
    ++peers_differing;
    std::fprintf(stderr, "T1_digits_train_step: libtorch's losses differ from ctnn's by %g relative, not timed\n", worst);
    return;
  }
  std::shared_ptr<bench::trainer> torch = bench::make_torch_trainer(flat, batch, optimizer.learning_rate);
  auto torch_loss = std::make_shared<std::vector<float>>(1);
  auto torch_step = std::make_shared<int>(0);
  register_timed("T1_digits_train_step/libtorch", flops, [torch, torch_loss, torch_step, xs, labels] {
    const int b = (*torch_step)++ % batches;
    (*torch_loss)[0] = torch->step(xs->data() + static_cast<std::size_t>(b) * batch * 64, labels->data() + b * batch);
  }, torch_loss);
}

}  // namespace

// `ctnn_bench --check` only compares every peer's output with ctnn's (CI runs it): exit status 1 if
// one differs. Anything else goes to Google Benchmark.
int main(int argc, char** argv) {
  if (argc == 2 && std::string(argv[1]) == "--isa") {  // for bench/run.py's table
    std::printf("%s\n", isa);
    return 0;
  }
  if (argc == 2 && std::string(argv[1]) == "--int8-instruction") {  // likewise
    std::printf("%s\n", int8_on_tiles()        ? "TDPBUSD"
                        : CTNN_INT8_DOT == 4 ? "VPDPBUSD"
                        : CTNN_INT8_DOT == 2 ? "VPMADDWD"
                                             : "none");
    return 0;
  }
  const bool check_only = argc == 2 && std::string(argv[1]) == "--check";
  benchmark::RegisterBenchmark("peak/fma", peak_fma);
#if CTNN_INT8_AMX
  if (int8_on_tiles()) benchmark::RegisterBenchmark("peak/int8", peak_int8_tiles);
  else benchmark::RegisterBenchmark("peak/int8", peak_int8);
#elif CTNN_INT8_X86
  benchmark::RegisterBenchmark("peak/int8", peak_int8);
#endif
  register_workload<workloads::w1_lenet>("W1_lenet", workloads::describe_w1, 1);
  register_workload<workloads::w2_ds_cnn>("W2_ds_cnn", workloads::describe_w2, 2);
  register_workload<workloads::w3_resnet>("W3_resnet_3x3", workloads::describe_w3, 3);
  register_workload<workloads::w4_mobilenet>("W4_mobilenet_block", workloads::describe_w4, 4);
  register_workload<workloads::w5_unet_up>("W5_unet_upsampling", workloads::describe_w5, 5);
  register_workload<workloads::w6_alexnet>("W6_alexnet_conv1", workloads::describe_w6, 6);
  register_int8_workload<workloads::w1_lenet>("W1_lenet", workloads::describe_w1, 1);
  register_int8_workload<workloads::w2_ds_cnn>("W2_ds_cnn", workloads::describe_w2, 2);
  register_int8_workload<workloads::w3_resnet>("W3_resnet_3x3", workloads::describe_w3, 3);
  register_int8_workload<workloads::w4_mobilenet>("W4_mobilenet_block", workloads::describe_w4, 4);
  register_int8_workload<workloads::w5_unet_up>("W5_unet_upsampling", workloads::describe_w5, 5);
  register_int8_workload<workloads::w6_alexnet>("W6_alexnet_conv1", workloads::describe_w6, 6);
  register_batch();
  register_network<zoo::resnet18>("N1_resnet18", "resnet18");
  register_network<zoo::mobilenet_v2>("N2_mobilenet_v2", "mobilenet_v2");
  register_training();
  if (check_only) {
    std::printf("%d peer outputs compared with ctnn's, %d differ\n", peers_checked, peers_differing);
    return peers_differing == 0 ? 0 : 1;
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
}
