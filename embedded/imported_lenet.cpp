// LeNet-5 imported from PyTorch (tools/make_imported_example.py runs tools/ctnn_import.py --flash
// --target cortex-m4): the header holds the network type and the prepared weights as a constant, so
// they sit in flash without any constant evaluation; the input arrives in PyTorch's NCHW order.
#include "imported_lenet.hpp"
#include "run_model.hpp"

using net = imported_lenet::network;
alignas(16) [[gnu::section(".bss.ctnn_arena")]] std::byte arena[net::prepared_arena_bytes];

int main() {
  static std::array<float, net::input_size> x;  // the network's layout (NHWC)
  net::input_from_nchw(imported_lenet::input_nchw, x);
  return board::run_on<net>("imported_lenet", imported_lenet::prepared_weights, x, std::span(arena),
                            imported_lenet::expected);
}
