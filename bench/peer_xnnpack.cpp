// bench/peer_xnnpack.cpp: the XNNPACK (operator API, tested with Debian's git20220216) peer of the benchmark.
//
// For a workload, the runner creates once one NHWC operator per layer (weights converted from PyTorch's order
// and packed by XNNPACK then), ReLU fused through the operator's output clamp [0, +inf), and the
// intermediate activations as persistent buffers; every operator is set up at creation, single-threaded (no
// pthreadpool). run() only calls xnn_run_operator for each operator in order.
//
// Setting up binds buffer addresses, and the caller's input/output buffers are only known in run(): the first
// operator is set up on an internal input buffer and the last on an internal output buffer at creation, and
// run() re-sets them up when (and only when) the caller passes a different buffer than the previous call. A
// benchmark loop passing the same buffers every iteration therefore pays this once, in the first run.
//
// XNNPACK may read (never write) up to XNN_EXTRA_BYTES past the end of an input tensor: the intermediate
// buffers have that slack; the caller's input buffer should have it too.
#include "peers.hpp"

#include <xnnpack.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <memory>
#include <vector>

namespace bench {
namespace {

constexpr std::size_t extra_floats = (XNN_EXTRA_BYTES + sizeof(float) - 1) / sizeof(float);

struct node {
  op kind;
  xnn_operator_t handle = nullptr;
  std::size_t h = 0, w = 0;  // input spatial size (what the setup functions take)
  const float* in = nullptr;
  float* out = nullptr;
};

class xnnpack_runner final : public runner {
 public:
  ~xnnpack_runner() override {
    for (node& n : nodes_)
      if (n.handle) xnn_delete_operator(n.handle);
  }

  void run(const float* input_nhwc, float* output_nhwc) override {
    if (input_nhwc != nodes_.front().in || output_nhwc != nodes_.back().out) {
      nodes_.front().in = input_nhwc;
      nodes_.back().out = output_nhwc;
      check(setup(nodes_.front()), "setup");
      if (nodes_.size() > 1) check(setup(nodes_.back()), "setup");
    }
    for (node& n : nodes_) check(xnn_run_operator(n.handle, nullptr), "xnn_run_operator");
  }

  // Creates and sets up every operator; false (after printing why) when XNNPACK refuses the workload.
  bool build(const workload& w);

 private:
  std::vector<node> nodes_;
  std::vector<std::vector<float>> buffers_;  // internal input, intermediates, internal output

  static bool ok(xnn_status st, const char* what, const workload& w) {
    if (st == xnn_status_success) return true;
    std::fprintf(stderr, "xnnpack: %s failed for workload %s: status %d\n", what, w.name.c_str(),
                 static_cast<int>(st));
    return false;
  }
  static void check(xnn_status st, const char* what) {
    if (st != xnn_status_success) {
      std::fprintf(stderr, "xnnpack: %s failed in run(): status %d\n", what, static_cast<int>(st));
      std::abort();
    }
  }

  static xnn_status setup(const node& n) {
    switch (n.kind) {
      case op::conv:
        return xnn_setup_convolution2d_nhwc_f32(n.handle, 1, n.h, n.w, n.in, n.out, nullptr);
      case op::conv_transpose:
        return xnn_setup_deconvolution2d_nhwc_f32(n.handle, 1, n.h, n.w, 0, 0, n.in, n.out, nullptr);
      case op::max_pool:
        return xnn_setup_max_pooling2d_nhwc_f32(n.handle, 1, n.h, n.w, n.in, n.out, nullptr);
      case op::global_avg_pool:
        return xnn_setup_global_average_pooling_nwc_f32(n.handle, 1, n.h * n.w, n.in, n.out, nullptr);
      case op::linear:
        return xnn_setup_fully_connected_nc_f32(n.handle, 1, n.in, n.out, nullptr);
    }
    return xnn_status_invalid_parameter;
  }

