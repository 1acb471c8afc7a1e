// PyTorch's numbers for every layer family (tests/data/numeric/<family>.inc, made by
// tools/make_numeric_reference.py): each case runs in NCHW and NHWC and must match bit for bit when the
// case is exact (small integers and dyadic fractions, which every summation order reproduces), else
// within |a - b| <= 1e-5 + 1e-5 |b|. PyTorch's values are computed in float64 from the float32 inputs
// and rounded once; the generator checks that PyTorch's own float32 run stays within a quarter of that
// tolerance.
//
// Compiled once per family (CTNN_NUMERIC_FAMILY names the file), so families build in parallel.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "kernel_harness.hpp"
#include "reference_cases.hpp"

using namespace ctnn;

namespace {


constexpr double tolerance = 1e-5;

void compare(const std::vector<float>& actual, const std::vector<float>& expected, bool exact, const char* what) {
  if (exact) {
    EXPECT_TRUE(harness::exactly(actual, expected)) << what;
  } else {
    EXPECT_TRUE(harness::close(actual, expected, tolerance, tolerance)) << what;
  }
}

template <class Net>
void check_network(bool exact, const std::vector<float>& x, const std::vector<float>& params,
                   const std::vector<float>& y) {
  const auto [nchw, nhwc] = harness::run_both<Net>(x, params);
  compare(nchw, y, exact, "NCHW");
  compare(nhwc, y, exact, "NHWC");
}

template <class Layer, shape In, layout L>
void check_partial_conv_in(bool exact, const std::vector<float>& x, const std::vector<float>& mask,
                           const std::vector<float>& params, const std::vector<float>& y,
                           const std::vector<float>& new_mask) {
  using placed = placed_layer<Layer, In>;
  constexpr auto p = Layer::params;
  const std::size_t weights = static_cast<std::size_t>(placed::weight_shape.size());
  ASSERT_GE(params.size(), weights);
  const std::vector<float> w(params.begin(), params.begin() + static_cast<std::ptrdiff_t>(weights));
  const std::vector<float> b(params.begin() + static_cast<std::ptrdiff_t>(weights), params.end());
  const auto xl = harness::to_layout(x, In, L), ml = harness::to_layout(mask, placed::mask_shape, L);
  std::vector<float> out(static_cast<std::size_t>(placed::output_shape.size()));
  std::vector<float> out_mask(static_cast<std::size_t>(placed::updated_mask_shape.size()));
  partial_conv_forward<p, In, L>(xl.data(), ml.data(), w.data(), b.empty() ? nullptr : b.data(), out.data(),
                                 out_mask.data());
  compare(harness::from_layout(out.data(), placed::output_shape, L), y, exact, L == layout::nchw ? "NCHW" : "NHWC");
  compare(harness::from_layout(out_mask.data(), placed::updated_mask_shape, L), new_mask, true, "mask");
}

template <class Layer, shape In>
void check_partial_conv(bool exact, const std::vector<float>& x, const std::vector<float>& mask,
                        const std::vector<float>& params, const std::vector<float>& y, const std::vector<float>& m) {
  check_partial_conv_in<Layer, In, layout::nchw>(exact, x, mask, params, y, m);
  check_partial_conv_in<Layer, In, layout::nhwc>(exact, x, mask, params, y, m);
}

}  // namespace

#define CTNN_NUMERIC_CASE(id, exact, net, x, p, y)                                                      \
  static const bool CTNN_JOIN(case_, __LINE__) = reference_cases::add(id, [] {                                     \
    check_network<CTNN_UNPAREN net>(exact, {CTNN_UNPAREN x}, {CTNN_UNPAREN p}, {CTNN_UNPAREN y});       \
  })
#define CTNN_PARTIAL_CONV_CASE(id, exact, layer, in, x, mask, p, y, new_mask)                            \
  static const bool CTNN_JOIN(case_, __LINE__) = reference_cases::add(id, [] {                                     \
    check_partial_conv<CTNN_UNPAREN layer, shape{CTNN_UNPAREN in}>(exact, {CTNN_UNPAREN x}, {CTNN_UNPAREN mask}, \
                                                                   {CTNN_UNPAREN p}, {CTNN_UNPAREN y},          \
                                                                   {CTNN_UNPAREN new_mask});                    \
  })

#include CTNN_NUMERIC_FAMILY

TEST(NumericReference, EveryCaseMatchesPyTorch) {
  ASSERT_GE(reference_cases::all().size(), 10u) << "too few cases in " << CTNN_NUMERIC_FAMILY;
  for (const reference_cases::registered_case& c : reference_cases::all()) {
    SCOPED_TRACE(c.id);
    c.run();
  }
}
