// DS-CNN keyword spotting on an emulated Cortex-M: weights in flash, activations in an arena of its own.
#include "expected.hpp"
#include "run_model.hpp"

using net = models::ds_cnn;
// The packed weights in flash and the arena in RAM, each in a section the linker script names
// (boards/sections.ld): a firmware puts them where it wants them.
[[gnu::section(".rodata.ctnn_weights")]] constexpr net::prepared weights =
    ctnn::prepare<net>(models::make_weights<net>(models::ds_cnn_seed));
alignas(16) [[gnu::section(".bss.ctnn_arena")]] std::byte arena[net::prepared_arena_bytes];

int main() { return board::run<net, models::ds_cnn_seed>("ds_cnn", weights, std::span(arena), expected::ds_cnn); }
