// bench/peer_dnnl.cpp: the oneDNN (2.x C++ API, tested with Debian's 2.6) peer of the benchmark.
//
// For a workload, the runner creates once: a CPU engine and stream, one forward_inference primitive per
// layer with format_tag::any for weights and activations where oneDNN allows it (so it picks its own blocked
// layouts), ReLU fused as an eltwise post-op, the weights reordered to each primitive's layout, and the
// reorders between layers where the layouts chosen by neighbouring primitives differ. run() binds the
// caller's NHWC buffers (a pointer change only), reorders the input into the first primitive's layout when
// it is not NHWC already (measured work, as it would be in an application holding NHWC data), executes the
// primitives in order and reorders the result back to NHWC. run_in_own_layouts() runs the primitives alone,
// without those two conversions (intermediate reorders, where neighbours' layouts differ, stay): the
// benchmark times it beside run() as "oneDNN without reorders", the peer's computation in its own layouts.
//
// Convolutions use algorithm::convolution_direct (not convolution_auto): the direct implementations are
// oneDNN's default choice for these shapes anyway, and "direct" keeps the comparison deterministic.
//
// run() does not allocate on our side: the primitives are executed through the C API with argument arrays
// built at creation (the C++ execute() copies its std::unordered_map into a std::vector on every call), and
// every primitive uses a user-provided scratchpad carved from one buffer allocated at creation.
#include "graph_file.hpp"
#include "peers.hpp"

#include <dnnl.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <fstream>
#include <iterator>
#include <sstream>
#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace bench {
namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

struct step {
  dnnl::primitive prim;
  std::vector<dnnl_exec_arg_t> args;
  memory::desc scratchpad;  // zero desc when the primitive needs none
  bool converts_layout = false;  // the caller's input into oneDNN's layout, or the result back to NHWC
};

// Primitives run one after the other on one engine and stream, every memory their arguments name kept
// alive, and one user scratchpad shared by all of them (they never run at the same time).
class chain {
 protected:
  chain() : eng_(dnnl::engine::kind::cpu, 0), strm_(eng_) {}

  memory keep(memory m) {
    keep_.push_back(m);
    return m;
  }

  void add_step(dnnl::primitive p, std::vector<std::pair<int, memory>> args, const memory::desc& scratchpad) {
    step s;
    s.prim = std::move(p);
    for (auto& [k, m] : args) s.args.push_back(dnnl_exec_arg_t{k, m.get()});
    s.scratchpad = scratchpad;
    steps_.push_back(std::move(s));
  }

  // The activation `cur` (layout cur_md) in layout `want`: itself, or a new memory filled by a reorder step.
  memory reordered_to(memory& cur, memory::desc& cur_md, const memory::desc& want) {
    if (cur_md == want) return cur;
    memory dst = keep(memory(want, eng_));
    dnnl::primitive_attr a;
    a.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    dnnl::reorder::primitive_desc pd(eng_, cur_md, eng_, want, a);
    add_step(dnnl::reorder(pd), {{DNNL_ARG_FROM, cur}, {DNNL_ARG_TO, dst}}, pd.scratchpad_desc());
    steps_.back().converts_layout = cur.get() == input_;
    cur = dst;
    cur_md = want;
    return dst;
  }
  // The memory bound to the caller's input in run(), of layout md.
  memory input_memory(const memory::desc& md) {
    in_mem_ = memory(md, eng_, DNNL_MEMORY_NONE);
    input_ = in_mem_.get();
    return in_mem_;
  }
  // After the last step: its result `cur` (layout cur_md) goes to the caller's buffer in layout out_md, the
  // last primitive writing there itself where its layout is that, else through a reorder; then the
  // scratchpad.
  void finish(const memory& cur, const memory::desc& cur_md, const memory::desc& out_md) {
    out_mem_ = memory(out_md, eng_, DNNL_MEMORY_NONE);
    if (cur_md == out_md && !steps_.empty()) {
      for (dnnl_exec_arg_t& a : steps_.back().args)
        if (a.arg == DNNL_ARG_DST) a.memory = out_mem_.get();
    } else {
      dnnl::primitive_attr a;
      a.set_scratchpad_mode(dnnl::scratchpad_mode::user);
      dnnl::reorder::primitive_desc pd(eng_, cur_md, eng_, out_md, a);
      add_step(dnnl::reorder(pd), {{DNNL_ARG_FROM, cur}, {DNNL_ARG_TO, out_mem_}}, pd.scratchpad_desc());
      steps_.back().converts_layout = true;
    }
    share_scratchpad();
  }
  // Constant data (user layout user_md) copied once into a new memory of layout `want`.
  memory reordered_copy(const memory::desc& user_md, const void* src, const memory::desc& want) {
    memory user(user_md, eng_, const_cast<void*>(src));  // read only
    memory dst = keep(memory(want, eng_));
    dnnl::reorder(user, dst).execute(strm_, user, dst);
    strm_.wait();
    return dst;
  }

