// The x86 int8 matrix product on AMX's tiles against the VPDPBUSD one, each layer alone on the same data
// and packed weights, interleaved rounds, outputs compared; and the requantization's two roundings against
// its single one on the same sums (README, "int8 on x86"). Built where the compiler targets AMX:
//   cmake -DCTNN_BUILD_BENCH=ON ... && cmake --build <dir> --target int8_tiles && <dir>/bench/int8_tiles
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <vector>

#include "ctnn/ctnn.hpp"

#if CTNN_INT8_AMX
using namespace ctnn;

namespace {

template <class Layer, index_t C, index_t H, index_t W>
using conv_of = int8_nhwc_conv<Layer::params, sequential<typename input<C, H, W>::template with<nhwc>, Layer>::input_shape>;

template <class Conv>
void compare_kernels(const char* name) {
  using vnni = x86_int8::gemm<Conv>;
  using tiles = x86_int8::amx<Conv>;
  std::mt19937 gen(7);
  const count_t in_size = count_t{Conv::in.c} * Conv::in.h * Conv::in.w, out_size = count_t{Conv::out.c} * Conv::out.h * Conv::out.w;
  std::vector<std::int8_t> x(in_size), w(Conv::row * Conv::out.c), by_vnni(out_size), by_tiles(out_size);
  std::vector<std::int32_t> biases(Conv::out.c, 0), kernel_biases(Conv::out.c);
  std::vector<fixed_multiplier> m(Conv::out.c);
  for (auto& v : x) v = static_cast<std::int8_t>(gen() % 256 - 128);
  for (auto& v : w) v = static_cast<std::int8_t>(gen() % 256 - 128);
  for (index_t o = 0; o < Conv::out.c; ++o) {
    kernel_biases[o] = static_cast<std::int32_t>(gen() % 20000) - 10000;
    m[o] = quantize_multiplier(0.00002 + 0.00001 * static_cast<double>(gen() % 100) / 100.0);
  }
  std::vector<std::byte> storage(tiles::prepared_bytes + 64);
  std::byte* block = storage.data() + (64 - reinterpret_cast<std::uintptr_t>(storage.data()) % 64) % 64;
  int8_call c{};
  c.x = x.data();
  c.in = {1.0f, -3};
  c.out = {1.0f, -128};
  c.weights = w.data();
  c.biases = biases.data();
  c.multipliers = m.data();
  c.kernel_biases = kernel_biases.data();
  tiles::pack(c, block);  // (gemm's block is its first part)
  c.prepared = block;
  const output_stage stage{-128, -128, 127};  // ReLU's, the zero point at the range's low end
  double best[2] = {1e9, 1e9};
  for (int round = 0; round < 30; ++round)
    for (int which = 0; which < 2; ++which) {
      c.y = which ? by_tiles.data() : by_vnni.data();
      const auto t0 = std::chrono::steady_clock::now();
      for (int i = 0; i < 20; ++i) which ? tiles::run(c, stage) : vnni::run(c, stage);
      const auto t1 = std::chrono::steady_clock::now();
      best[which] = std::min(best[which], std::chrono::duration<double, std::micro>(t1 - t0).count() / 20);
    }
  std::printf("| %s | %.1f | %.1f | %.2f | %s |\n", name, best[0], best[1], best[0] / best[1],
              by_vnni == by_tiles ? "equal" : "DIFFER");
}

// The same block of sums requantized with two roundings and with one.
void compare_roundings() {
  using tiles = x86_int8::amx<conv_of<conv2d<64, 3, pad<1>>, 64, 56, 56>>;
  std::mt19937 gen(1);
  static typename tiles::sums_block block;
  for (auto& a : block.values)
    for (auto& b : a)
      for (auto& l : b)
        for (auto& v : l) v = static_cast<std::int32_t>(gen() % 2000000) - 1000000;
  block.positions[0] = 0;
  block.positions[1] = 100;
  block.first = 0;
  block.tiles = 2;
  block.vectors = 4;
  std::vector<fixed_multiplier> m(64);
  for (auto& f : m) f = quantize_multiplier(0.0001 + 0.0001 * static_cast<double>(gen() % 100) / 100.0);
  std::vector<std::int8_t> twice(64 * 200), once(64 * 200);
  int8_call c{};
  x86_int8::requantizer rqs[4];
  const output_stage stage{-128, -128, 127};
  for (int v = 0; v < 4; ++v) rqs[v] = x86_int8::requantizer(m.data() + 16 * v, 16, stage);
  double best[2] = {1e9, 1e9};
  for (int round = 0; round < 20; ++round)
    for (int which = 0; which < 2; ++which) {
      c.y = which ? once.data() : twice.data();
      const auto t0 = std::chrono::steady_clock::now();
      for (int i = 0; i < 10000; ++i) {
        if (which) {
          tiles::requantize<x86_int8::single_rounding>(c, block, rqs);
        } else {
          tiles::requantize<x86_int8::right_shifts>(c, block, rqs);
        }
        asm volatile("" ::: "memory");
      }
      const auto t1 = std::chrono::steady_clock::now();
      best[which] = std::min(best[which], std::chrono::duration<double, std::nano>(t1 - t0).count() / 10000);
    }
  const double vectors = 2.0 * tiles::tile_rows * 4;
  std::printf("\nrequantization of 16 sums: two roundings %.2f ns, one %.2f ns (outputs %s)\n", best[0] / vectors,
              best[1] / vectors, twice == once ? "equal" : "DIFFER");
}

}  // namespace

int main() {
  if (!x86_int8::amx_permitted()) {
    std::printf("Linux did not lend this process AMX's tiles\n");
    return 1;
  }
  std::printf("| layer (int8, ReLU) | VPDPBUSD (us) | AMX tiles (us) | speedup | outputs |\n|---|---:|---:|---:|---|\n");
  compare_kernels<conv_of<conv2d<64, 3, pad<1>>, 64, 56, 56>>("W3: 3x3, 64 -> 64 at 56x56");
  compare_kernels<conv_of<conv2d<96, 11, stride<4>>, 3, 227, 227>>("W6: 11x11 stride 4, 3 -> 96 at 227x227");
  compare_kernels<conv_of<conv2d<64, 1>, 32, 112, 112>>("W4's 1x1, 32 -> 64 at 112x112");
  compare_kernels<conv_of<conv2d<64, 1>, 64, 25, 5>>("DS-CNN's 1x1, 64 -> 64 at 25x5");
  compare_roundings();
}
#else
int main() {
  std::printf("built without AMX (CTNN_INT8_TILES 0): nothing to compare\n");
  return 1;
}
#endif
