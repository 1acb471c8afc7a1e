// Must not compile: an error inside a block the user named: the network prints as `stem`, not as its chain.
// expect: layer<0>, (ctnn::facts::)?branch<0>, (ctnn::facts::)?layer<1>, (ctnn::)?batch_norm2d<32 ?>
// expect: expected_input_channels<32>
// expect: actual_input_channels<64>
// expect-within 12: sequential<(ctnn::)?input<3, 224, 224 ?>, stem, (ctnn::)?relu ?>
// twin: batch_norm2d<32> => batch_norm2d<64>
#include "ctnn/ctnn.hpp"

using namespace ctnn;
struct stem : chain<conv2d<64, 7, stride<2>, pad<3>>, batch_norm2d<32>> {};
using net = sequential<input<3, 224, 224>, stem, relu>;
static_assert(net::output_shape == shape{64, 112, 112});  // the user's own: no second error