  // run(): the caller's buffers bound (a pointer change only), every step.
  void run_on(const void* input, void* output) {
    if (input != bound_in_) {
      in_mem_.set_data_handle(const_cast<void*>(input));  // read only: it is only ever a source
      bound_in_ = input;
    }
    if (output != bound_out_) {
      out_mem_.set_data_handle(output);
      bound_out_ = output;
    }
    execute_steps();
  }

  // After the last step: one scratchpad buffer, large enough for every primitive.
  void share_scratchpad() {
    std::size_t sp = 0;
    for (const step& s : steps_) sp = std::max(sp, s.scratchpad.get_size());
    if (sp == 0) return;
    scratch_ = memory(memory::desc(memory::dims{static_cast<memory::dim>(sp)}, dt::u8, tag::x), eng_);
    for (step& s : steps_)
      if (s.scratchpad.get_size() > 0) {
        memory m = keep(memory(s.scratchpad, eng_, scratch_.get_data_handle()));
        s.args.push_back(dnnl_exec_arg_t{DNNL_ARG_SCRATCHPAD, m.get()});
      }
  }

  bool converts() const {
    for (const step& s : steps_)
      if (s.converts_layout) return true;
    return false;
  }

  // Every step, or (own_layouts_only) those that are not the conversions of the input and the output.
  void execute_steps(bool own_layouts_only = false) {
    for (const step& s : steps_) {
      if (own_layouts_only && s.converts_layout) continue;
      const dnnl_status_t st =
          dnnl_primitive_execute(s.prim.get(), strm_.get(), static_cast<int>(s.args.size()), s.args.data());
      if (st != dnnl_success) {
        std::fprintf(stderr, "dnnl: primitive execution failed (status %d)\n", static_cast<int>(st));
        std::terminate();
      }
    }
    dnnl_stream_wait(strm_.get());
  }

  dnnl::engine eng_;
  dnnl::stream strm_;
  std::vector<memory> keep_;  // weights, biases, intermediate activations: kept alive for the arguments
  std::vector<step> steps_;
  memory scratch_;
  memory in_mem_, out_mem_;  // bound to the caller's buffers in run_on()
  dnnl_memory_t input_ = nullptr;
  const void* bound_in_ = nullptr;
  void* bound_out_ = nullptr;
};

// An fp32 peer whose run() is its chain's steps.
class float_chain : public runner, protected chain {
 public:
  void run(const float* input, float* output) override { run_on(input, output); }
  bool converts_layouts() const override { return converts(); }
  void run_in_own_layouts() override { execute_steps(true); }
};

class dnnl_runner final : public float_chain {
 public:
  // Builds everything; throws std::runtime_error / dnnl::error when the workload cannot be run.
  explicit dnnl_runner(const workload& w) { build(w); }

 private:
  // The activation flowing between layers.
  struct tensor {
    memory mem;
    memory::desc md;
    int c = 0, h = 0, w = 0;
    bool spatial = true;  // 4D {1, c, h, w}; false: 2D {1, c} (after a linear layer)
  };

  static memory::dims dims(std::initializer_list<int> v) {
    memory::dims d;
    for (int x : v) d.push_back(x);
    return d;
  }

  static dnnl::primitive_attr attr(bool relu) {
    dnnl::primitive_attr a;
    if (relu) {
      dnnl::post_ops po;
      po.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
      a.set_post_ops(po);
    }
    a.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    return a;
  }

  // The current activation in layout `want`: itself, or a new memory filled by a reorder step.
  memory ensure(tensor& cur, const memory::desc& want) { return reordered_to(cur.mem, cur.md, want); }

  static void fail(const std::string& what) { throw std::runtime_error(what); }

