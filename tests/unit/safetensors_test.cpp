// Loading a .safetensors file: the files are built here by hand (a writer independent of the loader),
// the values checked at the offsets PyTorch's state_dict order gives, and every rejection leaves the
// weights as they were.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "ctnn/ctnn.hpp"
#include "ctnn/io/safetensors.hpp"

using namespace ctnn;

namespace {
using net = sequential<input<3, 8, 8>, conv2d<4, 3>, batch_norm2d<4>, relu, flatten, linear<5>>;
using status = safetensors_status;

// One tensor of a hand-built file: its JSON entry is written as given (data_offsets from `begin`,
// `end`, or placed one after another when begin < 0).
struct tensor {
  std::string name, dtype;
  std::vector<long long> dims;
  std::vector<unsigned char> bytes;
  long long begin = -1, end = -1;
};

std::vector<unsigned char> f32(const std::vector<float>& v) {
  std::vector<unsigned char> b;
  for (float x : v) {
    std::uint32_t u;
    std::memcpy(&u, &x, 4);
    for (int k = 0; k < 4; ++k) b.push_back(static_cast<unsigned char>(u >> (8 * k)));
  }
  return b;
}

std::vector<unsigned char> file(const std::string& header, const std::vector<unsigned char>& data) {
  std::vector<unsigned char> f;
  for (int k = 0; k < 8; ++k) f.push_back(static_cast<unsigned char>(static_cast<std::uint64_t>(header.size()) >> (8 * k)));
  f.insert(f.end(), header.begin(), header.end());
  f.insert(f.end(), data.begin(), data.end());
  return f;
}

// Data in the order given; entries in the same order (a map's order does not matter to the format).
std::vector<unsigned char> file(const std::vector<tensor>& tensors, const std::string& extra = "") {
  std::string h = "{" + extra;
  std::vector<unsigned char> data;
  for (const tensor& t : tensors) {
    const long long begin = t.begin >= 0 ? t.begin : static_cast<long long>(data.size());
    const long long end = t.end >= 0 ? t.end : begin + static_cast<long long>(t.bytes.size());
    data.insert(data.end(), t.bytes.begin(), t.bytes.end());
    if (h.back() != '{' && h.back() != ' ') h += ", ";
    h += "\"" + t.name + "\": {\"dtype\": \"" + t.dtype + "\", \"shape\": [";
    for (std::size_t i = 0; i < t.dims.size(); ++i) h += (i ? ", " : "") + std::to_string(t.dims[i]);
    h += "], \"data_offsets\": [" + std::to_string(begin) + ", " + std::to_string(end) + "]}";
  }
  h += "}";
  while (h.size() % 8 != 0) h += ' ';  // as safetensors pads
  return file(h, data);
}

// Parameter i's element k holds 1000 i + k + 0.5 (exact in float).
float value(int i, int k) { return 1000.0f * static_cast<float>(i) + static_cast<float>(k) + 0.5f; }

struct spec {
  const char* name;
  std::vector<long long> dims;
  long long offset;  // in the flat weights, PyTorch's state_dict order
};
const std::vector<spec> specs = {{"0.weight", {4, 3, 3, 3}, 0},  {"0.bias", {4}, 108},        {"1.weight", {4}, 112},
                                 {"1.bias", {4}, 116},            {"1.running_mean", {4}, 120}, {"1.running_var", {4}, 124},
                                 {"4.weight", {5, 144}, 128},     {"4.bias", {5}, 848}};

long long elements(const std::vector<long long>& d) {
  long long n = 1;
  for (long long x : d) n *= x;
  return n;
}

std::vector<tensor> good_tensors() {
  std::vector<tensor> t;
  for (int i = 0; i < static_cast<int>(specs.size()); ++i) {
    std::vector<float> v;
    for (int k = 0; k < elements(specs[i].dims); ++k) v.push_back(value(i, k));
    t.push_back({specs[i].name, "F32", specs[i].dims, f32(v)});
  }
  return t;
}

template <class W>
safetensors_result load(W& w, const std::vector<unsigned char>& f) {
  return load_safetensors(w, std::as_bytes(std::span(f)));
}

// Loads `f` into weights holding a pattern; expects `s` and the pattern unchanged.
safetensors_result rejected(const std::vector<unsigned char>& f, status s) {
  static net::weights w, before;
  for (std::size_t i = 0; i < w.values.size(); ++i) w.values[i] = -static_cast<float>(i) - 0.25f;
  before = w;
  const safetensors_result r = load(w, f);
  EXPECT_EQ(static_cast<int>(r.status), static_cast<int>(s)) << to_text(r.status);
  EXPECT_FALSE(r);
  EXPECT_TRUE(w.values == before.values);
  EXPECT_LE(r.offset, f.size());
  char text[256];
  format_error(r, text, sizeof text);
  EXPECT_NE(std::strstr(text, to_text(s)), nullptr) << text;
  return r;
}
}  // namespace

