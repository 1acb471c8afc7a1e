// DS-CNN keyword spotting on an emulated Cortex-M: weights in flash, activations in the static arena.
#include "expected.hpp"
#include "run_model.hpp"

int main() { return board::run<models::ds_cnn, models::ds_cnn_seed>("ds_cnn", expected::ds_cnn); }
