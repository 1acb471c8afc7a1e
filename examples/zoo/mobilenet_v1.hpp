// MobileNetV1 (Howard et al. 2017), width 1.0, 224x224: depthwise-separable blocks.
#pragma once
#include <ctnn/ctnn.hpp>

namespace zoo {
using namespace ctnn;

template <index_t C, index_t Stride>
using separable = chain<depthwise_conv2d<3, stride<Stride>, pad<1>, no_bias>, batch_norm2d<>, relu,
                        conv2d<C, 1, no_bias>, batch_norm2d<>, relu>;

using mobilenet_v1 = sequential<input<3, 224, 224>,
    conv2d<32, 3, stride<2>, pad<1>, no_bias>, batch_norm2d<>, relu,
    separable<64, 1>, separable<128, 2>, separable<128, 1>, separable<256, 2>, separable<256, 1>,
    separable<512, 2>, separable<512, 1>, separable<512, 1>, separable<512, 1>, separable<512, 1>,
    separable<512, 1>, separable<1024, 2>, separable<1024, 1>,
    global_avg_pool, flatten, linear<1000>>;
}  // namespace zoo
