// bench/peers.hpp: the benchmark's workloads as plain data, and the interface of the peer libraries
// (oneDNN, XNNPACK) that run them in the same process.
//
// Every workload is single-sample (batch 1), fp32, NHWC activations. Weights are given in PyTorch's order
// (conv [C_out][C_in/g][kh][kw], transposed conv [C_in][C_out/g][kh][kw], linear [out][in]); each peer
// converts them to its own format when it is created, before timing.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace bench {

enum class op { conv, conv_transpose, max_pool, global_avg_pool, linear };

// An int8 tensor's quantization (real = scale (q - zero_point)), int8 values as ctnn stores them.
struct quantization {
  float scale = 0;
  int zero_point = 0;
};

struct layer {
  op kind;
  int out_channels = 0;           // conv, conv_transpose, linear (out_features)
  int kh = 1, kw = 1;             // kernel (conv, conv_transpose, max_pool)
  int sh = 1, sw = 1;             // stride
  int pt = 0, pl = 0, pb = 0, pr = 0;  // padding top, left, bottom, right
  int groups = 1;
  bool relu = false;              // ReLU fused after the layer
  std::vector<float> weight, bias;  // PyTorch order; bias may be empty
  // The int8 workloads: the layer's input and output quantization (its clamp fused), int8 weights in
  // PyTorch order with one scale per output channel (symmetric), int32 biases at scale in * weight.
  quantization in, out;
  std::vector<std::int8_t> weight8;
  std::vector<float> weight_scales;
  std::vector<std::int32_t> bias32;
};

struct workload {
  std::string name;
  int c = 0, h = 0, w = 0;        // input, NHWC
  std::vector<layer> layers;      // applied in order; a linear layer after a spatial one sees the
                                  // NHWC tensor flattened in PyTorch's (channel-first) order
  int out_c = 0, out_h = 1, out_w = 1;  // output, NHWC (a linear output is out_c x 1 x 1)
};

// A peer, created once for a workload (weights converted then), run many times.
struct runner {
  virtual ~runner() = default;
  virtual void run(const float* input_nhwc, float* output_nhwc) = 0;
  // A peer that converts the caller's NHWC input into its own layouts and its result back (oneDNN's blocked
  // layouts): its computation alone, on the data run() left in its layouts (timed beside run()).
  virtual bool converts_layouts() const { return false; }
  virtual void run_in_own_layouts() {}
};

// The same for an int8 workload: the input and output as ctnn's int8 values, the output written in the
// peer's own type (unsigned_output: uint8, q + 128, which the comparison converts, not the timed call).
struct runner_int8 {
  virtual ~runner_int8() = default;
  virtual void run(const std::int8_t* input_nhwc, std::int8_t* output_nhwc) = 0;
  virtual bool unsigned_output() const { return false; }
  virtual bool converts_layouts() const { return false; }  // as runner's
  virtual void run_in_own_layouts() {}
};

// nullptr when the peer cannot run the workload (or was not built): the benchmark then skips it.
std::unique_ptr<runner> make_dnnl(const workload& w);
std::unique_ptr<runner> make_xnnpack(const workload& w);
std::unique_ptr<runner_int8> make_dnnl_int8(const workload& w);
std::unique_ptr<runner_int8> make_xnnpack_int8(const workload& w);
// A whole network from a TorchScript file (bench/export_torchscript.py): its runner takes a 3x224x224
// input in NCHW, PyTorch's order, and writes the 1000 logits.
std::unique_ptr<runner> make_torch(const std::string& path);
// The same network as a chain of oneDNN primitives, from the exporter's <stem>.graph.txt and <stem>.folded.bin
// (batch norm folded, residual adds and activations fused as post-ops): same input and output.
std::unique_ptr<runner> make_dnnl_graph(const std::string& stem);
extern const bool dnnl_built;  // false: the benchmark was built without oneDNN (its make_* give nullptr)

// Training: the digits CNN (examples/train_digits.cpp's: conv 1->8 3x3 pad 1, relu, max pool 2, conv 8->16
// 3x3 pad 1, relu, max pool 2, flatten, linear 64->10) from the given weights (state_dict order), one
// step per call on a batch (NCHW, labels), cross-entropy with the mean over the batch, SGD without
// momentum; returns the batch's loss.
struct trainer {
  virtual ~trainer() = default;
  virtual float step(const float* inputs_nchw, const std::int64_t* labels) = 0;
};
std::unique_ptr<trainer> make_torch_trainer(const std::vector<float>& weights, int batch, float learning_rate);

}  // namespace bench