  void build(const workload& w) {
    if (w.layers.empty()) fail("empty workload");
    tensor cur;
    cur.md = memory::desc(dims({1, w.c, w.h, w.w}), dt::f32, tag::nhwc);
    cur.mem = input_memory(cur.md);
    cur.c = w.c, cur.h = w.h, cur.w = w.w;

    const auto fwd = dnnl::prop_kind::forward_inference;
    for (const layer& L : w.layers) {
      const bool has_bias = !L.bias.empty();
      if (has_bias && static_cast<int>(L.bias.size()) != L.out_channels) fail("bias size");
      if (L.kind != op::linear && !cur.spatial) fail("spatial layer after a linear layer");
      switch (L.kind) {
        case op::conv:
        case op::conv_transpose: {
          const bool tr = L.kind == op::conv_transpose;
          const int g = L.groups, ic = cur.c, oc = L.out_channels;
          if (g < 1 || ic % g || oc % g) fail("bad groups");
          const int oh = tr ? (cur.h - 1) * L.sh - L.pt - L.pb + L.kh : (cur.h + L.pt + L.pb - L.kh) / L.sh + 1;
          const int ow = tr ? (cur.w - 1) * L.sw - L.pl - L.pr + L.kw : (cur.w + L.pl + L.pr - L.kw) / L.sw + 1;
          if (oh < 1 || ow < 1) fail("empty output");
          const std::size_t khw = static_cast<std::size_t>(L.kh) * L.kw;
          const std::size_t icg = static_cast<std::size_t>(ic / g), ocg = static_cast<std::size_t>(oc / g);
          if (L.weight.size() != static_cast<std::size_t>(g) * icg * ocg * khw) fail("weight size");

          // oneDNN's logical weights are (g)oihw for both; PyTorch's transposed-conv weights are
          // [g][C_in/g][C_out/g][kh][kw]: swap the two channel dims (no kernel flip: oneDNN's deconvolution
          // is the adjoint of its convolution, as ConvTranspose2d is of Conv2d).
          std::vector<float> wt;
          const float* wsrc = L.weight.data();
          if (tr) {
            wt.resize(L.weight.size());
            for (std::size_t gi = 0; gi < static_cast<std::size_t>(g); ++gi)
              for (std::size_t i = 0; i < icg; ++i)
                for (std::size_t o = 0; o < ocg; ++o)
                  std::copy_n(L.weight.data() + ((gi * icg + i) * ocg + o) * khw, khw,
                              wt.data() + ((gi * ocg + o) * icg + i) * khw);
            wsrc = wt.data();
          }
          const memory::dims wdims = g > 1 ? dims({g, oc / g, ic / g, L.kh, L.kw}) : dims({oc, ic, L.kh, L.kw});
          const memory::desc src_any(dims({1, ic, cur.h, cur.w}), dt::f32, tag::any);
          const memory::desc wei_any(wdims, dt::f32, tag::any);
          const memory::desc bias_md = has_bias ? memory::desc(dims({oc}), dt::f32, tag::x) : memory::desc();
          const memory::desc dst_any(dims({1, oc, oh, ow}), dt::f32, tag::any);
          const memory::dims strides = dims({L.sh, L.sw}), pad_l = dims({L.pt, L.pl}), pad_r = dims({L.pb, L.pr});
          const dnnl::primitive_attr a = attr(L.relu);

          dnnl::primitive prim;
          memory::desc src_md, wei_md, b_md, dst_md, sp_md;
          if (tr) {
            dnnl::deconvolution_forward::desc d(fwd, dnnl::algorithm::deconvolution_direct, src_any, wei_any,
                                                bias_md, dst_any, strides, pad_l, pad_r);
            dnnl::deconvolution_forward::primitive_desc pd(d, a, eng_);
            prim = dnnl::deconvolution_forward(pd);
            src_md = pd.src_desc(), wei_md = pd.weights_desc(), b_md = pd.bias_desc(), dst_md = pd.dst_desc();
            sp_md = pd.scratchpad_desc();
          } else {
            dnnl::convolution_forward::desc d(fwd, dnnl::algorithm::convolution_direct, src_any, wei_any, bias_md,
                                              dst_any, strides, pad_l, pad_r);
            dnnl::convolution_forward::primitive_desc pd(d, a, eng_);
            prim = dnnl::convolution_forward(pd);
            src_md = pd.src_desc(), wei_md = pd.weights_desc(), b_md = pd.bias_desc(), dst_md = pd.dst_desc();
            sp_md = pd.scratchpad_desc();
          }
          memory src = ensure(cur, src_md);
          memory wei = reordered_copy(memory::desc(wdims, dt::f32, g > 1 ? tag::goihw : tag::oihw), wsrc, wei_md);
          memory dst = keep(memory(dst_md, eng_));
          std::vector<std::pair<int, memory>> args{{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, wei}, {DNNL_ARG_DST, dst}};
          if (has_bias) args.emplace_back(DNNL_ARG_BIAS, reordered_copy(bias_md, L.bias.data(), b_md));
          add_step(prim, std::move(args), sp_md);
          cur.mem = dst, cur.md = dst_md, cur.c = oc, cur.h = oh, cur.w = ow;
          break;
        }
        case op::max_pool:
        case op::global_avg_pool: {
          const bool gap = L.kind == op::global_avg_pool;
          const int kh = gap ? cur.h : L.kh, kw = gap ? cur.w : L.kw;
          const int sh = gap ? 1 : L.sh, sw = gap ? 1 : L.sw;
          const int pt = gap ? 0 : L.pt, pl = gap ? 0 : L.pl, pb = gap ? 0 : L.pb, pr = gap ? 0 : L.pr;
          const int oh = (cur.h + pt + pb - kh) / sh + 1, ow = (cur.w + pl + pr - kw) / sw + 1;
          if (oh < 1 || ow < 1) fail("empty output");
          // Pooling takes a defined source layout (no "any"): the previous primitive's.
          const memory::desc dst_any(dims({1, cur.c, oh, ow}), dt::f32, tag::any);
          dnnl::pooling_forward::desc d(fwd, gap ? dnnl::algorithm::pooling_avg_exclude_padding
                                                 : dnnl::algorithm::pooling_max,
                                        cur.md, dst_any, dims({sh, sw}), dims({kh, kw}), dims({pt, pl}),
                                        dims({pb, pr}));
          dnnl::pooling_forward::primitive_desc pd(d, attr(L.relu), eng_);
          memory src = ensure(cur, pd.src_desc());
          memory dst = keep(memory(pd.dst_desc(), eng_));
          add_step(dnnl::pooling_forward(pd), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}}, pd.scratchpad_desc());
          cur.mem = dst, cur.md = pd.dst_desc(), cur.h = oh, cur.w = ow;
          break;
        }
        case op::linear: {
          const int oc = L.out_channels;
          const std::size_t in = static_cast<std::size_t>(cur.c) * cur.h * cur.w;
          if (L.weight.size() != in * static_cast<std::size_t>(oc)) fail("weight size");
          // After a spatial tensor: 4D weights {out, C, H, W} in oihw order = PyTorch's channel-first flatten.
          const memory::dims sdims = cur.spatial ? dims({1, cur.c, cur.h, cur.w}) : dims({1, cur.c});
          const memory::dims wdims = cur.spatial ? dims({oc, cur.c, cur.h, cur.w}) : dims({oc, cur.c});
          const memory::desc bias_md = has_bias ? memory::desc(dims({oc}), dt::f32, tag::x) : memory::desc();
          dnnl::inner_product_forward::desc d(fwd, memory::desc(sdims, dt::f32, tag::any),
                                              memory::desc(wdims, dt::f32, tag::any), bias_md,
                                              memory::desc(dims({1, oc}), dt::f32, tag::any));
          dnnl::inner_product_forward::primitive_desc pd(d, attr(L.relu), eng_);
          memory src = ensure(cur, pd.src_desc());
          memory wei = reordered_copy(memory::desc(wdims, dt::f32, cur.spatial ? tag::oihw : tag::oi), L.weight.data(),
                                      pd.weights_desc());
          memory dst = keep(memory(pd.dst_desc(), eng_));
          std::vector<std::pair<int, memory>> args{{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, wei}, {DNNL_ARG_DST, dst}};
          if (has_bias) args.emplace_back(DNNL_ARG_BIAS, reordered_copy(bias_md, L.bias.data(), pd.bias_desc()));
          add_step(dnnl::inner_product_forward(pd), std::move(args), pd.scratchpad_desc());
          cur.mem = dst, cur.md = pd.dst_desc(), cur.c = oc, cur.h = 1, cur.w = 1, cur.spatial = false;
          break;
        }
      }
    }

    if (cur.c != w.out_c || cur.h != w.out_h || cur.w != w.out_w) fail("output shape differs from the workload's");
    const memory::desc out_md = cur.spatial ? memory::desc(dims({1, cur.c, cur.h, cur.w}), dt::f32, tag::nhwc)
                                            : memory::desc(dims({1, cur.c}), dt::f32, tag::nc);
    finish(cur.mem, cur.md, out_md);
  }
};


