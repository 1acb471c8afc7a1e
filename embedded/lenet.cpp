// LeNet-5 on an emulated Cortex-M: weights in flash, activations in the static arena, no heap.
#include "expected.hpp"
#include "run_model.hpp"

int main() { return board::run<models::lenet, models::lenet_seed>("lenet", expected::lenet); }
