// ctnn/plan/weights.hpp: every parameter of a network in one flat array, in PyTorch's state_dict
// order, with a name, a shape and an offset for each tensor, laid out by the schedule.
//
//   net::weights w;                          float; net::weights_of<double> for another element type
//   w.values                                 all of them: torch.cat of the state_dict's tensors
//   w.at<0>().weight, w.at<0>().bias         layer 0's tensors, as spans, PyTorch's order (OIHW, [out, in])
//   w.at<2, 1, 0>().weight                   inside a block: layer 2, branch 1, layer 0
//   ctnn::parameters_of<net>                 per tensor: name ("0.weight", "2.1.0.bias"), shape, offset
//   ctnn::for_each_parameter(w, f)           f(name, shape, span) for every tensor, in order
//   ctnn::load_weights(w, flat)              all at once; ctnn::set_parameter(w, name, dims, data) by name
//
// Names follow positions (unless the network's state_dict_names are given, as an imported network's
// header does), as nn.Sequential names its modules: layer i of the network is "i", branch b
// of a residual or concat block i is "i.b", a chain used as a layer adds its layer's position only.
// Batch norm holds weight, bias (unless no_affine), running_mean and running_var. Large weights belong
// in static storage (`static net::weights w;`), not on the stack.
#pragma once

#include <array>
#include <cstddef>
#include <span>

#include "ctnn/core/text.hpp"
#include "ctnn/plan/schedule.hpp"

CTNN_BEGIN_CONFIG

namespace impl {
// The dotted position of node k: "3", "2.1.0". Returns its length; writes it when `out` is given.
template <int N>
constexpr int node_path(const schedule<N>& s, int k, char* out) {
  int steps[2 * max_nesting + 2] = {}, count = 0;
  for (int n = k; n >= 0; n = s.nodes[n].parent) {
    const int parent = s.nodes[n].parent;
    steps[count++] = s.nodes[n].index;
    if (parent >= 0 && s.nodes[parent].kind != node_kind::chain) steps[count++] = s.nodes[n].in_branch;
  }
  int length = 0;
  for (int i = count - 1; i >= 0; --i) {
    char digits[12] = {};
    int d = 0;
    for (int v = steps[i]; d == 0 || v > 0; v /= 10) digits[d++] = static_cast<char>('0' + v % 10);
    while (d > 0) {
      if (out) out[length] = digits[d - 1];
      ++length;
      --d;
    }
    if (i > 0) {
      if (out) out[length] = '.';
      ++length;
    }
  }
  return length;
}

// Every tensor's name, NUL-terminated, one after another: "0.weight\00.bias\0...".
template <class Net>
struct parameter_name_text {
  static constexpr const auto& s = schedule_of<Net>::value;
  static constexpr const auto& tensors = parameter_layout_of<Net>::value.tensors;
  static constexpr int length = [] {
    int n = 0;
    for (const parameter_tensor& t : tensors) n += node_path(s, t.node, nullptr) + 1 + text_length(t.suffix) + 1;
    return n;
  }();
  struct names {
    std::array<char, length + 1> text{};
    std::array<int, tensors.size() + 1> start{};
  };
  static constexpr names value = [] {
    names r;
    int at = 0, i = 0;
    for (const parameter_tensor& t : tensors) {
      r.start[i++] = at;
      at += node_path(s, t.node, r.text.data() + at);
      r.text[at++] = '.';
      for (const char* c = t.suffix; *c != '\0'; ++c) r.text[at++] = *c;
      r.text[at++] = '\0';
    }
    return r;
  }();
};
}  // namespace impl

// One parameter tensor of a network, for the user: its name, and where it is in the flat weights.
struct parameter_info {
  const char* name = "";
  shape dims;
  bool learned = true;
  count_t offset = 0, size = 0;
};

// A network's own tensor names, in state_dict order, instead of the positional ones: the header
// tools/ctnn_import.py writes specializes it with the model's state_dict keys ("layer1.0.conv1.weight").
template <class Net>
inline constexpr std::span<const char* const> state_dict_names{};

template <class Net>
inline constexpr auto parameters_of = [] {
  using names = impl::parameter_name_text<Net>;
  constexpr const auto& tensors = parameter_layout_of<Net>::value.tensors;
  constexpr std::span<const char* const> own = state_dict_names<Net>;
  static_assert(own.empty() || own.size() == tensors.size(),
                "ctnn::state_dict_names: one name per parameter tensor of the network, in its order");
  std::array<parameter_info, tensors.size()> r{};
  for (std::size_t t = 0; t < tensors.size(); ++t)
    r[t] = {own.empty() ? names::value.text.data() + names::value.start[t] : own[t], tensors[t].dims,
            tensors[t].learned, tensors[t].offset, tensors[t].size};
  return r;
}();

