// RegNetY-400MF (Radosavovic et al. 2020), as torchvision defines it: stages of bottleneck blocks with
// grouped 3x3 convolutions (8 channels per group) and squeeze-and-excitation to a quarter of the block's
// input width.
#pragma once
#include <ctnn/ctnn.hpp>

namespace zoo {
using namespace ctnn;

namespace regnet {
template <index_t C, index_t K, index_t S, index_t G, class Act = relu>
using conv_bn = chain<conv2d<C, K, stride<S>, pad<(K - 1) / 2>, groups<G>, no_bias>, batch_norm2d<>, Act>;

// y = relu(shortcut(x) + c(se(b(a(x))))): a 1x1, b grouped 3x3 (stride S), c 1x1; SE squeezes to In / 4.
template <index_t In, index_t Out, index_t S>
using transform = chain<conv_bn<Out, 1, 1, 1>, conv_bn<Out, 3, S, Out / 8>,
                        squeeze_excitation<Out, (In + 2) / 4>, conv_bn<Out, 1, 1, 1, identity_layer>>;
template <index_t In, index_t Out, index_t S>
using block = chain<std::conditional_t<S == 1 && In == Out, residual<transform<In, Out, S>>,
                                       residual<transform<In, Out, S>, conv_bn<Out, 1, S, 1, identity_layer>>>,
                    relu>;
template <index_t In, index_t Out, std::size_t Depth>
using stage = chain<block<In, Out, 2>, repeat<Depth - 1, block<Out, Out, 1>>>;
}  // namespace regnet

using regnet_y_400mf = sequential<input<3, 224, 224>,
    regnet::conv_bn<32, 3, 2, 1>,
    regnet::stage<32, 48, 1>, regnet::stage<48, 104, 3>, regnet::stage<104, 208, 6>, regnet::stage<208, 440, 6>,
    global_avg_pool, flatten, linear<1000>>;
}  // namespace zoo
