// The printed summary and plans: text cut, never overrun (ASan watches the buffers in the sanitizer
// build), and the names of named blocks.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "ctnn/ctnn.hpp"

using namespace ctnn;

namespace {
std::string printed(void (*print)(std::FILE*)) {
  char buffer[1 << 16] = {};
  std::FILE* f = fmemopen(buffer, sizeof buffer, "w");
  print(f);
  std::fclose(f);
  return buffer;
}
}  // namespace

// A receptive field whose text is longer than its column (48 bytes with the NUL) is cut there. Once
// snprintf had truncated, the old code went on writing at an offset past the buffer (ASan, in the
// sanitizer build, stops that).
TEST(Report, LongReceptiveFieldsAreCut) {
  receptive_field f;
  f.rank = 3;
  for (int i = 0; i < 3; ++i) {
    f.size[i] = 123456789;
    f.jump_num[i] = 7;
    f.jump_den[i] = 1234567;
  }
  impl::bounded_text<48> text;
  impl::field_text(f, text);
  EXPECT_STREQ(text.c_str(), "123456789x123456789x123456789 /7/1234567x7/1234");
}

namespace zoo {
struct stem : chain<conv2d<8, 3, pad<1>>, relu> {};
template <int N>
struct stage : residual<chain<conv2d<8, 3, pad<1>>, relu>> {};
}  // namespace zoo

TEST(Report, NamedBlocksPrintByName) {
  using net = sequential<input<3, 8, 8>, zoo::stem, zoo::stage<2>, concat<relu, identity_layer>>;
  constexpr auto& s = summary_of<net>;
  EXPECT_STREQ(s.rows[0].name, "stem");
  EXPECT_STREQ(s.rows[3].name, "stage<2>");
  EXPECT_STREQ(s.rows[6].name, "concat");  // as written: no name of its own
  const std::string shapes = printed([](std::FILE* f) { print_shapes<net>(f); });
  EXPECT_NE(shapes.find("stem"), std::string::npos);
  EXPECT_NE(shapes.find("stage<2>"), std::string::npos);
}