// ---- int8: s8 / u8 activations, s8 weights, s32 biases, per-channel output scales ---------------------
// oneDNN 2.x's int8 primitives compute dst = saturate(round(scale[oc] (acc + bias))) with no zero points
// in this set-up: a tensor quantized with zero point 0 is s8, one with ctnn's -128 (unsigned 0, the output
// of a ReLU) is u8 with the same bytes + 128. Other zero points are refused.
class dnnl_int8_runner final : public runner_int8, private chain {
 public:
  explicit dnnl_int8_runner(const workload& w) { build(w); }

  void run(const std::int8_t* input_nhwc, std::int8_t* output_nhwc) override { run_on(input_nhwc, output_nhwc); }
  bool unsigned_output() const override { return unsigned_output_; }
  bool converts_layouts() const override { return converts(); }
  void run_in_own_layouts() override { execute_steps(true); }

 private:
  bool unsigned_output_ = false;

  static memory::dims dims(std::initializer_list<int> v) { return memory::dims(v.begin(), v.end()); }
  static dt type_of(const quantization& q) {
    if (q.zero_point == 0) return dt::s8;
    if (q.zero_point == -128) return dt::u8;
    throw std::runtime_error("zero point " + std::to_string(q.zero_point) + " (only 0 and -128 map to s8 / u8)");
  }
  // dst = scale[oc] (acc + bias): s_in s_w[oc] / s_out.
  static dnnl::primitive_attr scaled(const layer& L) {
    std::vector<float> scales(L.weight_scales.size());
    for (std::size_t i = 0; i < scales.size(); ++i) scales[i] = L.in.scale * L.weight_scales[i] / L.out.scale;
    dnnl::primitive_attr a;
    a.set_output_scales(1 << 1, scales);
    a.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    return a;
  }

