// ds_cnn in int8 on an emulated Cortex-M: quantized by PyTorch (models.hpp), weights in flash, activations
// in an arena of bytes.
#include "run_model.hpp"

using data = models::ds_cnn_int8;
using net = data::net;
[[gnu::section(".rodata.ctnn_weights")]] constexpr net::quantized weights = models::quantized_weights<data>;
alignas(16) [[gnu::section(".bss.ctnn_arena")]] std::byte arena[net::quantized_arena_bytes];

int main() { return board::run_int8<data>("ds_cnn_int8", weights, std::span(arena)); }
