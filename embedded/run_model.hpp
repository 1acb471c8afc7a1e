// embedded/run_model.hpp: runs one network on the board, checks its output against PyTorch's
// (expected.hpp, written by tools/make_embedded_reference.py), and reports instructions, stack and memory
// through semihosting. The exit status is the test result.
//
// Memory is placed the way a firmware places it: the packed weights in flash and the arena in RAM, each
// in a section named for the linker script (boards/sections.ld), the arena as the caller's own bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "models.hpp"
#include "semihosting.hpp"

extern "C" std::uint32_t stack_bytes_used();  // embedded/startup.c

namespace board {

// SysTick counts down at the core clock; under QEMU's -icount shift=0 every instruction takes 1 ns, so
// ticks times (ns per tick) is the instruction count. The ratio is measured on a loop of known length
// rather than taken from the board's clock, to within one tick.
struct instruction_counter {
  volatile std::uint32_t& csr = *reinterpret_cast<volatile std::uint32_t*>(0xE000E010u);
  volatile std::uint32_t& rvr = *reinterpret_cast<volatile std::uint32_t*>(0xE000E014u);
  volatile std::uint32_t& cvr = *reinterpret_cast<volatile std::uint32_t*>(0xE000E018u);
  std::uint32_t per_tick = 1;

  instruction_counter() {
    rvr = 0xFFFFFFu;
    cvr = 0;
    csr = 5;  // processor clock, enabled, no interrupt
    while (cvr == 0) {
    }
    constexpr std::uint32_t loops = 200000;  // 2 instructions each: subs, bne
    const std::uint32_t start = cvr;
    asm volatile("mov r2, %0\n1: subs r2, r2, #1\n bne 1b\n" ::"r"(loops) : "r2", "cc");
    per_tick = (2 * loops + (start - cvr) / 2) / (start - cvr);
  }
  std::uint32_t now() const { return cvr; }
  long long instructions(std::uint32_t start, std::uint32_t end) const {
    return static_cast<long long>((start - end) & 0xFFFFFFu) * per_tick;
  }
};

// weights, input and arena: the caller's, placed by the caller (see lenet.cpp).
template <class Net, std::size_t N, std::size_t Bytes>
int run_on(const char* name, const typename Net::prepared& weights, std::span<const float, Net::input_size> input,
           std::span<std::byte, Bytes> arena, const float (&want)[N]) {
  static_assert(N == Net::output_size);
  static std::array<float, N> y;
  const instruction_counter counter;
  const std::uint32_t start = counter.now();
  Net::forward(weights, input, y, arena);
  const std::uint32_t end = counter.now();
  // FMA contraction and the target's libm round differently from PyTorch on the host: a relative tolerance.
  float worst = 0;
  bool ok = true;
  for (std::size_t i = 0; i < N; ++i) {
    const float diff = y[i] > want[i] ? y[i] - want[i] : want[i] - y[i];
    const float size = want[i] > 0 ? want[i] : -want[i];
    if (diff > 1e-4f * (size > 1 ? size : 1.0f)) ok = false;
    if (diff > worst) worst = diff;
  }
  (semihosting::line() << name << ": " << (ok ? "ok" : "WRONG OUTPUT") << ", max error "
                       << static_cast<long long>(worst * 1e9f) << "e-9, instructions "
                       << counter.instructions(start, end) << ", stack " << static_cast<long long>(stack_bytes_used())
                       << " bytes, arena " << static_cast<long long>(Bytes) << " bytes")
      .print();
  return ok ? 0 : 1;
}

// An int8 network (models.hpp: quantized by PyTorch) on its example's input, quantized: its int8 output
// against PyTorch's, within one LSB (PyTorch requantizes in float, ctnn in fixed point).
template <class Data, std::size_t Bytes>
int run_int8(const char* name, const typename Data::net::quantized& weights, std::span<std::byte, Bytes> arena) {
  using Net = typename Data::net;
  static constexpr auto input = models::make_int8_input<Data>();
  static std::array<std::int8_t, Net::output_size> y;
  const instruction_counter counter;
  const std::uint32_t start = counter.now();
  Net::forward(weights, std::span<const std::int8_t, Net::input_size>(input), std::span<std::int8_t, Net::output_size>(y),
               arena);
  const std::uint32_t end = counter.now();
  int worst = 0;
  for (std::size_t i = 0; i < y.size(); ++i) {
    const int diff = y[i] > Data::output[i] ? y[i] - Data::output[i] : Data::output[i] - y[i];
    worst = diff > worst ? diff : worst;
  }
  const bool ok = worst <= 1;
  (semihosting::line() << name << ": " << (ok ? "ok" : "WRONG OUTPUT") << ", max difference " << worst
                       << " LSB, instructions " << counter.instructions(start, end) << ", stack "
                       << static_cast<long long>(stack_bytes_used()) << " bytes, arena " << static_cast<long long>(Bytes)
                       << " bytes")
      .print();
  return ok ? 0 : 1;
}

// The same on the input made from Seed (models.hpp).
template <class Net, std::uint32_t Seed, std::size_t N, std::size_t Bytes>
int run(const char* name, const typename Net::prepared& weights, std::span<std::byte, Bytes> arena,
        const float (&want)[N]) {
  static constexpr auto input = models::make_input<Net>(Seed);
  return run_on<Net>(name, weights, input, arena, want);
}

}  // namespace board
