// LeNet-5 (LeCun et al. 1998), with ReLU and max pooling as it is usually written today.
#pragma once
#include <ctnn/ctnn.hpp>

namespace zoo {
using namespace ctnn;

using lenet5 = sequential<input<1, 32, 32>,
                          conv2d<6, 5>, relu, max_pool2d<2>,
                          conv2d<16, 5>, relu, max_pool2d<2>,
                          flatten, linear<120>, relu, linear<84>, relu, linear<10>>;
}  // namespace zoo
