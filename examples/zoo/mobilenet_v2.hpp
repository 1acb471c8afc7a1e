// MobileNetV2 (Sandler et al. 2018), as torchvision defines it: inverted residuals (expand 1x1, depthwise
// 3x3, linear projection 1x1), ReLU6, the input added back where the shape is kept.
#pragma once
#include <ctnn/ctnn.hpp>

namespace zoo {
using namespace ctnn;

namespace v2 {
template <index_t C, index_t K, index_t S, index_t G, class Act>
using conv_bn = chain<conv2d<C, K, stride<S>, pad<(K - 1) / 2>, groups<G>, no_bias>, batch_norm2d<>, Act>;

// InvertedResidual(in, out, stride, t): the expansion only when t != 1.
template <index_t In, index_t Out, index_t S, index_t T>
using inverted_main = std::conditional_t<
    T == 1, chain<conv_bn<In, 3, S, In, relu6>, conv_bn<Out, 1, 1, 1, identity_layer>>,
    chain<conv_bn<In * T, 1, 1, 1, relu6>, conv_bn<In * T, 3, S, In * T, relu6>, conv_bn<Out, 1, 1, 1, identity_layer>>>;
template <index_t In, index_t Out, index_t S, index_t T>
using inverted = std::conditional_t<S == 1 && In == Out, residual<inverted_main<In, Out, S, T>>, inverted_main<In, Out, S, T>>;
// A stage of n blocks: the first with the stage's stride, the rest stride 1 at the stage's width.
template <index_t In, index_t Out, index_t N, index_t S, index_t T>
using stage = chain<inverted<In, Out, S, T>, repeat<N - 1, inverted<Out, Out, 1, T>>>;
}  // namespace v2

using mobilenet_v2 = sequential<input<3, 224, 224>,
    v2::conv_bn<32, 3, 2, 1, relu6>,
    v2::inverted<32, 16, 1, 1>,
    v2::stage<16, 24, 2, 2, 6>, v2::stage<24, 32, 3, 2, 6>, v2::stage<32, 64, 4, 2, 6>,
    v2::stage<64, 96, 3, 1, 6>, v2::stage<96, 160, 3, 2, 6>, v2::inverted<160, 320, 1, 6>,
    v2::conv_bn<1280, 1, 1, 1, relu6>, global_avg_pool, flatten, dropout, linear<1000>>;
}  // namespace zoo