  void build(const workload& w) {
    const auto fwd = dnnl::prop_kind::forward_inference;
    if (w.layers.empty()) throw std::runtime_error("empty workload");
    memory::desc cur_md(dims({1, w.c, w.h, w.w}), type_of(w.layers.front().in), tag::nhwc);
    memory cur = input_memory(cur_md);
    int c = w.c, h = w.h, wd = w.w;
    bool spatial = true;
    for (const layer& L : w.layers) {
      const dt out_type = type_of(L.out);
      const bool has_bias = !L.bias32.empty();
      switch (L.kind) {
        case op::conv: {
          const int g = L.groups, oc = L.out_channels;
          const int oh = (h + L.pt + L.pb - L.kh) / L.sh + 1, ow = (wd + L.pl + L.pr - L.kw) / L.sw + 1;
          const memory::dims wdims = g > 1 ? dims({g, oc / g, c / g, L.kh, L.kw}) : dims({oc, c, L.kh, L.kw});
          const memory::desc bias_md = has_bias ? memory::desc(dims({oc}), dt::s32, tag::x) : memory::desc();
          dnnl::convolution_forward::desc d(fwd, dnnl::algorithm::convolution_direct,
                                            memory::desc(dims({1, c, h, wd}), cur_md.data_type(), tag::any),
                                            memory::desc(wdims, dt::s8, tag::any), bias_md,
                                            memory::desc(dims({1, oc, oh, ow}), out_type, tag::any), dims({L.sh, L.sw}),
                                            dims({L.pt, L.pl}), dims({L.pb, L.pr}));
          dnnl::convolution_forward::primitive_desc pd(d, scaled(L), eng_);
          memory src = reordered_to(cur, cur_md, pd.src_desc());
          memory wei = reordered_copy(memory::desc(wdims, dt::s8, g > 1 ? tag::goihw : tag::oihw), L.weight8.data(), pd.weights_desc());
          memory dst = keep(memory(pd.dst_desc(), eng_));
          std::vector<std::pair<int, memory>> args{{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, wei}, {DNNL_ARG_DST, dst}};
          if (has_bias) args.emplace_back(DNNL_ARG_BIAS, reordered_copy(bias_md, L.bias32.data(), pd.bias_desc()));
          add_step(dnnl::convolution_forward(pd), std::move(args), pd.scratchpad_desc());
          cur = dst, cur_md = pd.dst_desc(), c = oc, h = oh, wd = ow;
          break;
        }
        case op::max_pool:
        case op::global_avg_pool: {
          const bool gap = L.kind == op::global_avg_pool;
          const int kh = gap ? h : L.kh, kw = gap ? wd : L.kw, sh = gap ? 1 : L.sh, sw = gap ? 1 : L.sw;
          const int oh = (h - kh) / sh + 1, ow = (wd - kw) / sw + 1;
          dnnl::pooling_forward::desc d(fwd, gap ? dnnl::algorithm::pooling_avg_exclude_padding : dnnl::algorithm::pooling_max,
                                        cur_md, memory::desc(dims({1, c, oh, ow}), cur_md.data_type(), tag::any), dims({sh, sw}),
                                        dims({kh, kw}), dims({0, 0}), dims({0, 0}));
          dnnl::primitive_attr a;
          a.set_scratchpad_mode(dnnl::scratchpad_mode::user);
          dnnl::pooling_forward::primitive_desc pd(d, a, eng_);
          memory dst = keep(memory(pd.dst_desc(), eng_));
          add_step(dnnl::pooling_forward(pd), {{DNNL_ARG_SRC, cur}, {DNNL_ARG_DST, dst}}, pd.scratchpad_desc());
          cur = dst, cur_md = pd.dst_desc(), h = oh, wd = ow;
          break;
        }
        case op::linear: {
          const int oc = L.out_channels;
          const memory::dims sdims = spatial ? dims({1, c, h, wd}) : dims({1, c});
          const memory::dims wdims = spatial ? dims({oc, c, h, wd}) : dims({oc, c});
          const memory::desc bias_md = has_bias ? memory::desc(dims({oc}), dt::s32, tag::x) : memory::desc();
          dnnl::inner_product_forward::desc d(fwd, memory::desc(sdims, cur_md.data_type(), tag::any),
                                              memory::desc(wdims, dt::s8, tag::any), bias_md,
                                              memory::desc(dims({1, oc}), out_type, tag::any));
          dnnl::inner_product_forward::primitive_desc pd(d, scaled(L), eng_);
          memory src = reordered_to(cur, cur_md, pd.src_desc());
          memory wei = reordered_copy(memory::desc(wdims, dt::s8, spatial ? tag::oihw : tag::oi), L.weight8.data(), pd.weights_desc());
          memory dst = keep(memory(pd.dst_desc(), eng_));
          std::vector<std::pair<int, memory>> args{{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, wei}, {DNNL_ARG_DST, dst}};
          if (has_bias) args.emplace_back(DNNL_ARG_BIAS, reordered_copy(bias_md, L.bias32.data(), pd.bias_desc()));
          add_step(dnnl::inner_product_forward(pd), std::move(args), pd.scratchpad_desc());
          cur = dst, cur_md = pd.dst_desc(), c = oc, h = wd = 1, spatial = false;
          break;
        }
        case op::conv_transpose: {
          if (L.groups != 1) throw std::runtime_error("grouped int8 transposed convolution");
          const int oc = L.out_channels;
          const int oh = (h - 1) * L.sh - L.pt - L.pb + L.kh, ow = (wd - 1) * L.sw - L.pl - L.pr + L.kw;
          const memory::desc bias_md = has_bias ? memory::desc(dims({oc}), dt::s32, tag::x) : memory::desc();
          const memory::dims wdims = dims({oc, c, L.kh, L.kw});
          dnnl::deconvolution_forward::desc d(fwd, dnnl::algorithm::deconvolution_direct,
                                              memory::desc(dims({1, c, h, wd}), cur_md.data_type(), tag::any),
                                              memory::desc(wdims, dt::s8, tag::any), bias_md,
                                              memory::desc(dims({1, oc, oh, ow}), out_type, tag::any), dims({L.sh, L.sw}),
                                              dims({L.pt, L.pl}), dims({L.pb, L.pr}));
          dnnl::deconvolution_forward::primitive_desc pd(d, scaled(L), eng_);
          memory src = reordered_to(cur, cur_md, pd.src_desc());
          // PyTorch's [C_in][C_out][kh][kw] is oneDNN's o and i swapped: iohw.
          memory wei = reordered_copy(memory::desc(wdims, dt::s8, tag::iohw), L.weight8.data(), pd.weights_desc());
          memory dst = keep(memory(pd.dst_desc(), eng_));
          std::vector<std::pair<int, memory>> args{{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, wei}, {DNNL_ARG_DST, dst}};
          if (has_bias) args.emplace_back(DNNL_ARG_BIAS, reordered_copy(bias_md, L.bias32.data(), pd.bias_desc()));
          add_step(dnnl::deconvolution_forward(pd), std::move(args), pd.scratchpad_desc());
          cur = dst, cur_md = pd.dst_desc(), c = oc, h = oh, wd = ow;
          break;
        }
      }
    }
    const memory::desc out_md = spatial ? memory::desc(dims({1, c, h, wd}), cur_md.data_type(), tag::nhwc)
                                        : memory::desc(dims({1, c}), cur_md.data_type(), tag::nc);
    unsigned_output_ = cur_md.data_type() == dt::u8;
    finish(cur, cur_md, out_md);
  }
};

