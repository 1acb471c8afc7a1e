// The zoo's reference figures (tests/data/zoo_reference.txt, made by tools/make_zoo_reference.py with
// the MAC convention of each family's macs_of): totals and output shape per network, and for
// torchvision's models one line per module with parameters of its own.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "ctnn/ctnn.hpp"

namespace zoo_reference {
struct figures {
  long long params = -1, macs = -1;
  std::string out;
  std::vector<std::string> layers;  // "out=... params=... macs=...", sorted
};

inline std::map<std::string, figures> load() {
  std::ifstream file(std::string(CTNN_TEST_DATA_DIR) + "/zoo_reference.txt");
  std::map<std::string, figures> all;
  std::string line;
  while (std::getline(file, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream in(line);
    std::string name, kv;
    in >> name;
    figures& f = all[name];
    if (line.compare(name.size(), 7, " layer ") == 0) {
      f.layers.push_back(line.substr(name.size() + 7));
      continue;
    }
    while (in >> kv) {
      const auto eq = kv.find('=');
      const std::string key = kv.substr(0, eq), value = kv.substr(eq + 1);
      if (key == "params") f.params = std::stoll(value);
      if (key == "macs") f.macs = std::stoll(value);
      if (key == "out") f.out = value;
    }
  }
  for (auto& [name, f] : all) std::sort(f.layers.begin(), f.layers.end());
  return all;
}

inline std::string dims_text(const ctnn::shape& s) {
  std::string out;
  for (int i = 0; i < s.rank; ++i) {
    if (i > 0) out += ',';  // not `(i ? "," : "") + ...`: g++ 12 -O3 warns falsely (-Wrestrict) on it
    out += std::to_string(s[i]);
  }
  return out;
}

// The network's layers with parameters, as the reference writes PyTorch's modules; sorted, since the
// two run a residual's branches in different orders.
template <class Net>
std::vector<std::string> layers_of() {
  std::vector<std::string> layers;
  for (const ctnn::schedule_node& n : ctnn::schedule_of<Net>::value.nodes)
    if (n.kind == ctnn::node_kind::layer && n.params > 0)
      layers.push_back("out=" + dims_text(n.out) + " params=" + std::to_string(n.params) + " macs=" + std::to_string(n.macs));
  std::sort(layers.begin(), layers.end());
  return layers;
}

template <class Net>
void expect_matches(const std::map<std::string, figures>& reference, const std::string& name) {
  SCOPED_TRACE(name);
  ASSERT_TRUE(reference.count(name)) << "no reference line";
  const figures& f = reference.at(name);
  EXPECT_EQ(Net::params, f.params);
  EXPECT_EQ(Net::macs, f.macs);
  EXPECT_EQ(dims_text(Net::output_shape), f.out);
  if (!f.layers.empty()) {
    EXPECT_EQ(layers_of<Net>(), f.layers);
  }
}
}  // namespace zoo_reference
