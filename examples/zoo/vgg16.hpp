// VGG-16 (Simonyan & Zisserman 2014), configuration D, as torchvision defines it.
#pragma once
#include <ctnn/ctnn.hpp>

namespace zoo {
using namespace ctnn;

template <index_t C>
using vgg_conv = chain<conv2d<C, 3, pad<1>>, relu>;

using vgg16 = sequential<input<3, 224, 224>,
    vgg_conv<64>, vgg_conv<64>, max_pool2d<2>,
    vgg_conv<128>, vgg_conv<128>, max_pool2d<2>,
    vgg_conv<256>, vgg_conv<256>, vgg_conv<256>, max_pool2d<2>,
    vgg_conv<512>, vgg_conv<512>, vgg_conv<512>, max_pool2d<2>,
    vgg_conv<512>, vgg_conv<512>, vgg_conv<512>, max_pool2d<2>,
    adaptive_avg_pool2d<7, 7>, flatten,
    linear<4096>, relu, dropout, linear<4096>, relu, dropout, linear<1000>>;
}  // namespace zoo
