// Must not compile: an invalid network and every kind of assertion a user writes about it: only ctnn's error.
// expect: layer<2>
// expect: input_channels<16>
// expect: not_divisible_by_groups<3>
// twin: groups<3> => groups<2>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<3, 32, 32>, conv2d<16, 5>, relu, conv2d<8, 3, groups<3>>, flatten, linear<10>>;
static_assert(net::output_shape == shape{10});
static_assert(layer_t<net, 2>::output_shape == shape{8, 26, 26});
static_assert(layer_t<net, 4>::weight_shape == shape{10, 5408});
static_assert(net::params == 16 * 3 * 25 + 16 + 8 * 8 * 9 + 8 + 10 * 5408 + 10);
static_assert(net::macs > 0 && net::arena_bytes <= 128 * 1024);
static ctnn::static_arena<net> arena;
static_assert(sizeof(arena) > 0);
