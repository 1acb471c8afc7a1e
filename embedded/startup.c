/* embedded/startup.c: what runs before main on the emulated Cortex-M boards, and after it.
 *
 * newlib's default startup leaves no vector table where the core looks at reset, so this file provides
 * one: the initial stack pointer and the reset handler. Reset enables the FPU (and MVE on the M55)
 * through CPACR, copies .data from flash, zeroes .bss, paints the stack so that its high-water mark can
 * be measured, calls main and ends QEMU with main's result through semihosting (status 5 and a message
 * instead where the stack reached its bottom word: it overflowed into the statics below it). C, because C++ may not
 * call main. */
#include <stdint.h>

extern uint32_t __data_load[], __data_start[], __data_end[], __bss_start[], __bss_end[];
extern uint32_t __stack_bottom[], __stack_top[];
int main(void);

#define STACK_PAINT 0xdeadbeefu

static uintptr_t semihosting_call(uintptr_t operation, const void* argument) {
  register uintptr_t r0 __asm__("r0") = operation;
  register const void* r1 __asm__("r1") = argument;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

/* SYS_EXIT_EXTENDED keeps the status (plain SYS_EXIT loses it on AArch32). */
static void __attribute__((noreturn)) exit_with(int status) {
  const uintptr_t block[2] = {0x20026u /* ADP_Stopped_ApplicationExit */, (uintptr_t)status};
  semihosting_call(0x20, block);
  for (;;) {
  }
}

/* The stack's high-water mark: how far below its top main's run has written. */
uint32_t stack_bytes_used(void) {
  const uint32_t* p = __stack_bottom;
  while (p < __stack_top && *p == STACK_PAINT) ++p;
  return (uint32_t)((uintptr_t)__stack_top - (uintptr_t)p);
}

void reset_handler(void) {
  volatile uint32_t* cpacr = (volatile uint32_t*)0xE000ED88u; /* coprocessors 10, 11: FPU and MVE */
  *cpacr |= 0xFu << 20;
  __asm__ volatile("dsb\n isb" ::: "memory");
  for (uint32_t *from = __data_load, *to = __data_start; to < __data_end;) *to++ = *from++;
  for (uint32_t* p = __bss_start; p < __bss_end; ++p) *p = 0;
  uint32_t* sp;
  __asm__ volatile("mov %0, sp" : "=r"(sp));
  for (uint32_t* p = __stack_bottom; p < sp - 16; ++p) *p = STACK_PAINT;
  const int status = main();
  /* The stack's last word written: it ran into .bss below it (the statics it overwrote cannot be trusted). */
  if (__stack_bottom[0] != STACK_PAINT) {
    semihosting_call(0x04, "stack overflow: the stack reached the end of .bss\n");
    exit_with(5);
  }
  exit_with(status);
}

void fault_handler(void) {
  semihosting_call(0x04, "fault\n");
  exit_with(3);
}

/* newlib's abort() pulls in the heap; nothing in ctnn calls it, but if anything did it ends here. */
void abort(void) {
  semihosting_call(0x04, "abort\n");
  exit_with(4);
}

typedef void (*handler)(void);
struct vector_table {
  uint32_t* initial_stack;
  handler entries[6]; /* reset, NMI, HardFault, MemManage, BusFault, UsageFault */
};
__attribute__((section(".vectors"), used)) const struct vector_table vectors = {
    __stack_top, {reset_handler, fault_handler, fault_handler, fault_handler, fault_handler, fault_handler}};