// ---- whole networks: the chain bench/export_torchscript.py writes ------------------------------------
// <stem>.graph.txt (bench/graph_file.hpp reads and checks it) and <stem>.folded.bin, the convolutions' and
// linear layers' weights and biases in that order. Each line is
// one primitive on `format_tag::any` layouts; a residual add is oneDNN's sum post-op, the convolution writing
// over the shortcut's tensor (which the exporter checks nothing reads afterwards), then the activation as an
// eltwise post-op. The input is NCHW (3 x 224 x 224), the output the logits, as the libtorch peer's.
class dnnl_graph_runner final : public float_chain {
 public:
  explicit dnnl_graph_runner(const std::string& stem) { build(stem); }

 private:
  struct tensor {
    memory mem;
    memory::desc md;
  };
  std::vector<float> folded_;
  std::size_t taken_ = 0;

  static memory::dims dims(std::initializer_list<int> v) { return memory::dims(v.begin(), v.end()); }
  // The next n floats of the folded weights.
  const float* take(std::size_t n) {
    if (taken_ + n > folded_.size()) throw std::runtime_error("the folded weights end before the graph's last layer");
    taken_ += n;
    return folded_.data() + taken_ - n;
  }
  static dnnl::primitive_attr user_scratchpad(const dnnl::post_ops& po = {}) {
    dnnl::primitive_attr a;
    a.set_post_ops(po);
    a.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    return a;
  }

