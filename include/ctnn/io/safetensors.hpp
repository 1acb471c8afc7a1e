// ctnn/io/safetensors.hpp: a network's weights from the bytes of a .safetensors file, the file
// `safetensors.torch.save_file(model.state_dict(), path)` writes (or tools/write_safetensors.py).
//
//   static net::weights w;
//   ctnn::safetensors_result r = ctnn::load_safetensors(w, std::as_bytes(std::span(file_bytes)));
//   if (!r) { char text[256]; ctnn::format_error(r, text, sizeof text); puts(text); }
//
// The file: an 8-byte little-endian header length N, N bytes of JSON mapping each tensor's name to
// {"dtype", "shape", "data_offsets": [begin, end]} (plus an optional "__metadata__" object of strings),
// then the data, the offsets relative to its start. Everything is checked before anything is written:
// on any error `w` is untouched. Checked: the header's length and JSON (a small parser for this one
// schema: no recursion, bounded by the header, never reads past the span), duplicate names, offsets
// (end >= begin, within the data, end - begin == elements * dtype size, no overflow), that the
// tensors tile the data without overlap or gap, and for the network: every tensor of
// parameters_of<Net> (learned weights and batch norm's running statistics) present once, with
// PyTorch's shape, as F32, F16, BF16 or F64 (converted to the weights' type). A "<layer>.num_batches_tracked"
// of a batch norm layer is ignored (counted in `ignored`); any other name the network lacks is refused.
// No heap, no exceptions: a bounded table of an entry per parameter tensor (and per batch norm's
// num_batches_tracked) lives on the stack.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>

#include "ctnn/plan/weights.hpp"

CTNN_BEGIN_CONFIG

enum class safetensors_status : int {
  ok,
  truncated,          // fewer than 8 bytes: no header length
  header_too_large,   // header length past the file's end, or above 100,000,000 bytes
  bad_json,           // malformed JSON, or JSON not of the safetensors schema; trailing bytes
  number_overflow,    // an integer past 64 bits, or elements * dtype size past 64 bits
  bad_entry,          // a tensor's object lacks dtype, shape or data_offsets, or repeats one
  unknown_dtype,      // a dtype safetensors does not define
  bad_shape,          // more than ctnn's max_rank dims, or a dim above max_extent
  bad_offsets,        // data_offsets end < begin
  out_of_range,       // data_offsets end past the data buffer
  size_mismatch,      // end - begin != elements * dtype size
  overlap,            // two tensors share bytes
  gap,                // bytes of the data buffer no tensor covers
  duplicate_name,     // a name (or __metadata__) twice
  unknown_tensor,     // a name the network lacks (other than a batch norm's num_batches_tracked)
  missing_tensor,     // a tensor of the network the file lacks
  wrong_shape,        // a tensor of the network with another shape
  unsupported_dtype,  // a tensor of the network not in F32, F16, BF16 or F64
};

enum class safetensors_dtype : std::uint8_t { none, BOOL, U8, I8, F8_E5M2, F8_E4M3, I16, U16, F16, BF16, I32, U32, F32, I64, U64, F64 };

struct safetensors_result {
  safetensors_status status = safetensors_status::ok;
  char tensor[64] = {};        // the tensor's name, cut to 63 bytes; empty when the error has none
  int parameter = -1;          // its index in parameters_of<Net>, or -1
  shape expected, found;       // for wrong_shape
  safetensors_dtype dtype = safetensors_dtype::none;  // for unsupported_dtype: the file's
  std::uint64_t offset = 0;    // byte offset into the file where parsing stopped (or the entry began)
  int ignored = 0;             // tensors of the file skipped (num_batches_tracked)
  constexpr explicit operator bool() const { return status == safetensors_status::ok; }
};

