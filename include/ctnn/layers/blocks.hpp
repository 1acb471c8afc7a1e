// ctnn/layers/blocks.hpp: blocks made of other layers, with names of their own.
//
//   ctnn::repeat<3, Block>                       Block three times in a chain (a stage of identical blocks)
//   ctnn::squeeze_excitation<64, 16>             torchvision's SqueezeExcitation(64, 16) on [64, H, W]:
//                                                x * sigmoid(conv1x1_64(relu(conv1x1_16(avg_pool(x)))))
//   ctnn::squeeze_excitation<64, 16, ctnn::relu, ctnn::hardsigmoid>   MobileNetV3's
//
// Each is a chain or a multiply block (ctnn/layers/graph.hpp), named by deriving from it, so that
// diagnostics and summaries print `repeat<3, ...>` and `squeeze_excitation<64, 16>`.
#pragma once

#include <boost/mp11/algorithm.hpp>

#include "ctnn/layers/activation.hpp"
#include "ctnn/layers/conv.hpp"
#include "ctnn/layers/graph.hpp"
#include "ctnn/layers/pool.hpp"

namespace ctnn {

template <std::size_t N, class Block>
struct repeat : boost::mp11::mp_rename<boost::mp11::mp_repeat_c<boost::mp11::mp_list<Block>, N>, chain> {};

// The excitation's parameters are PyTorch's fc1 ([Squeeze, Channels, 1, 1] and bias) then fc2.
template <index_t Channels, index_t Squeeze, class Activation = relu, class Gate = sigmoid>
struct squeeze_excitation
    : multiply<chain<>, chain<adaptive_avg_pool2d<1>, conv2d<Squeeze, 1>, Activation, conv2d<Channels, 1>, Gate>> {};

}  // namespace ctnn