  void build(const std::string& stem) {
    {
      std::ifstream in(stem + ".folded.bin", std::ios::binary);
      if (!in) throw std::runtime_error("no " + stem + ".folded.bin");
      const std::vector<char> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
      folded_.resize(bytes.size() / sizeof(float));
      std::memcpy(folded_.data(), bytes.data(), folded_.size() * sizeof(float));
    }
    std::ifstream graph(stem + ".graph.txt");
    if (!graph) throw std::runtime_error("no " + stem + ".graph.txt");
    const std::vector<graph_op> ops = read_graph(graph, stem + ".graph.txt", {3, 224, 224});
    const auto fwd = dnnl::prop_kind::forward_inference;
    std::vector<tensor> t(1);
    t[0].md = memory::desc(dims({1, 3, 224, 224}), dt::f32, tag::nchw);
    t[0].mem = input_memory(t[0].md);
    for (const graph_op& op : ops) {
      tensor& x = t[static_cast<std::size_t>(op.src)];
      const graph_shape& xs = op.in;
      tensor y;
      if (op.what == graph_op::kind::conv) {
        const int oc = op.out_channels, g = op.groups;
        dnnl::post_ops po;
        if (op.add >= 0) po.append_sum(1.f);
        if (op.activation == "relu") po.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
        if (op.activation == "relu6") po.append_eltwise(1.f, dnnl::algorithm::eltwise_clip, 0.f, 6.f);
        const memory::dims wdims = g > 1 ? dims({g, oc / g, xs.c / g, op.kh, op.kw}) : dims({oc, xs.c, op.kh, op.kw});
        const memory::desc dst_md = op.add >= 0 ? t[static_cast<std::size_t>(op.add)].md
                                                : memory::desc(dims({1, oc, op.out.h, op.out.w}), dt::f32, tag::any);
        dnnl::convolution_forward::desc d(fwd, dnnl::algorithm::convolution_direct,
                                          memory::desc(dims({1, xs.c, xs.h, xs.w}), dt::f32, tag::any),
                                          memory::desc(wdims, dt::f32, tag::any), memory::desc(dims({oc}), dt::f32, tag::x),
                                          dst_md, dims({op.sh, op.sw}), dims({op.pt, op.pl}), dims({op.pb, op.pr}));
        dnnl::convolution_forward::primitive_desc pd(d, user_scratchpad(po), eng_);
        memory in = reordered_to(x.mem, x.md, pd.src_desc());
        const float* w = take(static_cast<std::size_t>(oc) * (xs.c / g) * op.kh * op.kw);
        memory wei = reordered_copy(memory::desc(wdims, dt::f32, g > 1 ? tag::goihw : tag::oihw), w, pd.weights_desc());
        memory b = reordered_copy(memory::desc(dims({oc}), dt::f32, tag::x), take(static_cast<std::size_t>(oc)), pd.bias_desc());
        y.md = pd.dst_desc();
        y.mem = op.add >= 0 ? t[static_cast<std::size_t>(op.add)].mem : keep(memory(y.md, eng_));
        add_step(dnnl::convolution_forward(pd), {{DNNL_ARG_SRC, in}, {DNNL_ARG_WEIGHTS, wei}, {DNNL_ARG_BIAS, b}, {DNNL_ARG_DST, y.mem}},
                 pd.scratchpad_desc());
      } else if (op.what == graph_op::kind::maxpool || op.what == graph_op::kind::avgpool) {
        const bool global = op.what == graph_op::kind::avgpool;
        dnnl::pooling_forward::desc d(fwd, global ? dnnl::algorithm::pooling_avg_exclude_padding : dnnl::algorithm::pooling_max,
                                      x.md, memory::desc(dims({1, op.out.c, op.out.h, op.out.w}), dt::f32, tag::any),
                                      dims({op.sh, op.sw}), dims({op.kh, op.kw}), dims({op.pt, op.pl}), dims({op.pb, op.pr}));
        dnnl::pooling_forward::primitive_desc pd(d, user_scratchpad(), eng_);
        y.md = pd.dst_desc();
        y.mem = keep(memory(y.md, eng_));
        add_step(dnnl::pooling_forward(pd), {{DNNL_ARG_SRC, x.mem}, {DNNL_ARG_DST, y.mem}}, pd.scratchpad_desc());
      } else {
        const int oc = op.out_channels;
        const memory::dims wdims = dims({oc, xs.c, xs.h, xs.w});
        dnnl::inner_product_forward::desc d(fwd, memory::desc(dims({1, xs.c, xs.h, xs.w}), dt::f32, tag::any),
                                            memory::desc(wdims, dt::f32, tag::any), memory::desc(dims({oc}), dt::f32, tag::x),
                                            memory::desc(dims({1, oc}), dt::f32, tag::any));
        dnnl::inner_product_forward::primitive_desc pd(d, user_scratchpad(), eng_);
        memory in = reordered_to(x.mem, x.md, pd.src_desc());
        const float* w = take(static_cast<std::size_t>(oc) * xs.c * xs.h * xs.w);
        memory wei = reordered_copy(memory::desc(wdims, dt::f32, tag::oihw), w, pd.weights_desc());
        memory b = reordered_copy(memory::desc(dims({oc}), dt::f32, tag::x), take(static_cast<std::size_t>(oc)), pd.bias_desc());
        y.md = pd.dst_desc();
        y.mem = keep(memory(y.md, eng_));
        add_step(dnnl::inner_product_forward(pd), {{DNNL_ARG_SRC, in}, {DNNL_ARG_WEIGHTS, wei}, {DNNL_ARG_BIAS, b}, {DNNL_ARG_DST, y.mem}},
                 pd.scratchpad_desc());
      }
      t.push_back(y);
    }
    if (taken_ != folded_.size()) throw std::runtime_error(stem + ".folded.bin holds more weights than the graph reads");
    const tensor& last = t.back();
    if (ops.empty() || ops.back().out.c != 1000 || ops.back().out.h != 1 || ops.back().out.w != 1)
      throw std::runtime_error("the graph does not end in 1000 logits");
    finish(last.mem, last.md, memory::desc(dims({1, 1000}), dt::f32, tag::nc));
  }
};

}  // namespace

