// ShuffleNet V2 1.0x (Ma et al. 2018), as torchvision defines it: units that split the channels in two,
// transform one half, concatenate, and shuffle the channels.
#pragma once
#include <ctnn/ctnn.hpp>

namespace zoo {
using namespace ctnn;

namespace shufflenet {
template <index_t C, index_t K = 1, index_t S = 1, index_t G = 1>
using conv_bn = chain<conv2d<C, K, stride<S>, pad<K / 2>, groups<G>, no_bias>, batch_norm2d<>>;
// 1x1, relu, depthwise 3x3 (stride S), 1x1, relu: the half that is transformed.
template <index_t C, index_t S>
using transformed = chain<conv_bn<C>, relu, conv_bn<C, 3, S, C>, conv_bn<C>, relu>;

// Stride 1: half the channels pass, half are transformed. Stride 2: both halves read the whole input.
template <index_t C>
using unit = chain<concat<slice_channels<0, C / 2>, chain<slice_channels<C / 2, C / 2>, transformed<C / 2, 1>>>,
                   channel_shuffle<2>>;
template <index_t In, index_t C>
using down_unit = chain<concat<chain<conv_bn<In, 3, 2, In>, conv_bn<C / 2>, relu>, transformed<C / 2, 2>>,
                        channel_shuffle<2>>;
template <index_t In, index_t C, std::size_t Repeats>
using stage = chain<down_unit<In, C>, repeat<Repeats - 1, unit<C>>>;
}  // namespace shufflenet

using shufflenet_v2_x1_0 = sequential<input<3, 224, 224>,
    shufflenet::conv_bn<24, 3, 2>, relu, max_pool2d<3, stride<2>, pad<1>>,
    shufflenet::stage<24, 116, 4>, shufflenet::stage<116, 232, 8>, shufflenet::stage<232, 464, 4>,
    shufflenet::conv_bn<1024>, relu, global_avg_pool, flatten, linear<1000>>;
}  // namespace zoo
