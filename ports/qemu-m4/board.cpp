// SPDX-License-Identifier: Apache-2.0
// Startup, vector table, SysTick and semihosting of the Cortex-M4 image.
#include "board.hpp"

#include <cstring>

extern "C" {
extern uint32_t __data_start[], __data_end[], __data_load[], __bss_start[], __bss_end[];
extern uint32_t __stack_bottom[], __stack_top[], __flash_end[];
void __libc_init_array();
int main();
[[noreturn]] void Reset_Handler();
void SysTick_Handler();
[[noreturn]] void Fault_Handler();
}

namespace {

constexpr uint32_t kPaint = 0xA5A5A5A5u;
constexpr uint32_t kCoreHz = 168'000'000;  // netduinoplus2's SYSCLK
volatile uint32_t g_millis = 0;

volatile uint32_t& reg(uint32_t address) { return *reinterpret_cast<volatile uint32_t*>(address); }

// Semihosting call: BKPT 0xAB with the operation in r0 and its argument in r1.
uint32_t semihost(uint32_t op, const void* arg) {
  register uint32_t r0 asm("r0") = op;
  register const void* r1 asm("r1") = arg;
  asm volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

}  // namespace

// Cortex-M4 vector table: initial stack pointer, then the exception handlers
// (armv7-M ARM B1.5.3); no peripheral interrupt is used.
__attribute__((section(".isr_vector"), used)) const void* const g_vectors[16] = {
    __stack_top,
    reinterpret_cast<const void*>(&Reset_Handler),
    reinterpret_cast<const void*>(&Fault_Handler),  // NMI
    reinterpret_cast<const void*>(&Fault_Handler),  // HardFault
    reinterpret_cast<const void*>(&Fault_Handler),  // MemManage
    reinterpret_cast<const void*>(&Fault_Handler),  // BusFault
    reinterpret_cast<const void*>(&Fault_Handler),  // UsageFault
    nullptr, nullptr, nullptr, nullptr,
    reinterpret_cast<const void*>(&Fault_Handler),  // SVCall
    nullptr, nullptr,
    reinterpret_cast<const void*>(&Fault_Handler),  // PendSV
    reinterpret_cast<const void*>(&SysTick_Handler),
};

extern "C" [[noreturn]] void Reset_Handler() {
  reg(0xE000ED88) |= 0xFu << 20;  // CPACR: CP10/CP11 full access, the FPU on
  asm volatile("dsb\n isb");
  for (uint32_t *s = __data_load, *d = __data_start; d < __data_end;) *d++ = *s++;
  for (uint32_t* d = __bss_start; d < __bss_end;) *d++ = 0;
  // Paint the stack below the current frame for stack_peak_bytes().
  uint32_t* sp;
  asm volatile("mov %0, sp" : "=r"(sp));
  for (uint32_t* p = __stack_bottom; p < sp - 16;) *p++ = kPaint;
  // SysTick from the core clock, an interrupt every millisecond (armv7-M B3.3).
  reg(0xE000E014) = kCoreHz / 1000 - 1;  // SYST_RVR
  reg(0xE000E018) = 0;                   // SYST_CVR
  reg(0xE000E010) = 7;                   // SYST_CSR: processor clock, interrupt, enable
  __libc_init_array();
  board::exit(main());
}

// newlib's __libc_init_array calls _init (crti's, not linked with
// -nostartfiles): the constructors are all in .init_array.
extern "C" void _init() {}

extern "C" void SysTick_Handler() { g_millis = g_millis + 1; }

extern "C" [[noreturn]] void Fault_Handler() {
  board::write("m4 FAILED fault\n");
  board::exit(3);
}

// Quick failure: newlib's abort() (a failed throwing new, a libstdc++ range
// check) and exit() end in _exit, and libnosys's _exit loops forever, so an
// image that failed hung until run.sh's timeout. These three say why and
// leave QEMU through semihosting with a failing exit code.
extern "C" [[noreturn]] void _exit(int code) { board::exit(code); }

extern "C" [[noreturn]] void abort() {
  board::write("m4 FAILED abort\n");
  board::exit(134);  // 128 + SIGABRT, as a shell reports it
}

// newlib's assert() calls this; its own prints through stdio.
extern "C" [[noreturn]] void __assert_func(const char* file, int line, const char*, const char* expr) {
  static board::Line message;  // static: not on a stack that may be exhausted
  message.text("m4 FAILED assert ").text(file).text(":").num(static_cast<uint64_t>(line)).text(" ").text(expr).text("\n");
  board::write(message.c_str());
  board::exit(134);
}

namespace board {

uint32_t millis() { return g_millis; }

void write(const char* text) { semihost(0x04, text); }  // SYS_WRITE0

void exit(int code) {
  // SYS_EXIT_EXTENDED: {ADP_Stopped_ApplicationExit, exit code}.
  const uint32_t block[2] = {0x20026, static_cast<uint32_t>(code)};
  semihost(0x20, block);
  for (;;) {
  }
}

std::size_t text_bytes() {
  return static_cast<std::size_t>(reinterpret_cast<uintptr_t>(__flash_end) - 0x08000000u);
}
std::size_t data_bytes() {
  return static_cast<std::size_t>(reinterpret_cast<uintptr_t>(__data_end) - reinterpret_cast<uintptr_t>(__data_start));
}
std::size_t bss_bytes() {
  return static_cast<std::size_t>(reinterpret_cast<uintptr_t>(__bss_end) - reinterpret_cast<uintptr_t>(__bss_start));
}

std::size_t stack_peak_bytes() {
  const uint32_t* p = __stack_bottom;
  while (p < __stack_top && *p == kPaint) ++p;
  return static_cast<std::size_t>(reinterpret_cast<uintptr_t>(__stack_top) - reinterpret_cast<uintptr_t>(p));
}

Line& Line::text(const char* s) {
  while (*s != '\0' && len_ + 1 < sizeof buf_) buf_[len_++] = *s++;
  buf_[len_] = '\0';
  return *this;
}

Line& Line::num(uint64_t v) {
  char digits[24];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n > 0 && len_ + 1 < sizeof buf_) buf_[len_++] = digits[--n];
  buf_[len_] = '\0';
  return *this;
}

Line& Line::field(const char* key, uint64_t v) { return text(" ").text(key).text("=").num(v); }

}  // namespace board
