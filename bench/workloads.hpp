// bench/workloads.hpp: the six workloads of the benchmark as ctnn networks (NHWC, batch 1, fp32), and
// the same workloads as plain data for the peers (bench/peers.hpp), with the same weights.
#pragma once

#include <ctnn/ctnn.hpp>

#include <memory>
#include <random>
#include <vector>

#include "peers.hpp"

namespace workloads {
using namespace ctnn;

// W1 LeNet-5.
using w1_lenet = sequential<input<1, 32, 32>::with<nhwc>, conv2d<6, 5>, relu, max_pool2d<2>, conv2d<16, 5>, relu,
                            max_pool2d<2>, flatten, linear<120>, relu, linear<84>, relu, linear<10>>;
// W2 DS-CNN keyword spotting.
using ds_block = chain<depthwise_conv2d<3, pad<1>>, relu, conv2d<64, 1>, relu>;
using w2_ds_cnn = sequential<input<1, 49, 10>::with<nhwc>, conv2d<64, kernel<10, 4>, stride<2>, pad_tf_same>, relu,
                             ds_block, ds_block, ds_block, ds_block, global_avg_pool, flatten, linear<12>>;
// W3 a ResNet layer.
using w3_resnet = sequential<input<64, 56, 56>::with<nhwc>, conv2d<64, 3, pad<1>>, relu>;
// W4 a MobileNetV1 block.
using w4_mobilenet = sequential<input<32, 112, 112>::with<nhwc>, depthwise_conv2d<3, pad<1>>, relu, conv2d<64, 1>, relu>;
// W5 U-Net upsampling.
using w5_unet_up = sequential<input<64, 28, 28>::with<nhwc>, conv_transpose2d<32, 4, stride<2>, pad<1>>>;
// W6 AlexNet conv1.
using w6_alexnet = sequential<input<3, 227, 227>::with<nhwc>, conv2d<96, 11, stride<4>>, relu>;

template <class Net>
std::unique_ptr<typename Net::weights> random_weights(unsigned seed) {
  auto w = std::make_unique<typename Net::weights>();
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-0.1f, 0.1f);
  for (auto& v : w->values) v = dist(gen);
  return w;
}

// The flat parameter list of a network (PyTorch order), split back into layers for the peers.
template <class Net>
std::vector<std::vector<float>> arrays_of(typename Net::weights& w) {
  std::vector<std::vector<float>> arrays;
  for_each_parameter(w, [&](const char*, const shape&, std::span<float> a) { arrays.emplace_back(a.begin(), a.end()); });
  return arrays;
}

inline bench::layer conv(int out, int kh, int kw, int sh, int sw, int pt, int pl, int pb, int pr, int groups, bool relu) {
  bench::layer l{bench::op::conv};
  l.out_channels = out;
  l.kh = kh, l.kw = kw, l.sh = sh, l.sw = sw, l.pt = pt, l.pl = pl, l.pb = pb, l.pr = pr;
  l.groups = groups;
  l.relu = relu;
  return l;
}
inline bench::layer pool(int k) {
  bench::layer l{bench::op::max_pool};
  l.kh = l.kw = l.sh = l.sw = k;
  return l;
}
inline bench::layer dense(int out, bool relu) {
  bench::layer l{bench::op::linear};
  l.out_channels = out;
  l.relu = relu;
  return l;
}

// Attaches the network's weight arrays (weight, bias, weight, bias, ...) to the layers that have them.
inline void attach(bench::workload& w, std::vector<std::vector<float>> arrays) {
  std::size_t next = 0;
  for (bench::layer& l : w.layers)
    if (l.kind == bench::op::conv || l.kind == bench::op::conv_transpose || l.kind == bench::op::linear) {
      l.weight = std::move(arrays.at(next++));
      l.bias = std::move(arrays.at(next++));
    }
}

inline bench::workload describe_w1(std::vector<std::vector<float>> arrays) {
  bench::workload w{"W1 LeNet-5", 1, 32, 32, {}, 10};
  w.layers = {conv(6, 5, 5, 1, 1, 0, 0, 0, 0, 1, true), pool(2), conv(16, 5, 5, 1, 1, 0, 0, 0, 0, 1, true), pool(2),
              dense(120, true), dense(84, true), dense(10, false)};
  attach(w, std::move(arrays));
  return w;
}
inline bench::workload describe_w2(std::vector<std::vector<float>> arrays) {
  bench::workload w{"W2 DS-CNN", 1, 49, 10, {}, 12};
  // TF SAME, stride 2: H 49 -> 25 needs 9 (4 top, 5 bottom), W 10 -> 5 needs 2 (1 and 1).
  w.layers = {conv(64, 10, 4, 2, 2, 4, 1, 5, 1, 1, true)};
  for (int i = 0; i < 4; ++i) {
    w.layers.push_back(conv(64, 3, 3, 1, 1, 1, 1, 1, 1, 64, true));
    w.layers.push_back(conv(64, 1, 1, 1, 1, 0, 0, 0, 0, 1, true));
  }
  w.layers.push_back(bench::layer{bench::op::global_avg_pool});
  w.layers.push_back(dense(12, false));
  attach(w, std::move(arrays));
  return w;
}
inline bench::workload describe_w3(std::vector<std::vector<float>> arrays) {
  bench::workload w{"W3 ResNet 3x3", 64, 56, 56, {conv(64, 3, 3, 1, 1, 1, 1, 1, 1, 1, true)}, 64, 56, 56};
  attach(w, std::move(arrays));
  return w;
}
inline bench::workload describe_w4(std::vector<std::vector<float>> arrays) {
  bench::workload w{"W4 MobileNet block", 32, 112, 112,
                    {conv(32, 3, 3, 1, 1, 1, 1, 1, 1, 32, true), conv(64, 1, 1, 1, 1, 0, 0, 0, 0, 1, true)}, 64, 112, 112};
  attach(w, std::move(arrays));
  return w;
}
inline bench::workload describe_w5(std::vector<std::vector<float>> arrays) {
  bench::layer up{bench::op::conv_transpose};
  up.out_channels = 32;
  up.kh = up.kw = 4, up.sh = up.sw = 2, up.pt = up.pl = up.pb = up.pr = 1;
  bench::workload w{"W5 U-Net upsampling", 64, 28, 28, {up}, 32, 56, 56};
  attach(w, std::move(arrays));
  return w;
}
inline bench::workload describe_w6(std::vector<std::vector<float>> arrays) {
  bench::workload w{"W6 AlexNet conv1", 3, 227, 227, {conv(96, 11, 11, 4, 4, 0, 0, 0, 0, 1, true)}, 96, 55, 55};
  attach(w, std::move(arrays));
  return w;
}

}  // namespace workloads
