// DS-CNN keyword spotting (Zhang et al. 2017, "Hello Edge"), small: 49x10 MFCC in, 12 classes out.
#pragma once
#include <ctnn/ctnn.hpp>

namespace zoo {
using namespace ctnn;

using ds_block = chain<depthwise_conv2d<3, pad_same>, relu, conv2d<64, 1>, relu>;

using ds_cnn = sequential<input<1, 49, 10>,
    conv2d<64, kernel<10, 4>, stride<2>, pad_tf_same>, relu,
    ds_block, ds_block, ds_block, ds_block,
    global_avg_pool, flatten, linear<12>>;
}  // namespace zoo
