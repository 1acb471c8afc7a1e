// EfficientNet-B0 (Tan and Le 2019), as torchvision defines it: MBConv blocks with SiLU and
// squeeze-and-excitation (squeezed to a quarter of the block's input channels); stochastic depth is the
// identity at inference.
#pragma once
#include <ctnn/ctnn.hpp>

namespace zoo {
using namespace ctnn;

namespace b0 {
template <index_t C, index_t K, index_t S, index_t G, class Act = silu>
using conv_bn = chain<conv2d<C, K, stride<S>, pad<(K - 1) / 2>, groups<G>, no_bias>, batch_norm2d<>, Act>;

// MBConv(expand ratio, kernel, stride, in, out): expand 1x1 (ratio > 1), depthwise, SE, project 1x1.
template <index_t Ratio, index_t K, index_t S, index_t In, index_t Out>
struct mbconv_main
    : boost::mp11::mp_rename<
          boost::mp11::mp_append<
              std::conditional_t<Ratio != 1, boost::mp11::mp_list<conv_bn<In * Ratio, 1, 1, 1>>, boost::mp11::mp_list<>>,
              boost::mp11::mp_list<conv_bn<In * Ratio, K, S, In * Ratio>, squeeze_excitation<In * Ratio, In / 4, silu>,
                                   conv_bn<Out, 1, 1, 1, identity_layer>>>,
          chain> {};
template <index_t Ratio, index_t K, index_t S, index_t In, index_t Out>
using mbconv = std::conditional_t<S == 1 && In == Out, residual<mbconv_main<Ratio, K, S, In, Out>>,
                                  mbconv_main<Ratio, K, S, In, Out>>;
// A stage: its first block changes stride and channels, the rest repeat at the output's.
template <index_t Ratio, index_t K, index_t S, index_t In, index_t Out, std::size_t Layers>
using stage = chain<mbconv<Ratio, K, S, In, Out>, repeat<Layers - 1, mbconv<Ratio, K, 1, Out, Out>>>;
}  // namespace b0

using efficientnet_b0 = sequential<input<3, 224, 224>,
    b0::conv_bn<32, 3, 2, 1>,
    b0::stage<1, 3, 1, 32, 16, 1>, b0::stage<6, 3, 2, 16, 24, 2>, b0::stage<6, 5, 2, 24, 40, 2>,
    b0::stage<6, 3, 2, 40, 80, 3>, b0::stage<6, 5, 1, 80, 112, 3>, b0::stage<6, 5, 2, 112, 192, 4>,
    b0::stage<6, 3, 1, 192, 320, 1>,
    b0::conv_bn<1280, 1, 1, 1>, global_avg_pool, flatten, dropout, linear<1000>>;
}  // namespace zoo