inline const char* to_text(safetensors_status s) {
  switch (s) {
    case safetensors_status::ok: return "ok";
    case safetensors_status::truncated: return "file shorter than the 8-byte header length";
    case safetensors_status::header_too_large: return "header length past the end of the file or too large";
    case safetensors_status::bad_json: return "malformed header JSON";
    case safetensors_status::number_overflow: return "number too large";
    case safetensors_status::bad_entry: return "tensor entry needs exactly dtype, shape and data_offsets";
    case safetensors_status::unknown_dtype: return "unknown dtype";
    case safetensors_status::bad_shape: return "shape has too many dims or a dim too large";
    case safetensors_status::bad_offsets: return "data_offsets end before begin";
    case safetensors_status::out_of_range: return "data_offsets past the end of the data";
    case safetensors_status::size_mismatch: return "data size does not match shape and dtype";
    case safetensors_status::overlap: return "tensors overlap";
    case safetensors_status::gap: return "tensors do not cover the data contiguously";
    case safetensors_status::duplicate_name: return "duplicate name";
    case safetensors_status::unknown_tensor: return "tensor the network does not have";
    case safetensors_status::missing_tensor: return "tensor missing from the file";
    case safetensors_status::wrong_shape: return "wrong shape";
    case safetensors_status::unsupported_dtype: return "unsupported dtype (F32, F16, BF16, F64 are)";
  }
  return "unknown error";
}

inline const char* to_text(safetensors_dtype d) {
  constexpr const char* names[] = {"none", "BOOL", "U8",  "I8",  "F8_E5M2", "F8_E4M3", "I16", "U16",
                                    "F16",  "BF16", "I32", "U32", "F32",     "I64",     "U64", "F64"};
  const auto i = static_cast<unsigned>(d);
  return i < sizeof names / sizeof names[0] ? names[i] : "?";
}

// "safetensors: <what> (tensor "0.weight": expected [4, 3, 3, 3], found [4, 3, 3]) at byte 57" into
// `out`, cut to `size` bytes with the NUL. Returns snprintf's count.
inline int format_error(const safetensors_result& r, char* out, std::size_t size) {
  if (size == 0 || out == nullptr) return 0;
  const char* quote = r.tensor[0] != '\0' ? "\"" : "";
  const char* tensor_label = r.tensor[0] != '\0' ? ": tensor " : "";
  if (r.status == safetensors_status::wrong_shape)
    return std::snprintf(out, size, "safetensors: %s%s%s%s%s expected %s, found %s (at byte %llu)", to_text(r.status),
                         tensor_label, quote, r.tensor, quote, to_text(r.expected).c_str(), to_text(r.found).c_str(),
                         static_cast<unsigned long long>(r.offset));
  if (r.status == safetensors_status::unsupported_dtype)
    return std::snprintf(out, size, "safetensors: %s%s%s%s%s is %s (at byte %llu)", to_text(r.status), tensor_label,
                         quote, r.tensor, quote, to_text(r.dtype), static_cast<unsigned long long>(r.offset));
  return std::snprintf(out, size, "safetensors: %s%s%s%s%s (at byte %llu)", to_text(r.status), tensor_label, quote,
                       r.tensor, quote, static_cast<unsigned long long>(r.offset));
}

namespace impl::safetensors {

inline constexpr std::uint64_t max_header = 100000000;  // safetensors' own limit

struct parsed_tensor {
  safetensors_dtype dtype = safetensors_dtype::none;
  shape dims;
  std::uint64_t begin = 0, end = 0;
};

struct entry {
  std::uint64_t begin = 0, end = 0, where = 0;
  int tensor = 0;  // < P: parameters_of index; >= P: num_batches_tracked of the batch norm holding tensor - P
  safetensors_dtype dtype = safetensors_dtype::none;
};

inline int dtype_size(safetensors_dtype d) {
  switch (d) {
    case safetensors_dtype::BOOL:
    case safetensors_dtype::U8:
    case safetensors_dtype::I8:
    case safetensors_dtype::F8_E5M2:
    case safetensors_dtype::F8_E4M3: return 1;
    case safetensors_dtype::I16:
    case safetensors_dtype::U16:
    case safetensors_dtype::F16:
    case safetensors_dtype::BF16: return 2;
    case safetensors_dtype::I32:
    case safetensors_dtype::U32:
    case safetensors_dtype::F32: return 4;
    case safetensors_dtype::I64:
    case safetensors_dtype::U64:
    case safetensors_dtype::F64: return 8;
    case safetensors_dtype::none: return 0;
  }
  return 0;
}

inline bool same_bytes(const char* a, int length, const char* b) {
  for (int i = 0; i < length; ++i)
    if (b[i] == '\0' || a[i] != b[i]) return false;
  return b[length] == '\0';
}

// A cursor over the header's bytes; every read checks the end.
class parser {
 public:
  parser(const unsigned char* text, std::uint64_t length) : p_(text), n_(length) {}

