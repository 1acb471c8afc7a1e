// AlexNet (Krizhevsky et al. 2012), as torchvision defines it.
#pragma once
#include <ctnn/ctnn.hpp>

namespace zoo {
using namespace ctnn;

using alexnet = sequential<input<3, 224, 224>,
    conv2d<64, 11, stride<4>, pad<2>>, relu, max_pool2d<3, stride<2>>,
    conv2d<192, 5, pad<2>>, relu, max_pool2d<3, stride<2>>,
    conv2d<384, 3, pad<1>>, relu, conv2d<256, 3, pad<1>>, relu, conv2d<256, 3, pad<1>>, relu,
    max_pool2d<3, stride<2>>, adaptive_avg_pool2d<6, 6>, flatten,
    dropout, linear<4096>, relu, dropout, linear<4096>, relu, linear<1000>>;
}  // namespace zoo