// One layer's tensors, as spans into the flat weights; empty for those it does not have.
template <class T>
struct layer_parameters {
  std::span<T> weight, bias, running_mean, running_var;
};

template <class Net, class T = float>
struct weights_of {
  using network = Net;
  using value_type = T;
  static constexpr count_t size = parameter_layout_of<Net>::value.elements;
  std::array<T, size> values{};

  // The layer at Path (layer, branch, layer, ...).
  template <int... Path>
  constexpr layer_parameters<T> at() {
    return view<T, Path...>(values.data());
  }
  template <int... Path>
  constexpr layer_parameters<const T> at() const {
    return view<const T, Path...>(values.data());
  }

 private:
  template <class E, int... Path>
  static constexpr layer_parameters<E> view(E* base) {
    constexpr const auto& s = schedule_of<Net>::value;
    constexpr const auto& tensors = parameter_layout_of<Net>::value.tensors;
    constexpr int path[] = {Path..., 0};
    constexpr int node = node_at_path(s, path, static_cast<int>(sizeof...(Path)));
    static_assert(node >= 0, "ctnn: weights_of::at<Path...>: no layer at that path (layer, branch, layer, ...)");
    layer_parameters<E> r;
    for (int t = s.nodes[node].first_tensor; t < s.nodes[node].first_tensor + s.nodes[node].tensor_count; ++t) {
      const char* suffix = tensors[t].suffix;
      const std::span<E> data(base + tensors[t].offset, static_cast<std::size_t>(tensors[t].size));
      if (same_text(suffix, "weight")) r.weight = data;
      if (same_text(suffix, "bias")) r.bias = data;
      if (same_text(suffix, "running_mean")) r.running_mean = data;
      if (same_text(suffix, "running_var")) r.running_var = data;
    }
    return r;
  }
};

// f(name, dims, span of its values) for every tensor, in state_dict order.
template <class W, class F>
constexpr void for_each_parameter(W& w, F&& f) {
  using Net = typename std::remove_const_t<W>::network;
  for (const parameter_info& p : parameters_of<Net>)
    f(p.name, p.dims, std::span(w.values.data() + p.offset, static_cast<std::size_t>(p.size)));
}

struct load_result {
  bool ok = false;
  count_t expected = 0;  // numbers the weights hold
  count_t given = 0;     // numbers supplied
};

// Fills `w` from one flat array in PyTorch's state_dict order (num_batches_tracked left out). Refuses
// a wrong count and leaves `w` untouched then.
template <class W, class E>
constexpr load_result load_weights(W& w, std::span<const E> flat) {
  load_result r{false, static_cast<count_t>(w.values.size()), static_cast<count_t>(flat.size())};
  if (r.expected != r.given) return r;
  for (std::size_t i = 0; i < flat.size(); ++i) w.values[i] = static_cast<typename W::value_type>(flat[i]);
  r.ok = true;
  return r;
}

enum class parameter_status : int { ok, unknown_name, wrong_shape };
struct set_result {
  parameter_status status = parameter_status::ok;
  shape expected;  // for wrong_shape: the tensor's shape in the network
  constexpr explicit operator bool() const { return status == parameter_status::ok; }
};

// Sets the tensor named `name` from `data` of shape `dims`; refuses an unknown name or another shape
// (leaving `w` untouched).
template <class W, class E>
constexpr set_result set_parameter(W& w, const char* name, const shape& dims, std::span<const E> data) {
  using Net = typename W::network;
  for (const parameter_info& p : parameters_of<Net>) {
    if (!same_text(name, p.name)) continue;
    if (!(dims == p.dims) || static_cast<count_t>(data.size()) != p.size) return {parameter_status::wrong_shape, p.dims};
    for (count_t i = 0; i < p.size; ++i) w.values[p.offset + i] = static_cast<typename W::value_type>(data[i]);
    return {};
  }
  return {parameter_status::unknown_name, {}};
}

// Where each node's tensors start in the flat weights (0 for nodes without).
template <class Net>
inline constexpr auto plain_weight_offsets = [] {
  constexpr const auto& s = schedule_of<Net>::value;
  std::array<count_t, s.node_count + 1> r{};
  for (int k = 0; k < s.node_count; ++k)
    r[k] = s.nodes[k].tensor_count > 0 ? parameter_layout_of<Net>::value.tensors[s.nodes[k].first_tensor].offset : 0;
  return r;
}();

CTNN_END_CONFIG
