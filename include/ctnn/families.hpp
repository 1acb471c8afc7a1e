// ctnn/families.hpp: the layer families, one line each.
//
// A family is three files with its name: ctnn/layers/<family>.hpp (what a user writes),
// ctnn/shapes/<family>.hpp (its rule, checks, parameter tensors, costs, memory and lowering, as
// constexpr values) and ctnn/kernels/<family>.hpp (its loops and fast kernels), each including the one
// before. The stages after them find a family's functions by argument-dependent lookup on its parameter
// struct, so registering a family is its kernels' line here. Two kernel files are not families of their
// own: depthwise_pointwise.hpp, the fused kernel of two convolutions, and merge.hpp, the blocks' merges
// (residual add, concat), which the runner includes itself.
#pragma once

#include "ctnn/kernels/activation.hpp"
#include "ctnn/kernels/batch_norm.hpp"
#include "ctnn/kernels/conv.hpp"
#include "ctnn/kernels/conv_int8.hpp"
#include "ctnn/kernels/conv_transpose.hpp"
#include "ctnn/kernels/depthwise_pointwise.hpp"
#include "ctnn/kernels/linear.hpp"
#include "ctnn/kernels/norm.hpp"
#include "ctnn/kernels/pad.hpp"
#include "ctnn/kernels/partial_conv.hpp"
#include "ctnn/kernels/pool.hpp"
#include "ctnn/kernels/rearrange.hpp"
#include "ctnn/kernels/reduce.hpp"
#include "ctnn/kernels/reshape.hpp"
#include "ctnn/kernels/upsample.hpp"
