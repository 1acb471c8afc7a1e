// ConvNeXt-T (Liu et al. 2022), as torchvision defines it: a 4x4 patchify stem, blocks of a depthwise 7x7
// convolution, a layer norm and an MLP over the channels (between two permutes), a learned layer scale
// and the residual; layer norms over the channels between stages; eps 1e-6.
#pragma once
#include <ctnn/ctnn.hpp>

namespace zoo {
using namespace ctnn;

namespace convnext {
using eps = eps_ratio<1, 1000000>;
template <index_t C>
using block = residual<chain<conv2d<C, 7, pad<3>, groups<C>>, permute<1, 2, 0>, layer_norm<C, eps>,
                             linear<4 * C, per_position>, gelu, linear<C, per_position>, permute<2, 0, 1>,
                             layer_scale>>;
template <index_t Out>
using downsample = chain<channel_layer_norm<eps>, conv2d<Out, 2, stride<2>>>;
}  // namespace convnext

using convnext_tiny = sequential<input<3, 224, 224>,
    conv2d<96, 4, stride<4>>, channel_layer_norm<convnext::eps>,
    repeat<3, convnext::block<96>>, convnext::downsample<192>,
    repeat<3, convnext::block<192>>, convnext::downsample<384>,
    repeat<9, convnext::block<384>>, convnext::downsample<768>,
    repeat<3, convnext::block<768>>,
    global_avg_pool, channel_layer_norm<convnext::eps>, flatten, linear<1000>>;
}  // namespace zoo
