// ctnn/core/type_name.hpp: a type's name as the compiler spells it, and a key that tells types apart in
// a constant expression.
//
// Comparing function pointers would do for the latter, but g++ with -fsanitize=address refuses to
// compare two functions' addresses in a constant expression.
#pragma once

#include <cstdint>

namespace ctnn::detail {

// "... [with T = ns::stem; ...]" (g++) or "... [T = ns::stem]" (clang).
template <class T>
constexpr const char* pretty_name() {
  return __PRETTY_FUNCTION__;
}

// FNV-1a of the name: equal for one type, and for two types only with the names' texts compared too
// (same_type_name), so a collision cannot merge them.
template <class T>
struct type_key {
  static constexpr std::uint64_t value = [] {
    std::uint64_t h = 14695981039346656037ull;
    for (const char* c = pretty_name<T>(); *c != '\0'; ++c) h = (h ^ static_cast<unsigned char>(*c)) * 1099511628211ull;
    return h;
  }();
};

constexpr bool same_type_name(const char* a, const char* b) {
  int i = 0;
  while (a[i] != '\0' && a[i] == b[i]) ++i;
  return a[i] == b[i];
}

}  // namespace ctnn::detail
