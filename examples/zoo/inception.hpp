// GoogLeNet's inception block 3a (Szegedy et al. 2014): 1x1 convolutions reduce the channels before the
// 3x3 and 5x5 branches. Convolutions with batch norm, as torchvision's BasicConv2d.
#pragma once
#include <ctnn/ctnn.hpp>

namespace zoo {
using namespace ctnn;

template <index_t C, auto K, class... Options>
using basic_conv = chain<conv2d<C, K, no_bias, Options...>, batch_norm2d<>, relu>;

using inception_3a = sequential<input<192, 28, 28>,
    concat<basic_conv<64, 1>,
           chain<basic_conv<96, 1>, basic_conv<128, 3, pad<1>>>,
           chain<basic_conv<16, 1>, basic_conv<32, 3, pad<1>>>,  // torchvision uses 3x3 here
           chain<max_pool2d<3, stride<1>, pad<1>, ceil_mode>, basic_conv<32, 1>>>>;
}  // namespace zoo
