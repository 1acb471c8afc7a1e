// MobileNetV3 small and large (Howard et al. 2019), as torchvision defines them: inverted residuals
// with squeeze-and-excitation gated by hardsigmoid, hardswish in the later blocks, batch norm eps 1e-3.
#pragma once
#include <ctnn/ctnn.hpp>

namespace zoo {
using namespace ctnn;

namespace v3 {
// torchvision's _make_divisible(v, 8): the nearest multiple of 8, at most 10% below v.
constexpr index_t divisible(index_t v) {
  const index_t r = (v + 4) / 8 * 8 < 8 ? 8 : (v + 4) / 8 * 8;
  return 10 * r < 9 * v ? r + 8 : r;
}
using bn = batch_norm2d<0, eps_ratio<1, 1000>>;
template <index_t C, index_t K, index_t S, index_t G, class Act>
using conv_bn = chain<conv2d<C, K, stride<S>, pad<(K - 1) / 2>, groups<G>, no_bias>, bn, Act>;

// bneck(in, kernel, expanded, out, SE, activation, stride): expand 1x1 (unless expanded == in),
// depthwise, SE, project 1x1; the input added back when the shape is kept.
template <index_t In, index_t K, index_t Exp, index_t Out, bool SE, class Act, index_t S>
struct bneck_main
    : boost::mp11::mp_rename<
          boost::mp11::mp_append<
              std::conditional_t<Exp != In, boost::mp11::mp_list<conv_bn<Exp, 1, 1, 1, Act>>, boost::mp11::mp_list<>>,
              boost::mp11::mp_list<conv_bn<Exp, K, S, Exp, Act>>,
              std::conditional_t<SE, boost::mp11::mp_list<squeeze_excitation<Exp, divisible(Exp / 4), relu, hardsigmoid>>,
                                 boost::mp11::mp_list<>>,
              boost::mp11::mp_list<conv_bn<Out, 1, 1, 1, identity_layer>>>,
          chain> {};
template <index_t In, index_t K, index_t Exp, index_t Out, bool SE, class Act, index_t S>
using bneck = std::conditional_t<S == 1 && In == Out, residual<bneck_main<In, K, Exp, Out, SE, Act, S>>,
                                 bneck_main<In, K, Exp, Out, SE, Act, S>>;
using RE = relu;
using HS = hardswish;
}  // namespace v3

using mobilenet_v3_small = sequential<input<3, 224, 224>,
    v3::conv_bn<16, 3, 2, 1, hardswish>,
    v3::bneck<16, 3, 16, 16, true, v3::RE, 2>, v3::bneck<16, 3, 72, 24, false, v3::RE, 2>,
    v3::bneck<24, 3, 88, 24, false, v3::RE, 1>, v3::bneck<24, 5, 96, 40, true, v3::HS, 2>,
    v3::bneck<40, 5, 240, 40, true, v3::HS, 1>, v3::bneck<40, 5, 240, 40, true, v3::HS, 1>,
    v3::bneck<40, 5, 120, 48, true, v3::HS, 1>, v3::bneck<48, 5, 144, 48, true, v3::HS, 1>,
    v3::bneck<48, 5, 288, 96, true, v3::HS, 2>, v3::bneck<96, 5, 576, 96, true, v3::HS, 1>,
    v3::bneck<96, 5, 576, 96, true, v3::HS, 1>,
    v3::conv_bn<576, 1, 1, 1, hardswish>, global_avg_pool, flatten,
    linear<1024>, hardswish, dropout, linear<1000>>;

using mobilenet_v3_large = sequential<input<3, 224, 224>,
    v3::conv_bn<16, 3, 2, 1, hardswish>,
    v3::bneck<16, 3, 16, 16, false, v3::RE, 1>, v3::bneck<16, 3, 64, 24, false, v3::RE, 2>,
    v3::bneck<24, 3, 72, 24, false, v3::RE, 1>, v3::bneck<24, 5, 72, 40, true, v3::RE, 2>,
    v3::bneck<40, 5, 120, 40, true, v3::RE, 1>, v3::bneck<40, 5, 120, 40, true, v3::RE, 1>,
    v3::bneck<40, 3, 240, 80, false, v3::HS, 2>, v3::bneck<80, 3, 200, 80, false, v3::HS, 1>,
    v3::bneck<80, 3, 184, 80, false, v3::HS, 1>, v3::bneck<80, 3, 184, 80, false, v3::HS, 1>,
    v3::bneck<80, 3, 480, 112, true, v3::HS, 1>, v3::bneck<112, 3, 672, 112, true, v3::HS, 1>,
    v3::bneck<112, 5, 672, 160, true, v3::HS, 2>, v3::bneck<160, 5, 960, 160, true, v3::HS, 1>,
    v3::bneck<160, 5, 960, 160, true, v3::HS, 1>,
    v3::conv_bn<960, 1, 1, 1, hardswish>, global_avg_pool, flatten,
    linear<1280>, hardswish, dropout, linear<1000>>;
}  // namespace zoo
