// Must not compile: a static arena of 4 GiB, past CTNN_MAX_ARENA_BYTES (1 GiB unless given).
// expect: arena_bytes<4294967296>
// expect: exceed_max_arena_bytes<1073741824>
// twin: input<64, 4096, 4096> => input<64, 64, 64>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<64, 4096, 4096>, conv2d<64, 3, pad<1>>, max_pool2d<2>>;
static ctnn::static_arena<net> arena;
static_assert(sizeof(arena) > 0 && net::arena_bytes > 0);
