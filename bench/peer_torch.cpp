// bench/peer_torch.cpp: libtorch (Debian's 1.13) running a TorchScript module exported by
// bench/export_torchscript.py: eval mode, inference mode, one intra-op thread.
#include <ATen/Parallel.h>
#include <torch/script.h>

#include <cstring>

#include "peers.hpp"

namespace bench {
namespace {
struct torch_runner final : runner {
  torch::jit::Module module;
  explicit torch_runner(const std::string& path) : module(torch::jit::load(path)) { module.eval(); }
  void run(const float* input_nchw, float* output) override {
    c10::InferenceMode guard;
    // from_blob does not copy: the input is the caller's, as ctnn's is.
    const torch::Tensor x = torch::from_blob(const_cast<float*>(input_nchw), {1, 3, 224, 224});
    const torch::Tensor y = module.forward({x}).toTensor().contiguous();
    std::memcpy(output, y.data_ptr<float>(), static_cast<std::size_t>(y.numel()) * sizeof(float));
  }
};
}  // namespace

std::unique_ptr<runner> make_torch(const std::string& path) {
  at::set_num_threads(1);
  try {
    return std::make_unique<torch_runner>(path);
  } catch (const std::exception&) {
    return nullptr;
  }
}
}  // namespace bench
