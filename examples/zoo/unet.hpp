// U-Net (Ronneberger et al. 2015) with padded convolutions: four levels down, four up. Each level is a
// concat of the skip (identity) and the deeper levels, brought back up by a transposed convolution.
#pragma once
#include <ctnn/ctnn.hpp>

namespace zoo {
using namespace ctnn;

template <index_t C>
using double_conv = chain<conv2d<C, 3, pad<1>>, relu, conv2d<C, 3, pad<1>>, relu>;

// One level at C channels around the levels below it (Inner ends at 2C channels).
template <index_t C, class Inner>
using unet_level = chain<double_conv<C>,
                         concat<identity_layer, chain<max_pool2d<2>, Inner, conv_transpose2d<C, 2, stride<2>>>>,
                         double_conv<C>>;

using unet = sequential<input<1, 256, 256>,
    unet_level<64, unet_level<128, unet_level<256, unet_level<512, double_conv<1024>>>>>,
    conv2d<2, 1>>;
}  // namespace zoo
