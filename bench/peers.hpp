// bench/peers.hpp: the benchmark's workloads as plain data, and the interface of the peer libraries
// (oneDNN, XNNPACK) that run them in the same process.
//
// Every workload is single-sample (batch 1), fp32, NHWC activations. Weights are given in PyTorch's order
// (conv [C_out][C_in/g][kh][kw], transposed conv [C_in][C_out/g][kh][kw], linear [out][in]); each peer
// converts them to its own format when it is created, before timing.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace bench {

enum class op { conv, conv_transpose, max_pool, global_avg_pool, linear };

struct layer {
  op kind;
  int out_channels = 0;           // conv, conv_transpose, linear (out_features)
  int kh = 1, kw = 1;             // kernel (conv, conv_transpose, max_pool)
  int sh = 1, sw = 1;             // stride
  int pt = 0, pl = 0, pb = 0, pr = 0;  // padding top, left, bottom, right
  int groups = 1;
  bool relu = false;              // ReLU fused after the layer
  std::vector<float> weight, bias;  // PyTorch order; bias may be empty
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
};

// nullptr when the peer cannot run the workload (or was not built): the benchmark then skips it.
std::unique_ptr<runner> make_dnnl(const workload& w);
std::unique_ptr<runner> make_xnnpack(const workload& w);
// A whole network from a TorchScript file (bench/export_torchscript.py): its runner takes a 3x224x224
// input in NCHW, PyTorch's order, and writes the 1000 logits.
std::unique_ptr<runner> make_torch(const std::string& path);

}  // namespace bench
