// ctnn/core/text.hpp: the little text handling constexpr code needs, without <string_view> (a sixth of a
// second in every translation unit).
#pragma once

namespace ctnn {

constexpr int text_length(const char* s) {
  int n = 0;
  while (s[n] != '\0') ++n;
  return n;
}

constexpr bool same_text(const char* a, const char* b) {
  int i = 0;
  while (a[i] != '\0' && a[i] == b[i]) ++i;
  return a[i] == b[i];
}

}  // namespace ctnn