const bool dnnl_built = true;

std::unique_ptr<runner> make_dnnl_graph(const std::string& stem) {
  try {
    return std::make_unique<dnnl_graph_runner>(stem);
  } catch (const dnnl::error& e) {
    std::fprintf(stderr, "dnnl: cannot run %s: %s (status %d)\n", stem.c_str(), e.what(), static_cast<int>(e.status));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dnnl: cannot run %s: %s\n", stem.c_str(), e.what());
  }
  return nullptr;
}

std::unique_ptr<runner_int8> make_dnnl_int8(const workload& w) {
  try {
    return std::make_unique<dnnl_int8_runner>(w);
  } catch (const dnnl::error& e) {
    std::fprintf(stderr, "dnnl: cannot run int8 workload %s: %s (status %d)\n", w.name.c_str(), e.what(), static_cast<int>(e.status));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dnnl: cannot run int8 workload %s: %s\n", w.name.c_str(), e.what());
  }
  return nullptr;
}

std::unique_ptr<runner> make_dnnl(const workload& w) {
  try {
    return std::make_unique<dnnl_runner>(w);
  } catch (const dnnl::error& e) {
    std::fprintf(stderr, "dnnl: cannot run workload %s: %s (status %d)\n", w.name.c_str(), e.what(),
                 static_cast<int>(e.status));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dnnl: cannot run workload %s: %s\n", w.name.c_str(), e.what());
  }
  return nullptr;
}

}  // namespace bench
