// embedded/semihosting.hpp: talking to the debugger (here QEMU) from a bare-metal Cortex-M program.
//
// ARM semihosting: `bkpt 0xab` with the operation in r0 and its argument in r1. SYS_EXIT_EXTENDED
// (0x20) ends QEMU with the program's status (plain SYS_EXIT loses it on AArch32), SYS_WRITE0 (0x04)
// prints a string on QEMU's console.
#pragma once

#include <cstdint>

namespace semihosting {

inline std::uintptr_t call(std::uintptr_t operation, const void* argument) {
  register std::uintptr_t r0 asm("r0") = operation;
  register const void* r1 asm("r1") = argument;
  asm volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

[[noreturn]] inline void exit(int status) {
  const std::uintptr_t block[2] = {0x20026, static_cast<std::uintptr_t>(status)};  // ADP_Stopped_ApplicationExit
  call(0x20, block);
  for (;;) {
  }
}

inline void write(const char* text) { call(0x04, text); }

// Small decimal formatting without the C library's printf (which would pull in the heap).
struct line {
  char text[160] = {};
  int at = 0;
  line& operator<<(const char* s) {
    while (*s && at < 158) text[at++] = *s++;
    return *this;
  }
  line& operator<<(long long v) {
    char digits[24];
    int n = 0;
    const bool negative = v < 0;
    unsigned long long u = negative ? 0ull - static_cast<unsigned long long>(v) : static_cast<unsigned long long>(v);
    do {
      digits[n++] = static_cast<char>('0' + u % 10);
      u /= 10;
    } while (u);
    if (negative && at < 158) text[at++] = '-';
    while (n && at < 158) text[at++] = digits[--n];
    return *this;
  }
  void print() {
    text[at++] = '\n';
    text[at] = 0;
    write(text);
  }
};

}  // namespace semihosting