  float* new_buffer(std::size_t n) {
    buffers_.emplace_back(n + extra_floats, 0.f);
    return buffers_.back().data();
  }
};

bool xnnpack_runner::build(const workload& w) {
  static const xnn_status init = xnn_initialize(nullptr);
  if (!ok(init, "xnn_initialize", w)) return false;
  if (w.layers.empty()) {
    std::fprintf(stderr, "xnnpack: empty workload %s\n", w.name.c_str());
    return false;
  }

  constexpr float inf = std::numeric_limits<float>::infinity();
  int c = w.c, h = w.h, wd = w.w;
  bool spatial = true;
  const float* in = new_buffer(static_cast<std::size_t>(c) * h * wd);
  for (const layer& L : w.layers) {
    node n;
    n.kind = L.kind;
    n.in = in;
    n.h = static_cast<std::size_t>(h), n.w = static_cast<std::size_t>(wd);
    const float lo = L.relu ? 0.f : -inf;
    const float* bias = L.bias.empty() ? nullptr : L.bias.data();
    if (bias && static_cast<int>(L.bias.size()) != L.out_channels) {
      std::fprintf(stderr, "xnnpack: bias size mismatch in workload %s\n", w.name.c_str());
      return false;
    }
    if (L.kind != op::linear && !spatial) {
      std::fprintf(stderr, "xnnpack: spatial layer after a linear one in workload %s\n", w.name.c_str());
      return false;
    }
    xnn_status st = xnn_status_success;
    int oc = c, oh = h, ow = wd;
    switch (L.kind) {
      case op::conv:
      case op::conv_transpose: {
        const bool tr = L.kind == op::conv_transpose;
        oc = L.out_channels;
        const int g = L.groups;
        if (g < 1 || c % g || oc % g) {
          std::fprintf(stderr, "xnnpack: bad groups in workload %s\n", w.name.c_str());
          return false;
        }
        oh = tr ? (h - 1) * L.sh - L.pt - L.pb + L.kh : (h + L.pt + L.pb - L.kh) / L.sh + 1;
        ow = tr ? (wd - 1) * L.sw - L.pl - L.pr + L.kw : (wd + L.pl + L.pr - L.kw) / L.sw + 1;
        const std::size_t icg = static_cast<std::size_t>(c / g), ocg = static_cast<std::size_t>(oc / g);
        const std::size_t khw = static_cast<std::size_t>(L.kh) * L.kw;
        if (L.weight.size() != static_cast<std::size_t>(g) * icg * ocg * khw || oh < 1 || ow < 1) {
          std::fprintf(stderr, "xnnpack: bad weight size or shape in workload %s\n", w.name.c_str());
          return false;
        }
        // XNNPACK kernels are [groups][C_out/g][kh][kw][C_in/g] for both. PyTorch: conv [C_out][C_in/g][kh][kw],
        // transposed conv [g][C_in/g][C_out/g][kh][kw] (transpose only, no kernel flip).
        std::vector<float> k(L.weight.size());
        for (std::size_t gi = 0; gi < static_cast<std::size_t>(g); ++gi)
          for (std::size_t o = 0; o < ocg; ++o)
            for (std::size_t i = 0; i < icg; ++i)
              for (std::size_t s = 0; s < khw; ++s) {
                const std::size_t src = tr ? ((gi * icg + i) * ocg + o) * khw + s : ((gi * ocg + o) * icg + i) * khw + s;
                k[((gi * ocg + o) * khw + s) * icg + i] = L.weight[src];
              }
        if (tr)
          st = xnn_create_deconvolution2d_nhwc_f32(
              static_cast<uint32_t>(L.pt), static_cast<uint32_t>(L.pr), static_cast<uint32_t>(L.pb),
              static_cast<uint32_t>(L.pl), static_cast<uint32_t>(L.kh), static_cast<uint32_t>(L.kw),
              static_cast<uint32_t>(L.sh), static_cast<uint32_t>(L.sw), 1, 1, static_cast<uint32_t>(g), icg, ocg,
              static_cast<std::size_t>(c), static_cast<std::size_t>(oc), k.data(), bias, lo, inf, 0, &n.handle);
        else
          st = xnn_create_convolution2d_nhwc_f32(
              static_cast<uint32_t>(L.pt), static_cast<uint32_t>(L.pr), static_cast<uint32_t>(L.pb),
              static_cast<uint32_t>(L.pl), static_cast<uint32_t>(L.kh), static_cast<uint32_t>(L.kw),
              static_cast<uint32_t>(L.sh), static_cast<uint32_t>(L.sw), 1, 1, static_cast<uint32_t>(g), icg, ocg,
              static_cast<std::size_t>(c), static_cast<std::size_t>(oc), k.data(), bias, lo, inf, 0, &n.handle);
        if (!ok(st, tr ? "xnn_create_deconvolution2d_nhwc_f32" : "xnn_create_convolution2d_nhwc_f32", w))
          return false;
        break;
      }
      case op::max_pool: {
        oh = (h + L.pt + L.pb - L.kh) / L.sh + 1;
        ow = (wd + L.pl + L.pr - L.kw) / L.sw + 1;
        st = xnn_create_max_pooling2d_nhwc_f32(
            static_cast<uint32_t>(L.pt), static_cast<uint32_t>(L.pr), static_cast<uint32_t>(L.pb),
            static_cast<uint32_t>(L.pl), static_cast<uint32_t>(L.kh), static_cast<uint32_t>(L.kw),
            static_cast<uint32_t>(L.sh), static_cast<uint32_t>(L.sw), 1, 1, static_cast<std::size_t>(c),
            static_cast<std::size_t>(c), static_cast<std::size_t>(c), lo, inf, 0, &n.handle);
        if (!ok(st, "xnn_create_max_pooling2d_nhwc_f32", w)) return false;
        break;
      }
      case op::global_avg_pool: {
        oh = ow = 1;
        st = xnn_create_global_average_pooling_nwc_f32(static_cast<std::size_t>(c), static_cast<std::size_t>(c),
                                                       static_cast<std::size_t>(c), lo, inf, 0, &n.handle);
        if (!ok(st, "xnn_create_global_average_pooling_nwc_f32", w)) return false;
        break;
      }
      case op::linear: {
        oc = L.out_channels;
        oh = ow = 1;
        const std::size_t hw = static_cast<std::size_t>(h) * wd, cc = static_cast<std::size_t>(c);
        const std::size_t nin = cc * hw;
        if (L.weight.size() != nin * static_cast<std::size_t>(oc)) {
          std::fprintf(stderr, "xnnpack: bad linear weight size in workload %s\n", w.name.c_str());
          return false;
        }
        // XNNPACK reads the NHWC tensor flattened in NHWC order; PyTorch's columns are channel-first
        // (c*H*W + p, p = h*W + w): permute them to p*C + c.
        std::vector<float> k(L.weight.size());
        for (std::size_t o = 0; o < static_cast<std::size_t>(oc); ++o)
          for (std::size_t ci = 0; ci < cc; ++ci)
            for (std::size_t p = 0; p < hw; ++p) k[o * nin + p * cc + ci] = L.weight[o * nin + ci * hw + p];
        st = xnn_create_fully_connected_nc_f32(nin, static_cast<std::size_t>(oc), nin, static_cast<std::size_t>(oc),
                                               k.data(), bias, lo, inf, 0, &n.handle);
        if (!ok(st, "xnn_create_fully_connected_nc_f32", w)) return false;
        spatial = false;
        break;
      }
    }
    nodes_.push_back(n);  // owns n.handle from here (deleted by the destructor)
    c = oc, h = oh, wd = ow;
    nodes_.back().out = new_buffer(static_cast<std::size_t>(c) * h * wd);
    in = nodes_.back().out;
  }
  if (c != w.out_c || h != w.out_h || wd != w.out_w) {
    std::fprintf(stderr, "xnnpack: output shape %dx%dx%d differs from workload %s's\n", c, h, wd, w.name.c_str());
    return false;
  }
  for (const node& n : nodes_)
    if (!ok(setup(n), "setup", w)) return false;
  return true;
}


// ---- int8: XNNPACK's qc8 convolution (per-channel weight scales) and s8 / qs8 pooling -----------------
// A linear layer runs as a 1x1 convolution of a 1x1 image with all its inputs as channels (XNNPACK's
// fully connected operator takes one weight scale, not one per output channel).
class xnnpack_int8_runner final : public runner_int8 {
 public:
  ~xnnpack_int8_runner() override {
    for (qnode& n : nodes_)
      if (n.handle) xnn_delete_operator(n.handle);
  }

