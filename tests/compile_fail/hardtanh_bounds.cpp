// Must not compile: hardtanh to [1, 1] (PyTorch's Hardtanh asserts max_val > min_val; torch.clamp allows it).
// expect: layer<0>
// expect: hardtanh<2, 2, 2>
// expect: minimum<2>
// expect: not_below_maximum<2>
// twin: hardtanh<2, 2, 2> => clamp<2, 2, 2>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
using net = sequential<input<4, 8, 8>, hardtanh<2, 2, 2>>;
static_assert(net::output_shape == shape{4, 8, 8});  // the user's own: no second error
