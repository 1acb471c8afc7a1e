// ctnn/core/type_name.hpp: a type's name as the compiler spells it (display names of named blocks).
#pragma once

namespace ctnn::detail {

// "... [with T = ns::stem; ...]" (g++) or "... [T = ns::stem]" (clang).
template <class T>
constexpr const char* pretty_name() {
  return __PRETTY_FUNCTION__;
}

}  // namespace ctnn::detail