  std::uint64_t at() const { return i_; }
  bool done() const { return i_ >= n_; }
  int peek() const { return i_ < n_ ? p_[i_] : -1; }
  void skip_space() {
    while (i_ < n_ && (p_[i_] == ' ' || p_[i_] == '\t' || p_[i_] == '\n' || p_[i_] == '\r')) ++i_;
  }
  bool take(char c) {
    skip_space();
    if (i_ < n_ && p_[i_] == static_cast<unsigned char>(c)) {
      ++i_;
      return true;
    }
    return false;
  }

  // A JSON string, decoded into out[0, capacity) (cut there; `length` is the full decoded length).
  safetensors_status string(char* out, int capacity, int& length) {
    length = 0;
    if (!take('"')) return safetensors_status::bad_json;
    for (;;) {
      if (i_ >= n_) return safetensors_status::bad_json;
      const unsigned char c = p_[i_++];
      if (c == '"') return safetensors_status::ok;
      if (c < 0x20) return safetensors_status::bad_json;
      if (c != '\\') {
        put(out, capacity, length, c);
        continue;
      }
      if (i_ >= n_) return safetensors_status::bad_json;
      const unsigned char e = p_[i_++];
      switch (e) {
        case '"': put(out, capacity, length, '"'); break;
        case '\\': put(out, capacity, length, '\\'); break;
        case '/': put(out, capacity, length, '/'); break;
        case 'b': put(out, capacity, length, '\b'); break;
        case 'f': put(out, capacity, length, '\f'); break;
        case 'n': put(out, capacity, length, '\n'); break;
        case 'r': put(out, capacity, length, '\r'); break;
        case 't': put(out, capacity, length, '\t'); break;
        case 'u': {
          std::uint32_t code = 0;
          if (!hex4(code)) return safetensors_status::bad_json;
          if (code >= 0xDC00 && code <= 0xDFFF) return safetensors_status::bad_json;  // lone low surrogate
          if (code >= 0xD800 && code <= 0xDBFF) {
            std::uint32_t low = 0;
            if (i_ + 2 > n_ || p_[i_] != '\\' || p_[i_ + 1] != 'u') return safetensors_status::bad_json;
            i_ += 2;
            if (!hex4(low) || low < 0xDC00 || low > 0xDFFF) return safetensors_status::bad_json;
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
          }
          utf8(out, capacity, length, code);
          break;
        }
        default: --i_; return safetensors_status::bad_json;
      }
    }
  }

  // One of the words null, true, false.
  bool word(const char* w) {
    skip_space();
    std::uint64_t k = 0;
    while (w[k] && i_ + k < n_ && p_[i_ + k] == static_cast<unsigned char>(w[k])) ++k;
    if (w[k]) return false;
    i_ += k;
    return true;
  }

  // A JSON number of any form (sign, fraction, exponent), read past without its value.
  safetensors_status any_number() {
    skip_space();
    const std::uint64_t start = i_;
    if (i_ < n_ && p_[i_] == '-') ++i_;
    const std::uint64_t digits = i_;
    while (i_ < n_ && p_[i_] >= '0' && p_[i_] <= '9') ++i_;
    if (i_ == digits) return safetensors_status::bad_json;
    if (i_ < n_ && p_[i_] == '.') {
      const std::uint64_t fraction = ++i_;
      while (i_ < n_ && p_[i_] >= '0' && p_[i_] <= '9') ++i_;
      if (i_ == fraction) return safetensors_status::bad_json;
    }
    if (i_ < n_ && (p_[i_] == 'e' || p_[i_] == 'E')) {
      ++i_;
      if (i_ < n_ && (p_[i_] == '+' || p_[i_] == '-')) ++i_;
      const std::uint64_t exponent = i_;
      while (i_ < n_ && p_[i_] >= '0' && p_[i_] <= '9') ++i_;
      if (i_ == exponent) return safetensors_status::bad_json;
    }
    return i_ > start ? safetensors_status::ok : safetensors_status::bad_json;
  }

