// ResNet-18 (He et al. 2015), as torchvision defines it.
#pragma once
#include <ctnn/ctnn.hpp>

namespace zoo {
using namespace ctnn;

template <index_t C, index_t Stride>
using conv_bn = chain<conv2d<C, 3, stride<Stride>, pad<1>, no_bias>, batch_norm2d<>>;

// Two 3x3 convolutions and an identity shortcut...
template <index_t C>
using basic_block = chain<residual<chain<conv_bn<C, 1>, relu, conv_bn<C, 1>>>, relu>;
// ...or, where the size halves and the channels double, a strided 1x1 projection.
template <index_t C>
using down_block = chain<residual<chain<conv_bn<C, 2>, relu, conv_bn<C, 1>>,
                                  chain<conv2d<C, 1, stride<2>, no_bias>, batch_norm2d<>>>,
                         relu>;

using resnet18 = sequential<input<3, 224, 224>,
    conv2d<64, 7, stride<2>, pad<3>, no_bias>, batch_norm2d<>, relu, max_pool2d<3, stride<2>, pad<1>>,
    basic_block<64>, basic_block<64>,
    down_block<128>, basic_block<128>,
    down_block<256>, basic_block<256>,
    down_block<512>, basic_block<512>,
    global_avg_pool, flatten, linear<1000>>;
}  // namespace zoo
