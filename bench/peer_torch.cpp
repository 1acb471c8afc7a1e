// bench/peer_torch.cpp: libtorch (Debian's 1.13) running a TorchScript module exported by
// bench/export_torchscript.py: eval mode, inference mode, one intra-op thread.
#include <ATen/Parallel.h>
#include <torch/script.h>
#include <torch/torch.h>

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

namespace {
// libtorch's C++ API, as a user of it would write the training step (no TorchScript: autograd runs).
struct torch_trainer final : trainer {
  torch::nn::Sequential net{torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 8, 3).padding(1)), torch::nn::ReLU(),
                            torch::nn::MaxPool2d(2), torch::nn::Conv2d(torch::nn::Conv2dOptions(8, 16, 3).padding(1)),
                            torch::nn::ReLU(), torch::nn::MaxPool2d(2), torch::nn::Flatten(), torch::nn::Linear(64, 10)};
  std::unique_ptr<torch::optim::SGD> optimizer;
  int batch;
  torch_trainer(const std::vector<float>& weights, int batch_size, float learning_rate) : batch(batch_size) {
    torch::NoGradGuard no_grad;
    std::size_t at = 0;
    for (auto& p : net->parameters()) {  // state_dict order: weight, bias of each layer
      const auto n = static_cast<std::size_t>(p.numel());
      std::memcpy(p.data_ptr<float>(), weights.data() + at, n * sizeof(float));
      at += n;
    }
    optimizer = std::make_unique<torch::optim::SGD>(net->parameters(), torch::optim::SGDOptions(learning_rate));
  }
  float step(const float* inputs, const std::int64_t* labels) override {
    const torch::Tensor x = torch::from_blob(const_cast<float*>(inputs), {batch, 1, 8, 8});
    const torch::Tensor y = torch::from_blob(const_cast<std::int64_t*>(labels), {batch}, torch::kLong);
    optimizer->zero_grad();
    torch::Tensor loss = torch::nn::functional::cross_entropy(net->forward(x), y);
    loss.backward();
    optimizer->step();
    return loss.item<float>();
  }
};
}  // namespace

std::unique_ptr<trainer> make_torch_trainer(const std::vector<float>& weights, int batch, float learning_rate) {
  at::set_num_threads(1);
  return std::make_unique<torch_trainer>(weights, batch, learning_rate);
}

std::unique_ptr<runner> make_torch(const std::string& path) {
  at::set_num_threads(1);
  try {
    return std::make_unique<torch_runner>(path);
  } catch (const std::exception&) {
    return nullptr;
  }
}
}  // namespace bench