  // A non-negative JSON integer (no sign, fraction or exponent; no leading zeros).
  safetensors_status integer(std::uint64_t& v) {
    skip_space();
    v = 0;
    if (i_ >= n_ || p_[i_] < '0' || p_[i_] > '9') return safetensors_status::bad_json;
    if (p_[i_] == '0' && i_ + 1 < n_ && p_[i_ + 1] >= '0' && p_[i_ + 1] <= '9') return safetensors_status::bad_json;
    while (i_ < n_ && p_[i_] >= '0' && p_[i_] <= '9') {
      const std::uint64_t d = p_[i_] - '0';
      if (v > (UINT64_MAX - d) / 10) return safetensors_status::number_overflow;
      v = v * 10 + d;
      ++i_;
    }
    if (i_ < n_ && (p_[i_] == '.' || p_[i_] == 'e' || p_[i_] == 'E')) return safetensors_status::bad_json;
    return safetensors_status::ok;
  }

 private:
  static void put(char* out, int capacity, int& length, unsigned char c) {
    if (length < capacity) out[length] = static_cast<char>(c);
    if (length < 0x7fffffff) ++length;
  }
  static void utf8(char* out, int capacity, int& length, std::uint32_t c) {
    if (c < 0x80) {
      put(out, capacity, length, static_cast<unsigned char>(c));
    } else if (c < 0x800) {
      put(out, capacity, length, static_cast<unsigned char>(0xC0 | (c >> 6)));
      put(out, capacity, length, static_cast<unsigned char>(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
      put(out, capacity, length, static_cast<unsigned char>(0xE0 | (c >> 12)));
      put(out, capacity, length, static_cast<unsigned char>(0x80 | ((c >> 6) & 0x3F)));
      put(out, capacity, length, static_cast<unsigned char>(0x80 | (c & 0x3F)));
    } else {
      put(out, capacity, length, static_cast<unsigned char>(0xF0 | (c >> 18)));
      put(out, capacity, length, static_cast<unsigned char>(0x80 | ((c >> 12) & 0x3F)));
      put(out, capacity, length, static_cast<unsigned char>(0x80 | ((c >> 6) & 0x3F)));
      put(out, capacity, length, static_cast<unsigned char>(0x80 | (c & 0x3F)));
    }
  }
  bool hex4(std::uint32_t& v) {
    if (i_ + 4 > n_) return false;
    v = 0;
    for (int k = 0; k < 4; ++k) {
      const unsigned char h = p_[i_++];
      std::uint32_t d = 0;
      if (h >= '0' && h <= '9') d = h - '0';
      else if (h >= 'a' && h <= 'f') d = h - 'a' + 10;
      else if (h >= 'A' && h <= 'F') d = h - 'A' + 10;
      else return false;
      v = v * 16 + d;
    }
    return true;
  }

  const unsigned char* p_;
  std::uint64_t n_;
  std::uint64_t i_ = 0;
};

inline safetensors_dtype dtype_named(const char* s, int length) {
  for (int d = 1; d <= static_cast<int>(safetensors_dtype::F64); ++d)
    if (same_bytes(s, length, to_text(static_cast<safetensors_dtype>(d)))) return static_cast<safetensors_dtype>(d);
  return safetensors_dtype::none;
}

// The value of a key ctnn does not read (the reference reader ignores unknown fields): a string, a
// number, null, true, false, or a flat array of those. Nested objects are refused: no recursion.
inline safetensors_status skip_scalar(parser& in) {
  in.skip_space();
  if (in.peek() == '"') {
    char ignored[1];
    int length = 0;
    return in.string(ignored, 0, length);
  }
  if (in.word("null") || in.word("true") || in.word("false")) return safetensors_status::ok;
  return in.any_number();
}
inline safetensors_status skip_value(parser& in) {
  if (!in.take('[')) return skip_scalar(in);
  if (in.take(']')) return safetensors_status::ok;
  for (;;) {
    if (auto s = skip_scalar(in); s != safetensors_status::ok) return s;
    if (in.take(']')) return safetensors_status::ok;
    if (!in.take(',')) return safetensors_status::bad_json;
  }
}

// {"dtype": "F32", "shape": [..], "data_offsets": [b, e]}, fields in any order, each once.
inline safetensors_status tensor_object(parser& in, parsed_tensor& t) {
  if (!in.take('{')) return safetensors_status::bad_json;
  bool have_dtype = false, have_shape = false, have_offsets = false;
  if (in.take('}')) return safetensors_status::bad_entry;
  for (;;) {
    char key[16];
    int key_length = 0;
    if (auto s = in.string(key, sizeof key, key_length); s != safetensors_status::ok) return s;
    if (!in.take(':')) return safetensors_status::bad_json;
    if (same_bytes(key, key_length, "dtype")) {
      if (have_dtype) return safetensors_status::bad_entry;
      have_dtype = true;
      char name[16];
      int length = 0;
      if (auto s = in.string(name, sizeof name, length); s != safetensors_status::ok) return s;
      t.dtype = length < static_cast<int>(sizeof name) ? dtype_named(name, length) : safetensors_dtype::none;
      if (t.dtype == safetensors_dtype::none) return safetensors_status::unknown_dtype;
    } else if (same_bytes(key, key_length, "shape")) {
      if (have_shape) return safetensors_status::bad_entry;
      have_shape = true;
      if (!in.take('[')) return safetensors_status::bad_json;
      if (!in.take(']')) {
        for (;;) {
          std::uint64_t d = 0;
          if (auto s = in.integer(d); s != safetensors_status::ok) return s;
          if (t.dims.rank >= max_rank || d > static_cast<std::uint64_t>(max_extent)) return safetensors_status::bad_shape;
          t.dims.push_back(static_cast<index_t>(d));
          if (in.take(']')) break;
          if (!in.take(',')) return safetensors_status::bad_json;
        }
      }
    } else if (same_bytes(key, key_length, "data_offsets")) {
      if (have_offsets) return safetensors_status::bad_entry;
      have_offsets = true;
      if (!in.take('[')) return safetensors_status::bad_json;
      if (auto s = in.integer(t.begin); s != safetensors_status::ok) return s;
      if (!in.take(',')) return safetensors_status::bad_json;
      if (auto s = in.integer(t.end); s != safetensors_status::ok) return s;
      if (!in.take(']')) return safetensors_status::bad_json;
    } else if (auto s = skip_value(in); s != safetensors_status::ok) {
      return s;
    }
    if (in.take('}')) break;
    if (!in.take(',')) return safetensors_status::bad_json;
  }
  return have_dtype && have_shape && have_offsets ? safetensors_status::ok : safetensors_status::bad_entry;
}

// {"key": "value", ...}, or null
inline safetensors_status metadata_object(parser& in) {
  if (in.word("null")) return safetensors_status::ok;  // the reference reader's Option
  if (!in.take('{')) return safetensors_status::bad_json;
  if (in.take('}')) return safetensors_status::ok;
  for (;;) {
    char ignored[1];
    int length = 0;
    if (auto s = in.string(ignored, 0, length); s != safetensors_status::ok) return s;
    if (!in.take(':')) return safetensors_status::bad_json;
    if (auto s = in.string(ignored, 0, length); s != safetensors_status::ok) return s;
    if (in.take('}')) return safetensors_status::ok;
    if (!in.take(',')) return safetensors_status::bad_json;
  }
}

inline float half_to_float(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t exponent = (h >> 10) & 0x1Fu, mantissa = h & 0x3FFu;
  if (exponent == 0) {
    const float v = static_cast<float>(mantissa) * (1.0f / 16777216.0f);  // 2^-24
    return sign ? -v : v;
  }
  if (exponent == 31) return std::bit_cast<float>(sign | 0x7F800000u | (mantissa << 13));
  return std::bit_cast<float>(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

inline std::uint64_t little_endian(const std::byte* p, int bytes) {
  std::uint64_t v = 0;
  for (int b = bytes - 1; b >= 0; --b) v = (v << 8) | static_cast<std::uint64_t>(p[b]);
  return v;
}

template <class T>
void convert(T* out, const std::byte* in, std::uint64_t count, safetensors_dtype d) {
  for (std::uint64_t k = 0; k < count; ++k) {
    switch (d) {
      case safetensors_dtype::F32:
        out[k] = static_cast<T>(std::bit_cast<float>(static_cast<std::uint32_t>(little_endian(in + 4 * k, 4))));
        break;
      case safetensors_dtype::F64: out[k] = static_cast<T>(std::bit_cast<double>(little_endian(in + 8 * k, 8))); break;
      case safetensors_dtype::F16:
        out[k] = static_cast<T>(half_to_float(static_cast<std::uint16_t>(little_endian(in + 2 * k, 2))));
        break;
      case safetensors_dtype::BF16:
        out[k] = static_cast<T>(std::bit_cast<float>(static_cast<std::uint32_t>(little_endian(in + 2 * k, 2) << 16)));
        break;
      default: break;
    }
  }
}

inline constexpr char tracked[] = ".num_batches_tracked";
inline constexpr int tracked_length = sizeof tracked - 1;

// How many tensors of the network a num_batches_tracked may accompany.
template <class Net>
inline constexpr int running_means = [] {
  int n = 0;
  for (const parameter_info& p : parameters_of<Net>) {
    const int length = text_length(p.name);
    if (length >= 12 && same_text(p.name + length - 12, "running_mean")) ++n;
  }
  return n;
}();

// Room for the longest name the network can match: its longest tensor name, or a num_batches_tracked.
template <class Net>
inline constexpr int name_capacity = [] {
  int n = 0;
  for (const parameter_info& p : parameters_of<Net>) n = text_length(p.name) > n ? text_length(p.name) : n;
  return n + tracked_length + 2 > 64 ? n + tracked_length + 2 : 64;  // 64: enough to report a cut name
}();

inline void copy_name(char (&to)[64], const char* from, int length) {
  const int n = length < 63 ? length : 63;
  for (int i = 0; i < n; ++i) to[i] = from[i];
  to[n] = '\0';
}

}  // namespace impl::safetensors

// Fills `w` from the bytes of a .safetensors file; see the top of this file. On any error `w` is untouched.
template <class Net, class T>
safetensors_result load_safetensors(weights_of<Net, T>& w, std::span<const std::byte> file) {
  namespace st = impl::safetensors;
  using status = safetensors_status;
  constexpr const auto& params = parameters_of<Net>;
  constexpr int P = static_cast<int>(params.size());
  constexpr const char* tracked = st::tracked;
  constexpr int tracked_length = st::tracked_length;
  using name_buffer = char[st::name_capacity<Net>];

  safetensors_result r;
  auto fail = [&r](status s, std::uint64_t offset) {
    r.status = s;
    r.offset = offset;
    return r;
  };
  if (file.size() < 8) return fail(status::truncated, 0);
  const std::uint64_t header = st::little_endian(file.data(), 8);
  if (header > st::max_header || header > file.size() - 8) return fail(status::header_too_large, 0);
  const std::uint64_t data_size = file.size() - 8 - header;
  const std::byte* data = file.data() + 8 + header;

  // An entry per parameter tensor, and one per running_mean for its num_batches_tracked.
  constexpr int tables = P + st::running_means<Net> + 1;
  std::array<st::entry, tables> entries{};
  std::array<bool, 2 * P + 1> seen{};  // tensor p, or P + p for running_mean p's num_batches_tracked
  int count = 0;
  bool metadata = false;

  st::parser in(reinterpret_cast<const unsigned char*>(file.data() + 8), header);
  const auto here = [&in] { return 8 + in.at(); };
  if (!in.take('{')) return fail(status::bad_json, here());
  if (!in.take('}')) {
    for (;;) {
      name_buffer name;
      int length = 0;
      in.skip_space();
      const std::uint64_t where = here();
      if (auto s = in.string(name, sizeof name, length); s != status::ok) return fail(s, here());
      const int kept = length < static_cast<int>(sizeof name) ? length : static_cast<int>(sizeof name);
      if (!in.take(':')) return fail(status::bad_json, here());
      if (length == 12 && st::same_bytes(name, 12, "__metadata__")) {
        if (metadata) {
          st::copy_name(r.tensor, name, kept);
          return fail(status::duplicate_name, where);
        }
        metadata = true;
        if (auto s = st::metadata_object(in); s != status::ok) return fail(s, here());
      } else {
        st::parsed_tensor t;
        if (auto s = st::tensor_object(in, t); s != status::ok) {
          st::copy_name(r.tensor, name, kept);
          return fail(s, here());
        }
        st::copy_name(r.tensor, name, kept);
        if (t.end < t.begin) return fail(status::bad_offsets, where);
        if (t.end > data_size) return fail(status::out_of_range, where);
        std::uint64_t bytes = static_cast<std::uint64_t>(st::dtype_size(t.dtype));
        for (int d = 0; d < t.dims.rank; ++d) {
          const auto extent = static_cast<std::uint64_t>(t.dims[d]);
          if (extent != 0 && bytes > UINT64_MAX / extent) return fail(status::number_overflow, where);
          bytes *= extent;
        }
        if (t.end - t.begin != bytes) return fail(status::size_mismatch, where);

        // Which tensor of the network: a parameter, or a batch norm's num_batches_tracked.
        int tensor = -1;
        if (length <= static_cast<int>(sizeof name)) {
          for (int p = 0; p < P && tensor < 0; ++p)
            if (st::same_bytes(name, length, params[p].name)) tensor = p;
          if (tensor < 0 && length > tracked_length && st::same_bytes(name + length - tracked_length, tracked_length, tracked)) {
            // "<layer>.running_mean" with the file's "<layer>.": compared by length first, so that a name
            // holding a NUL byte cannot end the comparison early.
            const int prefix = length - tracked_length + 1;  // with the dot
            for (int p = 0; p < P && tensor < 0; ++p)
              if (text_length(params[p].name) == prefix + 12 && std::equal(name, name + prefix, params[p].name) &&
                  same_text(params[p].name + prefix, "running_mean"))
                tensor = P + p;
          }
        }
        if (tensor < 0) return fail(status::unknown_tensor, where);
        if (seen[tensor]) return fail(status::duplicate_name, where);
        seen[tensor] = true;
        if (tensor < P) {
          r.parameter = tensor;
          if (!(t.dims == params[tensor].dims)) {
            r.expected = params[tensor].dims;
            r.found = t.dims;
            return fail(status::wrong_shape, where);
          }
          if (t.dtype != safetensors_dtype::F32 && t.dtype != safetensors_dtype::F16 &&
              t.dtype != safetensors_dtype::BF16 && t.dtype != safetensors_dtype::F64) {
            r.dtype = t.dtype;
            return fail(status::unsupported_dtype, where);
          }
          r.parameter = -1;
        } else {
          ++r.ignored;
        }
        entries[count++] = {t.begin, t.end, where, tensor, t.dtype};
        r.tensor[0] = '\0';
      }
      if (in.take('}')) break;
      if (!in.take(',')) return fail(status::bad_json, here());
    }
  }
  in.skip_space();
  if (!in.done()) return fail(status::bad_json, here());

  // The tensors tile the data: sorted by (begin, end), each begins where the one before ends.
  for (int i = 1; i < count; ++i) {
    const st::entry e = entries[i];
    int j = i;
    for (; j > 0 && (entries[j - 1].begin > e.begin || (entries[j - 1].begin == e.begin && entries[j - 1].end > e.end)); --j)
      entries[j] = entries[j - 1];
    entries[j] = e;
  }
  const auto name_entry = [&](const st::entry& e) {
    if (e.tensor < P) {
      st::copy_name(r.tensor, params[e.tensor].name, text_length(params[e.tensor].name));
      r.parameter = e.tensor;
    } else {
      name_buffer name = {};
      const char* mean = params[e.tensor - P].name;
      const int prefix = text_length(mean) - 12;  // without "running_mean"
      for (int i = 0; i < prefix; ++i) name[i] = mean[i];
      for (int i = 0; i < tracked_length - 1; ++i) name[prefix + i] = tracked[1 + i];
      st::copy_name(r.tensor, name, prefix + tracked_length - 1);
    }
  };
  std::uint64_t covered = 0;
  for (int i = 0; i < count; ++i) {
    if (entries[i].begin != covered) {
      name_entry(entries[i]);
      return fail(entries[i].begin < covered ? status::overlap : status::gap, entries[i].where);
    }
    covered = entries[i].end;
  }
  if (covered != data_size) return fail(status::gap, 8 + header + covered);

  for (int p = 0; p < P; ++p)
    if (!seen[p]) {
      st::copy_name(r.tensor, params[p].name, text_length(params[p].name));
      r.parameter = p;
      return fail(status::missing_tensor, 8 + header);
    }

  // All checked: now write.
  for (int i = 0; i < count; ++i) {
    const st::entry& e = entries[i];
    if (e.tensor >= P) continue;
    const parameter_info& p = params[e.tensor];
    st::convert(w.values.data() + p.offset, data + e.begin, static_cast<std::uint64_t>(p.size), e.dtype);
  }
  r.offset = file.size();
  return r;
}

CTNN_END_CONFIG