TEST(Safetensors, NetworkHasTheNamesAndOffsetsTheTestAssumes) {
  const auto& p = parameters_of<net>;
  ASSERT_EQ(p.size(), specs.size());
  for (std::size_t i = 0; i < p.size(); ++i) {
    EXPECT_STREQ(p[i].name, specs[i].name);
    EXPECT_EQ(p[i].offset, specs[i].offset);
  }
  EXPECT_EQ(net::weights::size, 853);
}

TEST(Safetensors, ValuesLandAtTheirOffsets) {
  auto t = good_tensors();
  std::swap(t[0], t[6]);  // data not in state_dict order
  std::swap(t[2], t[5]);
  t.push_back({"1.num_batches_tracked", "I64", {}, {7, 0, 0, 0, 0, 0, 0, 0}});
  static net::weights w;
  const auto r = load(w, file(t, "\"__metadata__\": {\"format\": \"pt\", \"k\\u00e9y\": \"v\\\"\"}, "));
  ASSERT_TRUE(r) << to_text(r.status) << " " << r.tensor << " at " << r.offset;
  EXPECT_EQ(r.ignored, 1);
  for (int i = 0; i < static_cast<int>(specs.size()); ++i)
    for (int k = 0; k < elements(specs[i].dims); ++k)
      ASSERT_EQ(w.values[static_cast<std::size_t>(specs[i].offset + k)], value(i, k)) << specs[i].name << " " << k;
  EXPECT_EQ(w.at<0>().weight[0], 0.5f);
  EXPECT_EQ(w.at<1>().running_var[3], 5003.5f);
  EXPECT_EQ(w.at<4>().weight[719], 6719.5f);
}

TEST(Safetensors, HalfBfloatAndDoubleAreConverted) {
  auto t = good_tensors();
  t[1] = {"0.bias", "F16", {4}, {0x00, 0x3C, 0x00, 0xC0, 0x01, 0x00, 0x00, 0x7C}};  // 1, -2, 2^-24, inf
  t[2] = {"1.weight", "BF16", {4}, {0x80, 0x3F, 0x40, 0xC0, 0x00, 0x00, 0x00, 0x00}};  // 1, -3, 0, 0
  std::vector<unsigned char> d;
  for (double x : {0.25, -1.5, 3.0, 1e-3}) {
    std::uint64_t u;
    std::memcpy(&u, &x, 8);
    for (int k = 0; k < 8; ++k) d.push_back(static_cast<unsigned char>(u >> (8 * k)));
  }
  t[3] = {"1.bias", "F64", {4}, d};
  static net::weights w;
  ASSERT_TRUE(load(w, file(t)));
  EXPECT_EQ(w.values[108], 1.0f);
  EXPECT_EQ(w.values[109], -2.0f);
  EXPECT_EQ(w.values[110], 5.9604644775390625e-8f);
  EXPECT_TRUE(std::isinf(w.values[111]));
  EXPECT_EQ(w.values[112], 1.0f);
  EXPECT_EQ(w.values[113], -3.0f);
  EXPECT_EQ(w.values[116], 0.25f);
  EXPECT_EQ(w.values[119], static_cast<float>(1e-3));
}

TEST(Safetensors, ErrorMessageIsReadableAndBounded) {
  auto t = good_tensors();
  t[0].dims = {4, 3, 9};
  const auto r = rejected(file(t), status::wrong_shape);
  EXPECT_STREQ(r.tensor, "0.weight");
  EXPECT_EQ(r.parameter, 0);
  EXPECT_EQ(r.expected, (shape{4, 3, 3, 3}));
  EXPECT_EQ(r.found, (shape{4, 3, 9}));
  EXPECT_EQ(r.offset, 9u);  // the entry's name, just past "{" after the 8-byte length
  char text[256];
  format_error(r, text, sizeof text);
  EXPECT_STREQ(text, "safetensors: wrong shape: tensor \"0.weight\" expected [4, 3, 3, 3], found [4, 3, 9] (at byte 9)");
  char small[10];
  format_error(r, small, sizeof small);
  EXPECT_STREQ(small, "safetenso");
}

