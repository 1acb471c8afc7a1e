// Property tests: random nested networks (chains, residuals, concats, fusable groups), generated at
// compile time from a seed, and the invariants every network must keep:
//   - in both memory plans, no two tensors alive at the same node overlap, and all fit the arena;
//   - the runner writes only tensors the plan stores, and reads only what it wrote (the arena starts
//     as NaN, so a stray read shows in the output);
//   - every summary row's tensor has the row's size;
//   - the fused fast kernels (prepared weights), the plain loops in NHWC and the plain loops in NCHW
//     give the same numbers.
// Compiled once per range of seeds (CTNN_PROPERTY_SEEDS), so that the ranges build in parallel.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>

#include <boost/mp11/algorithm.hpp>

#include "kernel_harness.hpp"

using namespace ctnn;
namespace mp = boost::mp11;

namespace gen {
constexpr unsigned step(unsigned s) { return s * 1664525u + 1013904223u; }
constexpr unsigned pick(unsigned s, unsigned n) { return (s >> 16) % n; }

template <unsigned Seed, index_t C, int Count, int Depth>
struct layers;

// One element of a chain that keeps C channels and the spatial size: a list of one or more layers.
template <unsigned Kind, unsigned Seed, index_t C, int Depth>
struct element;
template <unsigned Seed, index_t C, int Depth>
struct element<0, Seed, C, Depth> {
  using type = mp::mp_list<conv2d<C, 3, pad<1>>>;
};
template <unsigned Seed, index_t C, int Depth>
struct element<1, Seed, C, Depth> {
  using type = mp::mp_list<std::conditional_t<pick(Seed, 3) == 0, relu, std::conditional_t<pick(Seed, 3) == 1, hardswish, leaky_relu<1, 8>>>>;
};
template <unsigned Seed, index_t C, int Depth>
struct element<2, Seed, C, Depth> {  // a depthwise + pointwise group, as MobileNet writes it
  using type = mp::mp_list<depthwise_conv2d<3, pad<1>>, relu6, conv2d<C, 1>, relu>;
};
template <unsigned Seed, index_t C, int Depth>
struct element<3, Seed, C, Depth> {
  using type = mp::mp_list<batch_norm2d<>>;
};
template <unsigned Seed, index_t C, int Depth>
struct element<4, Seed, C, Depth> {  // a residual block with an identity or a 1x1 shortcut
  using main = mp::mp_apply<chain, typename layers<step(Seed), C, 1 + pick(Seed, 3), Depth - 1>::type>;
  using type = mp::mp_list<std::conditional_t<pick(Seed, 2) == 0, residual<main>, residual<main, conv2d<C, 1, no_bias>>>>;
};
template <unsigned Seed, index_t C, int Depth>
struct element<5, Seed, C, Depth> {  // a concat of two branches that together keep C channels
  using left = mp::mp_apply<chain, mp::mp_push_front<typename layers<step(Seed), C / 2, pick(Seed, 3), Depth - 1>::type,
                                                     conv2d<C / 2, 1>>>;
  using right = mp::mp_apply<chain, typename layers<step(step(Seed)), C / 2, pick(step(Seed), 2), Depth - 1>::type>;
  using type = mp::mp_list<concat<left, chain<conv2d<C / 2, 3, pad<1>>, right>>>;
};
template <unsigned Seed, index_t C, int Depth>
struct element<6, Seed, C, Depth> {  // a chain used as a layer
  using type = mp::mp_list<mp::mp_apply<chain, typename layers<step(Seed), C, 1 + pick(Seed, 3), Depth - 1>::type>>;
};

template <unsigned Seed, index_t C, int Depth>
struct element_of : element<pick(Seed, Depth > 0 ? 7 : 4), step(Seed), C, Depth> {};

template <unsigned Seed, index_t C, int Depth>
struct layers<Seed, C, 0, Depth> {
  using type = mp::mp_list<>;
};
template <unsigned Seed, index_t C, int Count, int Depth>
struct layers {
  using type = mp::mp_append<typename element_of<Seed, C, Depth>::type, typename layers<step(step(Seed)), C, Count - 1, Depth>::type>;
};

// A network of 3 to 8 elements on 8 channels of 6 x 5, ending in a classifier.
template <unsigned Seed>
using network = mp::mp_apply<sequential, mp::mp_append<mp::mp_list<input<8, 6, 5>>,
                                                       typename layers<Seed * 2654435761u, 8, 3 + pick(Seed * 2654435761u, 6), 3>::type,
                                                       mp::mp_list<global_avg_pool, flatten, linear<5>>>>;
}  // namespace gen

