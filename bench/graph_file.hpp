// bench/graph_file.hpp: the whole-network graph bench/export_torchscript.py writes (<stem>.graph.txt), read
// and checked before bench/peer_dnnl.cpp builds oneDNN primitives from it, so that a bad file stops with
// its line and what is wrong there, never a crash or a primitive on nonsense (tests/fuzz/graph_fuzz.cpp).
//
// One operation per line; tensor 0 is the input, tensor i line i's output:
//   conv SRC OUT KH KW SH SW PT PL PB PR GROUPS ADD ACT   batch norm folded; ADD: the tensor added before the
//                                                         activation ACT (none, relu, relu6), or -1
//   maxpool SRC K S P      avgpool SRC (global)      linear SRC OUT
#pragma once

#include <cstdint>
#include <istream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace bench {

struct graph_shape {
  int c = 0, h = 0, w = 0;
};

struct graph_op {
  enum class kind { conv, maxpool, avgpool, linear } what = kind::conv;
  int src = 0;
  int out_channels = 0;                                                         // conv, linear
  int kh = 1, kw = 1, sh = 1, sw = 1, pt = 0, pl = 0, pb = 0, pr = 0, groups = 1;  // conv; maxpool: kh kw sh sw pt
  int add = -1;                                                                 // conv
  std::string activation = "none";                                              // conv
  graph_shape in, out;
  std::int64_t weights = 0;  // floats of .folded.bin it takes: weights, then biases
};

// The graph of `text` (named `name` in errors) on an input of shape `input`.
inline std::vector<graph_op> read_graph(std::istream& text, const std::string& name, graph_shape input) {
  // Bounds that keep every count below 2^31 and every layer one a network of this benchmark could have.
  constexpr int most_channels = 1 << 16, most_kernel = 64, most_stride = 64, most_pad = 64, most_map = 1 << 14;
  std::vector<graph_shape> shapes{input};
  std::vector<graph_op> ops;
  std::string line;
  for (int number = 1; std::getline(text, line); ++number) {
    const std::string where = name + ":" + std::to_string(number) + ": ";
    const auto bad = [&](const std::string& what) { return std::runtime_error(where + what); };
    const auto within = [](int v, int low, int high) { return v >= low && v <= high; };
    std::istringstream fields(line);
    std::string kind;
    graph_op op;
    fields >> kind >> op.src;
    if (!fields || !within(op.src, 0, static_cast<int>(shapes.size()) - 1)) throw bad("bad source tensor");
    const graph_shape x = shapes[static_cast<std::size_t>(op.src)];
    op.in = x;
    graph_shape& y = op.out;
    if (kind == "conv") {
      fields >> op.out_channels >> op.kh >> op.kw >> op.sh >> op.sw >> op.pt >> op.pl >> op.pb >> op.pr >> op.groups >> op.add >>
          op.activation;
      if (!fields || !within(op.out_channels, 1, most_channels) || !within(op.kh, 1, most_kernel) ||
          !within(op.kw, 1, most_kernel) || !within(op.sh, 1, most_stride) || !within(op.sw, 1, most_stride) ||
          !within(op.pt, 0, most_pad) || !within(op.pl, 0, most_pad) || !within(op.pb, 0, most_pad) ||
          !within(op.pr, 0, most_pad) || !within(op.groups, 1, most_channels) || x.c % op.groups != 0 ||
          op.out_channels % op.groups != 0 || !within(op.add, -1, static_cast<int>(shapes.size()) - 1))
        throw bad("bad convolution");
      if (op.activation != "none" && op.activation != "relu" && op.activation != "relu6")
        throw bad("unknown activation '" + op.activation + "'");
      if (x.h + op.pt + op.pb < op.kh || x.w + op.pl + op.pr < op.kw) throw bad("a window larger than the padded input");
      y = {op.out_channels, (x.h + op.pt + op.pb - op.kh) / op.sh + 1, (x.w + op.pl + op.pr - op.kw) / op.sw + 1};
      if (op.add >= 0) {
        const graph_shape a = shapes[static_cast<std::size_t>(op.add)];
        if (a.c != y.c || a.h != y.h || a.w != y.w) throw bad("the added tensor's shape is not the convolution's");
      }
      op.weights = std::int64_t{op.out_channels} * (x.c / op.groups) * op.kh * op.kw + op.out_channels;
    } else if (kind == "maxpool") {
      op.what = graph_op::kind::maxpool;
      int k = 0, s = 0, p = -1;
      fields >> k >> s >> p;
      if (!fields || !within(k, 1, most_kernel) || !within(s, 1, most_stride) || !within(p, 0, k / 2))
        throw bad("bad pooling");
      if (x.h + 2 * p < k || x.w + 2 * p < k) throw bad("a window larger than the padded input");
      op.kh = op.kw = k, op.sh = op.sw = s, op.pt = op.pl = op.pb = op.pr = p;
      y = {x.c, (x.h + 2 * p - k) / s + 1, (x.w + 2 * p - k) / s + 1};
    } else if (kind == "avgpool") {
      op.what = graph_op::kind::avgpool;
      op.kh = x.h, op.kw = x.w;
      y = {x.c, 1, 1};
    } else if (kind == "linear") {
      op.what = graph_op::kind::linear;
      fields >> op.out_channels;
      if (!fields || !within(op.out_channels, 1, most_channels)) throw bad("bad linear layer");
      y = {op.out_channels, 1, 1};
      op.weights = std::int64_t{op.out_channels} * x.c * x.h * x.w + op.out_channels;
    } else {
      throw bad("unknown operation '" + kind + "'");
    }
    if (y.h > most_map || y.w > most_map) throw bad("a map wider than " + std::to_string(most_map));
    std::string rest;
    if (fields >> rest) throw bad("more fields than a " + kind + " line has");
    if (op.weights > (std::int64_t{1} << 31)) throw bad("more weights than the benchmark holds");
    shapes.push_back(y);
    ops.push_back(op);
  }
  return ops;
}

}  // namespace bench