TEST(Safetensors, RejectsShortFilesAndHeaderLengths) {
  rejected({1, 2, 3}, status::truncated);
  auto f = file(good_tensors());
  f[0] = static_cast<unsigned char>(f[0] + 1);  // one byte longer than the file allows... and more
  f[1] = 0xFF;
  rejected(f, status::header_too_large);
  std::vector<unsigned char> huge(16, 0);
  huge[7] = 0x80;  // 2^63
  rejected(huge, status::header_too_large);
  auto g = file("{}", {});
  g.pop_back();
  rejected(g, status::header_too_large);
}

TEST(Safetensors, RejectsMalformedJson) {
  for (const char* h : {"", "{", "{\"0.weight\"", "{\"0.weight\": {\"dtype\": \"F32}}", "{\"a\\q\": 1}", "{\"a\\u12g4\": 1}",
                        "{\"a\\ud800\": 1}", "{\"a\nb\": 1}", "{}x", "{} {}", "[]", "{,}", "{\"__metadata__\": {\"a\": 1}}",
                        "{\"__metadata__\": {\"a\": \"b\",}}", "{\"0.bias\": {\"dtype\": \"F32\", \"shape\": [4,], \"data_offsets\": [0, 16]}}",
                        "{\"0.bias\": {\"dtype\": \"F32\", \"shape\": [04], \"data_offsets\": [0, 16]}}",
                        "{\"0.bias\": {\"dtype\": \"F32\", \"shape\": [4.0], \"data_offsets\": [0, 16]}}",
                        "{\"0.bias\": {\"dtype\": \"F32\", \"shape\": [-4], \"data_offsets\": [0, 16]}}",
                        "{\"0.bias\": {\"dtype\": \"F32\", \"shape\": [[4]], \"data_offsets\": [0, 16]}}",
                        "{\"0.bias\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16, 32]}}"}) {
    SCOPED_TRACE(h);
    rejected(file(h, std::vector<unsigned char>(16)), status::bad_json);
  }
  EXPECT_EQ(rejected(file("{} x", {}), status::bad_json).offset, 8u + 3u);
  static weights_of<sequential<input<3>, relu>> no_weights;  // trailing spaces are padding, not garbage
  const auto padded = file("{}      ", {});
  EXPECT_TRUE(load_safetensors(no_weights, std::as_bytes(std::span(padded))));
}

TEST(Safetensors, RejectsBadEntriesAndDtypes) {
  const std::vector<unsigned char> d(16);
  rejected(file("{\"0.bias\": {\"dtype\": \"F32\", \"shape\": [4]}}", d), status::bad_entry);
  rejected(file("{\"0.bias\": {}}", d), status::bad_entry);
  rejected(file("{\"0.bias\": {\"dtype\": \"F32\", \"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]}}", d), status::bad_entry);
  rejected(file("{\"0.bias\": {\"dtype\": \"F32\", \"extra\": {\"a\": 1}, \"shape\": [4], \"data_offsets\": [0, 16]}}", d),
           status::bad_json);  // an unread field may hold a scalar or a flat array, not an object
  rejected(file("{\"0.bias\": {\"dtype\": \"F33\", \"shape\": [4], \"data_offsets\": [0, 16]}}", d), status::unknown_dtype);
  rejected(file("{\"0.bias\": {\"dtype\": \"F32\", \"shape\": [1,1,1,1,1,1,4], \"data_offsets\": [0, 16]}}", d), status::bad_shape);
  rejected(file("{\"0.bias\": {\"dtype\": \"F32\", \"shape\": [4294967296], \"data_offsets\": [0, 16]}}", d), status::bad_shape);
  auto t = good_tensors();
  t[7] = {"4.bias", "I32", {5}, std::vector<unsigned char>(20)};
  const auto r = rejected(file(t), status::unsupported_dtype);
  EXPECT_EQ(r.dtype, safetensors_dtype::I32);
  EXPECT_STREQ(r.tensor, "4.bias");
}

TEST(Safetensors, RejectsNumbersThatOverflow) {
  const std::vector<unsigned char> d(16);
  rejected(file("{\"0.bias\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 18446744073709551616]}}", d),
           status::number_overflow);
  rejected(file("{\"0.bias\": {\"dtype\": \"F64\", \"shape\": [2147483647, 2147483647, 2147483647], \"data_offsets\": [0, 0]}}", d),
           status::number_overflow);
}