namespace {

// The nodes the runner calls (with prepared weights, a group's first node) write stored tensors.
template <class Net>
::testing::AssertionResult writes_are_stored() {
  constexpr auto& s = schedule_of<Net>::value;
  constexpr auto& fused = fused_memory_plan_of<Net>;
  constexpr auto& plain = memory_plan_of<Net>;
  for (int k = 0; k < s.node_count; ++k) {
    if (!plain.stored(k + 1)) return ::testing::AssertionFailure() << "plain plan: node " << k << " has nowhere to write";
    if (s.nodes[k].inside_group) continue;
    const int out = k + 1 + s.nodes[k].fused;
    if (!fused.stored(out)) return ::testing::AssertionFailure() << "fused plan: group at node " << k << " has nowhere to write";
  }
  return ::testing::AssertionSuccess();
}

template <unsigned Seed>
void check_network() {
  using nchw_net = gen::network<Seed>;
  using net = relayout_t<nchw_net, layout::nhwc>;
  SCOPED_TRACE(testing::Message() << "seed " << Seed << ": " << schedule_of<net>::value.node_count << " nodes");
  EXPECT_TRUE(harness::plan_is_sound(memory_plan_of<net>));
  EXPECT_TRUE(harness::plan_is_sound(fused_memory_plan_of<net>));
  EXPECT_TRUE(harness::plan_is_sound(memory_plan_of<nchw_net>));
  EXPECT_TRUE(writes_are_stored<net>());
  for (const layer_summary& row : summary_of<net>.rows)
    EXPECT_EQ(memory_plan_of<net>.size[row.tensor], row.output.size()) << row.name;

  auto w = std::make_unique<typename net::weights>();
  const auto values = harness::random_values(static_cast<count_t>(w->values.size()), Seed);
  for (std::size_t i = 0; i < values.size(); ++i) w->values[i] = values[i] * 0.5f;
  const auto is_variance = [](const char* name) {
    const int n = text_length(name);
    return n >= 11 && same_text(name + n - 11, "running_var");
  };
  for (const parameter_info& p : parameters_of<net>)  // batch norm: variances above 0.5
    if (is_variance(p.name))
      for (count_t i = 0; i < p.size; ++i) w->values[p.offset + i] = std::abs(w->values[p.offset + i]) + 0.5f;
  auto prepared = std::make_unique<typename net::prepared>();
  prepare_into(*w, *prepared);
  const auto x = harness::random_values(net::input_size, Seed + 1);
  std::array<float, net::output_size> fast{}, plain{};
  auto fast_arena = std::make_unique<static_arena<typename net::prepared>>();
  auto plain_arena = std::make_unique<static_arena<net>>();
  fast_arena->data.fill(std::numeric_limits<float>::quiet_NaN());
  plain_arena->data.fill(std::numeric_limits<float>::quiet_NaN());
  net::forward(*prepared, std::span<const float, net::input_size>(x), fast, *fast_arena);
  net::forward(*w, std::span<const float, net::input_size>(x), plain, *plain_arena);
  // The same weights and input in NCHW: the flat weights do not depend on the layout. Three paths of
  // ctnn agreeing is the property; each family's numbers against PyTorch are numeric_reference_test's.
  const auto nchw = harness::run<nchw_net, layout::nchw>(harness::from_layout(x.data(), net::input_shape, layout::nhwc),
                                                      std::vector<float>(w->values.begin(), w->values.end()));
  for (std::size_t i = 0; i < fast.size(); ++i) {
    ASSERT_FALSE(std::isnan(fast[i])) << i;
    EXPECT_NEAR(fast[i], plain[i], 1e-4f * (1 + std::abs(plain[i]))) << i;
    EXPECT_NEAR(plain[i], nchw[i], 1e-4f * (1 + std::abs(nchw[i]))) << i;
  }
}

template <unsigned... Seeds>
void check_all(std::integer_sequence<unsigned, Seeds...>) {
  (check_network<CTNN_PROPERTY_FIRST_SEED + Seeds>(), ...);
}
}  // namespace

TEST(Properties, RandomNestedNetworksKeepEveryInvariant) {
  check_all(std::make_integer_sequence<unsigned, CTNN_PROPERTY_SEEDS>{});
}
