// Must not compile: sigmoid fused into an int8 kernel's output stage (only clamps fuse there).
// expect-within 8: only a clamp \(relu, relu6, hardtanh, clamp\) fuses into an int8 kernel's output
// twin: sigmoid::params => relu6::params
#include "ctnn/ctnn.hpp"

using namespace ctnn;
constexpr output_stage stage = output_stage_for<sigmoid::params>(quantization{0.05f, -100});
static_assert(stage.zero_point == -100);  // the user's own: no second error