TEST(Safetensors, RejectsBadOffsets) {
  auto t = good_tensors();
  t[7].begin = 3420;
  t[7].end = 3400;
  rejected(file(t), status::bad_offsets);
  t = good_tensors();
  t[7].begin = 3420;
  t[7].end = 3440;  // the data is 3432 bytes
  rejected(file(t), status::out_of_range);
  t = good_tensors();
  t[1].dims = {5};  // 16 bytes of data for 5 floats
  rejected(file(t), status::size_mismatch);
}

TEST(Safetensors, RejectsOverlapsAndGaps) {
  auto t = good_tensors();
  t[1].begin = 424;  // 0.bias over the end of 0.weight [0, 432)
  t[1].end = 440;
  t.push_back({"1.num_batches_tracked", "I64", {}, std::vector<unsigned char>(8)});  // keeps the total size
  EXPECT_STREQ(rejected(file(t), status::overlap).tensor, "0.bias");
  t = good_tensors();
  t.insert(t.begin() + 1, {"1.num_batches_tracked", "I64", {}, std::vector<unsigned char>(8)});
  t[1].begin = 440;  // its 8 bytes moved past 0.bias: [432, 440) uncovered... and overlap after
  t[1].end = 448;
  rejected(file(t), status::gap);
  t = good_tensors();
  auto f = file(t);
  f.push_back(0);  // a byte after the last tensor
  rejected(f, status::gap);
}

TEST(Safetensors, RejectsDuplicatesUnknownAndMissingNames) {
  auto t = good_tensors();
  t.push_back(t[1]);
  EXPECT_STREQ(rejected(file(t), status::duplicate_name).tensor, "0.bias");
  rejected(file(good_tensors(), "\"__metadata__\": {}, \"__metadata__\": {}, "), status::duplicate_name);
  t = good_tensors();
  t.push_back({"9.weight", "F32", {1}, f32({1})});
  EXPECT_STREQ(rejected(file(t), status::unknown_tensor).tensor, "9.weight");
  t = good_tensors();
  t.push_back({"0.num_batches_tracked", "I64", {}, std::vector<unsigned char>(8)});  // layer 0 is no batch norm
  rejected(file(t), status::unknown_tensor);
  t = good_tensors();
  t.push_back({std::string(300, 'x'), "F32", {1}, f32({1})});
  EXPECT_EQ(std::strlen(rejected(file(t), status::unknown_tensor).tensor), 63u);
  t = good_tensors();
  t.erase(t.begin() + 5);
  const auto r = rejected(file(t), status::missing_tensor);
  EXPECT_STREQ(r.tensor, "1.running_var");
  EXPECT_EQ(r.parameter, 5);
}

// What the reference reader accepts and the written spec leaves open: fields ctnn does not read (any
// scalar or flat array) and a null __metadata__.
TEST(Safetensors, AcceptsUnreadFieldsAndNullMetadata) {
  std::string header = "{\"__metadata__\": null";
  std::vector<unsigned char> data;
  const auto t = good_tensors();
  const char* extras[] = {"\"note\": \"x\"", "\"scale\": -1.5e-3", "\"flags\": [true, null, 2, \"s\"]", "\"q\": false"};
  for (std::size_t i = 0; i < t.size(); ++i) {
    header += ", \"" + t[i].name + "\": {\"dtype\": \"F32\", " + extras[i % 4] + ", \"shape\": [";
    for (std::size_t d = 0; d < t[i].dims.size(); ++d) header += (d ? ", " : "") + std::to_string(t[i].dims[d]);
    header += "], \"data_offsets\": [" + std::to_string(data.size()) + ", " + std::to_string(data.size() + t[i].bytes.size()) + "]}";
    data.insert(data.end(), t[i].bytes.begin(), t[i].bytes.end());
  }
  static net::weights w;
  const auto r = load(w, file(header + "}", data));
  ASSERT_TRUE(r) << to_text(r.status) << " " << r.tensor << " at " << r.offset;
  EXPECT_EQ(w.values[120], value(4, 0));  // 1.running_mean[0]
  EXPECT_EQ(w.values[852], value(7, 4));  // 4.bias[4]
}

