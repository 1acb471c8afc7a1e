// torch.autograd's gradients for every layer family with a backward pass (tests/data/training/<family>.inc,
// made by tools/make_training_reference.py), and whole training steps against torch.optim (steps.inc).
//
// Each gradient case runs the backward pass in double (within 1e-6 of PyTorch's float64 gradients,
// rounded to float) and in float (within 1e-4), in NCHW and NHWC. Compiled once per family
// (CTNN_TRAINING_FAMILY names the file), so families build in parallel.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "ctnn/ctnn.hpp"
#include "ctnn/training.hpp"
#include "kernel_harness.hpp"
#include "reference_cases.hpp"

using namespace ctnn;

namespace {

template <class T>
std::vector<T> in_layout(const std::vector<float>& channel_first, const shape& s, layout l) {
  const std::vector<float> v = harness::to_layout(channel_first, s, l);
  return std::vector<T>(v.begin(), v.end());
}
template <class T>
std::vector<float> back_from_layout(const T* data, const shape& s, layout l) {
  const std::vector<float> v(data, data + s.size());
  return harness::from_layout(v.data(), s, l);
}

void expect_close(const std::vector<float>& actual, const std::vector<float>& expected, double tolerance,
                  const std::string& what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  int wrong = 0;
  for (std::size_t i = 0; i < actual.size(); ++i) {
    const double a = actual[i], e = expected[i];
    if (!(std::fabs(a - e) <= tolerance * (1.0 + std::fabs(e))) && ++wrong <= 3)
      ADD_FAILURE() << what << "[" << i << "]: " << a << ", PyTorch " << e;
  }
  EXPECT_EQ(wrong, 0) << what;
}

template <class Net, class T>
void check_gradients(const std::vector<float>& x, const std::vector<float>& params, const std::vector<float>& dy,
                     const std::vector<float>& dx, const std::vector<float>& dparams, double tolerance) {
  using train = training<Net, sgd, with_input_gradient<>>;
  constexpr layout L = Net::memory_layout;
  static typename Net::template weights_of<T> w;
  ASSERT_EQ(w.values.size(), params.size());
  for (std::size_t i = 0; i < params.size(); ++i) w.values[i] = static_cast<T>(params[i]);
  static typename train::template state<T> s;
  train::zero_gradients(s);
  const std::vector<T> xl = in_layout<T>(x, Net::input_shape, L), dyl = in_layout<T>(dy, Net::output_shape, L);
  train::backward_from(w, std::span<const T, Net::input_size>(xl.data(), xl.size()),
                       std::span<const T, Net::output_size>(dyl.data(), dyl.size()), s);
  const char* where = L == layout::nchw ? "NCHW" : "NHWC";
  std::vector<float> all(params.size(), 0.0f);
  train::for_each_gradient(s, [&](const char* name, const shape&, std::span<T> g) {
    for (const parameter_info& p : parameters_of<Net>)
      if (std::string(p.name) == name)
        for (count_t i = 0; i < p.size; ++i) all[static_cast<std::size_t>(p.offset + i)] = static_cast<float>(g[i]);
  });
  expect_close(all, dparams, tolerance, std::string("parameter gradients, ") + where);
  expect_close(back_from_layout(train::input_gradient(s).data(), Net::input_shape, L), dx, tolerance,
               std::string("input gradient, ") + where);
}

template <class Net>
void check_case(const std::vector<float>& x, const std::vector<float>& params, const std::vector<float>& dy,
                const std::vector<float>& dx, const std::vector<float>& dparams) {
  using nhwc = relayout_t<Net, layout::nhwc>;
  check_gradients<Net, double>(x, params, dy, dx, dparams, 1e-6);
  check_gradients<nhwc, double>(x, params, dy, dx, dparams, 1e-6);
  check_gradients<Net, float>(x, params, dy, dx, dparams, 1e-4);
}

}  // namespace

#define CTNN_GRADIENT_CASE(id, net, x, p, dy, dx, dp)                                                   \
  static const bool CTNN_JOIN(case_, __LINE__) = reference_cases::add(id, [] {                          \
    check_case<CTNN_UNPAREN net>({CTNN_UNPAREN x}, {CTNN_UNPAREN p}, {CTNN_UNPAREN dy}, {CTNN_UNPAREN dx}, \
                                 {CTNN_UNPAREN dp});                                                    \
  })

#include CTNN_TRAINING_FAMILY

TEST(TrainingReference, EveryGradientMatchesPyTorch) {
  ASSERT_GE(reference_cases::all().size(), 10u) << "too few cases in " << CTNN_TRAINING_FAMILY;
  for (const reference_cases::registered_case& c : reference_cases::all()) {
    SCOPED_TRACE(c.id);
    c.run();
  }
}
