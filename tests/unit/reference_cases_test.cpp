// Every case of tests/data/shape_cases.txt (PyTorch's shapes and errors, made by
// tools/make_shape_reference.py) through ctnn's constexpr shape rules, called at run time.
//
// The data holds full torch shapes with the batch first; ctnn's rules see one sample, so the batch is
// checked by the input rule and stripped. A torch error, or a case ctnn rejects by design, must be
// rejected by the rule of the same category.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "ctnn/ctnn.hpp"
#include "categories.hpp"

using namespace ctnn;

namespace {

struct reference_case {
  int line = 0;
  std::string text, op;
  std::map<std::string, std::string> keys;
  std::map<std::string, std::string> result;  // out / weight / bias, or error / rejected (+ torch_out)
};

std::vector<long long> numbers(const std::string& list) {
  std::vector<long long> v;
  std::stringstream in(list);
  std::string item;
  while (std::getline(in, item, ',')) v.push_back(std::stoll(item));
  return v;
}

shape to_shape(const std::vector<long long>& v, std::size_t from = 0) {
  shape s;
  for (std::size_t i = from; i < v.size(); ++i) s.push_back(static_cast<index_t>(v[i]));
  return s;
}

spatial_values to_spatial(const std::string& list) {
  const auto v = numbers(list);
  spatial_values s;
  s.count = static_cast<int>(v.size());
  for (std::size_t i = 0; i < v.size() && i < max_spatial_rank; ++i) s.v[i] = static_cast<index_t>(v[i]);
  return s;
}

std::vector<reference_case> load(const std::string& path) {
  std::ifstream file(path);
  EXPECT_TRUE(file) << "cannot open " << path;
  std::vector<reference_case> cases;
  std::string line;
  for (int number = 1; std::getline(file, line); ++number) {
    if (line.empty() || line[0] == '#') continue;
    reference_case c;
    c.line = number;
    c.text = line;
    const auto arrow = line.find(" -> ");
    EXPECT_NE(arrow, std::string::npos) << path << ":" << number << ": no ' -> ' in '" << line << "'";
    if (arrow == std::string::npos) continue;
    std::stringstream lhs(line.substr(0, arrow)), rhs(line.substr(arrow + 4));
    lhs >> c.op;
    for (std::string kv; lhs >> kv;) {
      const auto eq = kv.find('=');
      EXPECT_NE(eq, std::string::npos) << path << ":" << number << ": '" << kv << "' is not key=value";
      if (eq != std::string::npos) c.keys[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    for (std::string kv; rhs >> kv;) {
      const auto eq = kv.find('=');
      if (eq != std::string::npos) c.result[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    cases.push_back(c);
  }
  return cases;
}

padding_spec padding_of(const reference_case& c) {
  padding_spec p;
  if (c.keys.count("pad_begin")) {
    p.begin = to_spatial(c.keys.at("pad_begin"));
    p.end = to_spatial(c.keys.at("pad_end"));
    return p;
  }
  const std::string& v = c.keys.count("padding") ? c.keys.at("padding") : std::string("0");
  if (v == "valid") p.mode = padding_mode::valid;
  else if (v == "same") p.mode = padding_mode::same;
  else if (v == "tf_same") p.mode = padding_mode::tf_same;
  else if (v == "full") p.mode = padding_mode::full;
  else p.begin = p.end = to_spatial(v);
  return p;
}

int rank_of(const std::string& list) { return static_cast<int>(numbers(list).size()); }
int integer(const reference_case& c, const std::string& key) { return static_cast<int>(std::stoll(c.keys.at(key))); }
bool flag(const reference_case& c, const std::string& key) { return c.keys.count(key) && c.keys.at(key) == "1"; }
spatial_values spatial_or_empty(const reference_case& c, const std::string& key) {
  return c.keys.count(key) ? to_spatial(c.keys.at(key)) : spatial_values{};
}

// torch dim (counting the batch) -> dim of one sample.
int sample_dim(int torch_dim) { return torch_dim >= 0 ? torch_dim - 1 : torch_dim; }

layer_shapes run_rule(const reference_case& c, const shape& in) {
  const std::string& op = c.op;
  if (op == "conv" || op == "conv_transpose") {
    const int rank = rank_of(c.keys.at("kernel"));
    if (op == "conv") {
      conv_params p{.rank = rank, .out_channels = integer(c, "out_channels"), .kernel = to_spatial(c.keys.at("kernel")),
                    .stride = to_spatial(c.keys.at("stride")), .dilation = to_spatial(c.keys.at("dilation")),
                    .padding = padding_of(c), .groups = integer(c, "groups"), .bias = flag(c, "bias")};
      return infer(p, in);
    }
    conv_transpose_params p{.rank = rank, .out_channels = integer(c, "out_channels"),
                            .kernel = to_spatial(c.keys.at("kernel")), .stride = to_spatial(c.keys.at("stride")),
                            .dilation = to_spatial(c.keys.at("dilation")), .padding = padding_of(c),
                            .output_padding = spatial_or_empty(c, "output_padding"),
                            .output_size = spatial_or_empty(c, "output_size"), .groups = integer(c, "groups"),
                            .bias = flag(c, "bias")};
    return infer(p, in);
  }
  if (op == "max_pool") {
    max_pool_params p{.rank = rank_of(c.keys.at("kernel")), .kernel = to_spatial(c.keys.at("kernel")),
                      .stride = spatial_or_empty(c, "stride"), .dilation = spatial_or_empty(c, "dilation"),
                      .padding = padding_of(c), .ceil_mode = flag(c, "ceil_mode")};
    return infer(p, in);
  }
  if (op == "avg_pool") {
    avg_pool_params p{.rank = rank_of(c.keys.at("kernel")), .kernel = to_spatial(c.keys.at("kernel")),
                      .stride = spatial_or_empty(c, "stride"), .padding = padding_of(c),
                      .ceil_mode = flag(c, "ceil_mode"), .count_include_pad = flag(c, "count_include_pad")};
    return infer(p, in);
  }
  if (op == "adaptive_avg_pool" || op == "adaptive_max_pool") {
    adaptive_pool_params p{rank_of(c.keys.at("output_size")),
                           op == "adaptive_max_pool" ? pool_kind::max : pool_kind::average,
                           to_spatial(c.keys.at("output_size"))};
    return infer(p, in);
  }
  if (op == "upsample") {
    upsample_params p;
    p.mode = c.keys.at("mode") == "nearest" ? upsample_mode::nearest : upsample_mode::linear;
    p.align_corners = flag(c, "align_corners");
    if (c.keys.count("size")) {
      p.output_size = to_spatial(c.keys.at("size"));
      p.rank = p.output_size.count;
    } else {
      // The data's scales are multiples of 1/4, exact as num / 4.
      std::stringstream list(c.keys.at("scale"));
      std::string item;
      p.scale_num.count = p.scale_den.count = 0;
      while (std::getline(list, item, ',')) {
        const double scale = std::stod(item);
        EXPECT_EQ(std::fmod(scale * 4, 1.0), 0.0) << "line " << c.line << ": scale " << scale << " is not k/4";
        p.scale_num.v[p.scale_num.count++] = static_cast<index_t>(std::lround(scale * 4));
        p.scale_den.v[p.scale_den.count++] = 4;
      }
      p.rank = p.scale_num.count;
    }
    return infer(p, in);
  }
  if (op == "pad") {
    pad_params p;
    p.rank = rank_of(c.keys.at("pad_begin"));
    const std::string& mode = c.keys.at("mode");
    p.mode = mode == "reflect" ? pad_mode::reflect : mode == "replicate" ? pad_mode::replicate : pad_mode::constant;
    p.padding = padding_of(c);
    return infer(p, in);
  }
  if (op == "linear") {
    return infer(linear_params{integer(c, "out_features"), integer(c, "in_features"), flag(c, "bias")}, in);
  }
  if (op == "flatten") {
    return infer(flatten_params{sample_dim(integer(c, "start_dim")), sample_dim(integer(c, "end_dim"))}, in);
  }
  if (op == "reshape") return infer(reshape_params{to_shape(numbers(c.keys.at("shape")))}, in);
  if (op == "batch_norm") {
    // The class the generator used: BatchNorm1d for torch ranks 2 and 3, 2d for 4, 3d otherwise.
    const int torch_rank = in.rank + 1;
    const int rank = torch_rank <= 3 ? 1 : torch_rank == 4 ? 2 : 3;
    return infer(batch_norm_params{rank, integer(c, "num_features")}, in);
  }
  if (op == "softmax") return infer(softmax_params{sample_dim(integer(c, "dim"))}, in);
  if (op == "relu" || op == "gelu" || op == "sigmoid") return infer(activation_params{}, in);
  ADD_FAILURE() << "line " << c.line << ": unknown op " << op;
  return {};
}

// The rule's answer for a case: the input checks first (batch and dims of one sample), then the layer.
layer_shapes run_case(const reference_case& c) {
  if (c.op == "cat" || c.op == "add") {
    const auto a = numbers(c.keys.at("a")), b = numbers(c.keys.at("b"));
    if (a.empty() || b.empty() || a[0] != b[0])  // batches differ: every sample's branches must match
      return fail(c.op == "cat" ? error_code::concat_shapes : error_code::add_shapes);
    const shape sa = to_shape(a, 1), sb = to_shape(b, 1);
    for (const shape& s : {sa, sb})
      if (const layer_error e = input_error({s, static_cast<index_t>(a[0])}); e && e.code == error_code::not_positive)
        return fail(e);
    return c.op == "cat" ? merge_concat(sa, sb, 1) : merge_add(sa, sb, 1);
  }
  const auto full = numbers(c.keys.at("in"));
  if (full.size() < 2) return fail(error_code::input_rank, 1, 0);  // no batch, or nothing per sample
  const input_params input{to_shape(full, 1), static_cast<index_t>(full[0])};
  if (const layer_error e = input_error(input); e && e.code == error_code::not_positive) return fail(e);
  return run_rule(c, input.dims);
}

}  // namespace

TEST(ReferenceCases, EveryPyTorchCaseGivesTheSameShapesOrTheSameError) {
  const auto cases = load(std::string(CTNN_TEST_DATA_DIR) + "/shape_cases.txt");
  ASSERT_GE(cases.size(), 1000u);
  std::map<std::string, int> valid, invalid;
  for (const reference_case& c : cases) {
    SCOPED_TRACE("shape_cases.txt:" + std::to_string(c.line) + ": " + c.text);
    const layer_shapes r = run_case(c);
    if (c.result.count("out")) {
      ++valid[c.op];
      ASSERT_TRUE(r.ok()) << "rejected with error code " << static_cast<int>(r.error.code);
      EXPECT_EQ(r.out, to_shape(numbers(c.result.at("out")), 1));
      if (c.result.count("weight")) {
        EXPECT_EQ(r.weight, to_shape(numbers(c.result.at("weight"))));
      }
      EXPECT_EQ(r.bias, c.result.count("bias") ? to_shape(numbers(c.result.at("bias"))) : shape{});
    } else {
      ++invalid[c.op];
      const std::string category = c.result.count("error") ? c.result.at("error") : c.result.at("rejected");
      ASSERT_FALSE(r.ok()) << "accepted with output " << to_text(r.out).c_str() << ", torch says " << category;
      EXPECT_TRUE(test::in_category(r.error.code, category))
          << "rejected by rule " << static_cast<int>(r.error.code) << ", torch's category is " << category;
    }
  }
  for (const char* op : {"conv", "conv_transpose", "max_pool", "avg_pool", "adaptive_avg_pool", "adaptive_max_pool",
                         "upsample", "pad", "linear", "flatten", "reshape", "batch_norm", "softmax", "cat", "add"}) {
    EXPECT_GE(valid[op], 10) << op;
    EXPECT_GE(invalid[op], 10) << op;
  }
}