// A name holding a NUL byte must not end the comparison with the network's names early. Before the
// fix, "1.bias\u0000z.num_batches_tracked" compared equal to "1.bias" up to the NUL, the loader then read
// on past that name into the next one, "1.running_mean", found "running_mean" there and took the tensor
// for a batch norm's num_batches_tracked: accepted and ignored.
TEST(Safetensors, RejectsNamesWithANulByte) {
  auto t = good_tensors();
  t.push_back({std::string("1.bias\\u0000z.num_batches_tracked"), "I64", {}, std::vector<unsigned char>(8)});
  rejected(file(t), status::unknown_tensor);
  t = good_tensors();
  t[1].name = "0.bias\\u0000";
  rejected(file(t), status::unknown_tensor);
}

// A file written from a PyTorch state_dict (tools/make_safetensors_sample.py, num_batches_tracked
// included) loads, and the network then computes PyTorch's output.
TEST(Safetensors, APyTorchFileRunsToPyTorchsOutput) {
  std::FILE* f = std::fopen(CTNN_TEST_DATA_DIR "/safetensors/small_net.safetensors", "rb");
  ASSERT_NE(f, nullptr);
  std::vector<std::byte> bytes(8192);
  bytes.resize(std::fread(bytes.data(), 1, bytes.size(), f));
  std::fclose(f);
  static net::weights w;
  const safetensors_result r = load_safetensors(w, std::span<const std::byte>(bytes));
  ASSERT_TRUE(r) << to_text(r.status);
  EXPECT_EQ(r.ignored, 1);
  std::array<float, net::input_size> x{};
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i) / 97.0f - 0.9f;
  static static_arena<net> arena;
  std::array<float, net::output_size> y{};
  net::forward(w, x, y, arena);
  const float want[] =
#include "../data/safetensors/small_net_output.inc"
      ;
  for (std::size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y[i], want[i], 1e-5f) << i;
}

// A network with its own state_dict names (as tools/ctnn_import.py's headers give them): parameters_of,
// set_parameter and the loader use those, and the positional ones are unknown.
namespace {
using named_net = sequential<input<2, 4, 4>, conv2d<3, 3, no_bias>, batch_norm2d<>, relu, flatten, linear<2>>;
constexpr std::array<const char*, 7> named_net_names = {"features.conv.weight", "features.bn.weight",
                                                          "features.bn.bias", "features.bn.running_mean",
                                                          "features.bn.running_var", "head.weight", "head.bias"};
}  // namespace
template <>
inline constexpr std::span<const char* const> ctnn::state_dict_names<named_net> = named_net_names;

namespace {
TEST(Safetensors, ImportedNamesReplaceThePositionalOnes) {
  const auto& p = parameters_of<named_net>;
  ASSERT_EQ(p.size(), 7u);
  EXPECT_STREQ(p[0].name, "features.conv.weight");
  EXPECT_STREQ(p[4].name, "features.bn.running_var");
  EXPECT_EQ(p[5].dims, (shape{2, 12}));
  static named_net::weights w;
  const std::array<float, 2> bias{1.5f, -2.5f};
  EXPECT_TRUE(set_parameter(w, "head.bias", shape{2}, std::span<const float>(bias)));
  EXPECT_EQ(w.at<4>().bias[1], -2.5f);
  EXPECT_EQ(set_parameter(w, "4.bias", shape{2}, std::span<const float>(bias)).status, parameter_status::unknown_name);

  std::vector<tensor> t;
  for (std::size_t i = 0; i < p.size(); ++i) {
    std::vector<long long> dims(p[i].dims.dims, p[i].dims.dims + p[i].dims.rank);
    t.push_back({p[i].name, "F32", dims, f32(std::vector<float>(static_cast<std::size_t>(p[i].size), 0.25f * static_cast<float>(i)))});
  }
  t.push_back({"features.bn.num_batches_tracked", "I64", {}, {1, 0, 0, 0, 0, 0, 0, 0}});
  const auto r = load(w, file(t));
  ASSERT_TRUE(r) << to_text(r.status) << " " << r.tensor;
  EXPECT_EQ(w.at<1>().running_var[2], 1.0f);
  EXPECT_EQ(w.at<4>().bias[1], 1.5f);
  t[0].name = "0.weight";  // the positional name is not the network's
  const auto refused = load(w, file(t));
  EXPECT_EQ(refused.status, status::unknown_tensor);
  EXPECT_STREQ(refused.tensor, "0.weight");
}
}  // namespace
