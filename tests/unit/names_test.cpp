// The user-facing names live together with the C and C++ libraries: under `using namespace ctnn` and
// `using namespace std` a program still calls tanh and std's algorithms, and names its own variables k,
// same, fill or eps. (ctnn::tanh once hid ::tanh; the diagnostic tags sit in ctnn::facts.)
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <type_traits>
#include <vector>

#include "ctnn/ctnn.hpp"

using namespace std;
using namespace ctnn;

namespace {
int k = 3;
[[maybe_unused]] bool same = true;  // only named: the test is that the names resolve
[[maybe_unused]] double eps = 1e-5;
using block = sequential<input<4, 8, 8>, conv2d<4, kernel<3, 3>, pad_same>, tanh_activation, batch_norm2d<4, eps_ratio<1, 1000>>,
                         upsample_nearest2d<scale_factor<2>>, constant_pad2d<pad<1>, fill_value<1, 2>>, concat<identity_layer, relu>>;
}  // namespace

TEST(Names, LibraryNamesAndCtnnLiveTogether) {
  EXPECT_DOUBLE_EQ(tanh(0.5), std::tanh(0.5));
  std::vector<int> v(3);
  fill(v.begin(), v.end(), k);
  EXPECT_EQ(v[2], 3);
  // The program's own names resolve to its own variables and to std's identity, not to ctnn's.
  static_assert(std::is_same_v<decltype(same), bool> && std::is_same_v<decltype(eps), double>);
  static_assert(std::is_same_v<decltype(identity{}), std::identity>);
  EXPECT_EQ(block::output_shape, (shape{8, 18, 18}));
}

// relayout_t keeps an input's options (batch) and changes only its layout.
using batched = sequential<input<3, 8, 8>::with<batch<4>>, conv2d<2, 3>>;
static_assert(relayout_t<batched, layout::nhwc>::batch == 4);
static_assert(relayout_t<batched, layout::nhwc>::memory_layout == layout::nhwc);
static_assert(relayout_t<relayout_t<batched, layout::nhwc>, layout::nchw>::memory_layout == layout::nchw);
