// The cases of a committed reference-data file (tests/data/...inc), each line a macro that registers a
// check to run under one test, with its id traced.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace reference_cases {

struct registered_case {
  std::string id;
  std::function<void()> run;
};
inline std::vector<registered_case>& all() {
  static std::vector<registered_case> cases;
  return cases;
}
inline bool add(const char* id, std::function<void()> run) {
  all().push_back({id, std::move(run)});
  return true;
}

}  // namespace reference_cases

#define CTNN_UNPAREN(...) __VA_ARGS__
#define CTNN_JOIN2(a, b) a##b
#define CTNN_JOIN(a, b) CTNN_JOIN2(a, b)
