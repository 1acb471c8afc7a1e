// A broken network, kept out of the build: `cmake --build build --target show_compile_error` compiles it
// and prints what the compiler says. Layer 4 gets 16 channels, which groups<6> cannot divide.
#include <ctnn/ctnn.hpp>

using namespace ctnn;

using broken = sequential<input<3, 32, 32>,
                          conv2d<16, 3, pad<1>>, relu, max_pool2d<2>, batch_norm2d<>,
                          conv2d<12, 3, groups<6>>>;

int main() { return broken::output_shape.rank; }