  void run(const std::int8_t* input_nhwc, std::int8_t* output_nhwc) override {
    if (input_nhwc != nodes_.front().in || output_nhwc != nodes_.back().out) {
      nodes_.front().in = input_nhwc;
      nodes_.back().out = output_nhwc;
      check(setup(nodes_.front()));
      if (nodes_.size() > 1) check(setup(nodes_.back()));
    }
    for (qnode& n : nodes_)
      if (xnn_run_operator(n.handle, nullptr) != xnn_status_success) std::abort();
  }

  bool build(const workload& w);

 private:
  struct qnode {
    op kind;
    xnn_operator_t handle = nullptr;
    std::size_t h = 0, w = 0;
    const std::int8_t* in = nullptr;
    std::int8_t* out = nullptr;
  };
  std::vector<qnode> nodes_;
  std::vector<std::vector<std::int8_t>> buffers_;

  static void check(xnn_status st) {
    if (st != xnn_status_success) {
      std::fprintf(stderr, "xnnpack: int8 setup failed in run(): status %d\n", static_cast<int>(st));
      std::abort();
    }
  }
  static xnn_status setup(const qnode& n) {
    switch (n.kind) {
      case op::conv:
      case op::linear:
        return xnn_setup_convolution2d_nhwc_qc8(n.handle, 1, n.h, n.w, n.in, n.out, nullptr);
      case op::max_pool:
        return xnn_setup_max_pooling2d_nhwc_s8(n.handle, 1, n.h, n.w, n.in, n.out, nullptr);
      case op::global_avg_pool:
        return xnn_setup_global_average_pooling_nwc_qs8(n.handle, 1, n.h * n.w, n.in, n.out, nullptr);
      case op::conv_transpose:
        break;
    }
    return xnn_status_invalid_parameter;
  }
  std::int8_t* new_buffer(std::size_t n) {
    buffers_.emplace_back(n + XNN_EXTRA_BYTES, std::int8_t{0});
    return buffers_.back().data();
  }
};

bool xnnpack_int8_runner::build(const workload& w) {
  static const xnn_status init = xnn_initialize(nullptr);
  const auto refused = [&](const char* what, xnn_status st) {
    std::fprintf(stderr, "xnnpack: %s failed for int8 workload %s: status %d\n", what, w.name.c_str(), static_cast<int>(st));
    return false;
  };
  if (init != xnn_status_success) return refused("xnn_initialize", init);
  int c = w.c, h = w.h, wd = w.w;
  const std::int8_t* in = new_buffer(static_cast<std::size_t>(c) * h * wd);
  for (const layer& L : w.layers) {
    qnode n;
    n.kind = L.kind;
    n.in = in;
    n.h = static_cast<std::size_t>(h), n.w = static_cast<std::size_t>(wd);
    const auto q8 = [](int v) { return static_cast<std::int8_t>(v); };
    const std::int8_t low = q8(L.relu ? std::max(-128, std::min(127, L.out.zero_point)) : -128);
    int oc = c, oh = h, ow = wd;
    xnn_status st = xnn_status_success;
    switch (L.kind) {
      case op::conv: {
        oc = L.out_channels;
        const int g = L.groups;
        oh = (h + L.pt + L.pb - L.kh) / L.sh + 1;
        ow = (wd + L.pl + L.pr - L.kw) / L.sw + 1;
        const std::size_t icg = static_cast<std::size_t>(c / g), ocg = static_cast<std::size_t>(oc / g);
        const std::size_t khw = static_cast<std::size_t>(L.kh) * L.kw;
        std::vector<std::int8_t> k(L.weight8.size());
        for (std::size_t gi = 0; gi < static_cast<std::size_t>(g); ++gi)
          for (std::size_t o = 0; o < ocg; ++o)
            for (std::size_t i = 0; i < icg; ++i)
              for (std::size_t t = 0; t < khw; ++t) k[((gi * ocg + o) * khw + t) * icg + i] = L.weight8[((gi * ocg + o) * icg + i) * khw + t];
        st = xnn_create_convolution2d_nhwc_qc8(
            static_cast<uint32_t>(L.pt), static_cast<uint32_t>(L.pr), static_cast<uint32_t>(L.pb), static_cast<uint32_t>(L.pl),
            static_cast<uint32_t>(L.kh), static_cast<uint32_t>(L.kw), static_cast<uint32_t>(L.sh), static_cast<uint32_t>(L.sw), 1, 1,
            static_cast<uint32_t>(g), icg, ocg, static_cast<std::size_t>(c), static_cast<std::size_t>(oc), q8(L.in.zero_point),
            L.in.scale, L.weight_scales.data(), k.data(), L.bias32.empty() ? nullptr : L.bias32.data(), q8(L.out.zero_point),
            L.out.scale, low, 127, 0, &n.handle);
        if (st != xnn_status_success) return refused("xnn_create_convolution2d_nhwc_qc8", st);
        break;
      }
      case op::linear: {
        oc = L.out_channels;
        oh = ow = 1;
        const std::size_t hw = static_cast<std::size_t>(h) * wd, cc = static_cast<std::size_t>(c), nin = cc * hw;
        std::vector<std::int8_t> k(L.weight8.size());  // PyTorch's channel-first columns to NHWC's order
        for (std::size_t o = 0; o < static_cast<std::size_t>(oc); ++o)
          for (std::size_t ci = 0; ci < cc; ++ci)
            for (std::size_t p = 0; p < hw; ++p) k[o * nin + p * cc + ci] = L.weight8[o * nin + ci * hw + p];
        st = xnn_create_convolution2d_nhwc_qc8(0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, nin, static_cast<std::size_t>(oc), nin,
                                               static_cast<std::size_t>(oc), q8(L.in.zero_point), L.in.scale,
                                               L.weight_scales.data(), k.data(), L.bias32.empty() ? nullptr : L.bias32.data(),
                                               q8(L.out.zero_point), L.out.scale, low, 127, 0, &n.handle);
        if (st != xnn_status_success) return refused("xnn_create_convolution2d_nhwc_qc8 (linear)", st);
        n.h = n.w = 1;
        break;
      }
      case op::max_pool: {
        oh = (h + L.pt + L.pb - L.kh) / L.sh + 1;
        ow = (wd + L.pl + L.pr - L.kw) / L.sw + 1;
        st = xnn_create_max_pooling2d_nhwc_s8(static_cast<uint32_t>(L.pt), static_cast<uint32_t>(L.pr), static_cast<uint32_t>(L.pb),
                                              static_cast<uint32_t>(L.pl), static_cast<uint32_t>(L.kh), static_cast<uint32_t>(L.kw),
                                              static_cast<uint32_t>(L.sh), static_cast<uint32_t>(L.sw), 1, 1, static_cast<std::size_t>(c),
                                              static_cast<std::size_t>(c), static_cast<std::size_t>(c), -128, 127, 0, &n.handle);
        if (st != xnn_status_success) return refused("xnn_create_max_pooling2d_nhwc_s8", st);
        break;
      }
      case op::global_avg_pool: {
        oh = ow = 1;
        st = xnn_create_global_average_pooling_nwc_qs8(static_cast<std::size_t>(c), static_cast<std::size_t>(c),
                                                       static_cast<std::size_t>(c), q8(L.in.zero_point), L.in.scale,
                                                       q8(L.out.zero_point), L.out.scale, -128, 127, 0, &n.handle);
        if (st != xnn_status_success) return refused("xnn_create_global_average_pooling_nwc_qs8", st);
        break;
      }
      case op::conv_transpose:
        std::fprintf(stderr, "xnnpack: no per-channel int8 transposed convolution (workload %s)\n", w.name.c_str());
        return false;
    }
    nodes_.push_back(n);
    c = oc, h = oh, wd = ow;
    nodes_.back().out = new_buffer(static_cast<std::size_t>(c) * h * wd);
    in = nodes_.back().out;
  }
  for (const qnode& n : nodes_) {
    const xnn_status st = setup(n);
    if (st != xnn_status_success) return refused("setup", st);
  }
  return true;
}

}  // namespace

std::unique_ptr<runner_int8> make_xnnpack_int8(const workload& w) {
  auto r = std::make_unique<xnnpack_int8_runner>();
  if (!r->build(w)) return nullptr;
  return r;
}

std::unique_ptr<runner> make_xnnpack(const workload& w) {
  auto r = std::make_unique<xnnpack_runner>();
  if (!r->build(w)) return nullptr;
  return r;
}

}  // namespace bench
