// SPDX-License-Identifier: Apache-2.0
// The bare-metal board of the Cortex-M4 image (QEMU netduinoplus2, an
// STM32F405): a millisecond tick, semihosting output and exit, the image's
// section sizes and the main stack's high-water mark.
#pragma once

#include <cstddef>
#include <cstdint>

namespace board {

// Milliseconds since reset, counted by the SysTick interrupt (168 MHz core
// clock). Under QEMU this is emulated time (run.sh: -icount, a fixed number
// of nanoseconds per instruction), not a measurement of silicon.
uint32_t millis();

// Semihosting (ARM "Semihosting for AArch32 and AArch64", SYS_WRITE0 and
// SYS_EXIT_EXTENDED): text to the host's console, then QEMU exits with `code`.
void write(const char* text);
[[noreturn]] void exit(int code);

// Section sizes from the linker script, as arm-none-eabi-size counts them:
// text (vectors, code, constants, in flash), .data (in RAM, its initial
// values also in flash) and .bss.
std::size_t text_bytes();
std::size_t data_bytes();
std::size_t bss_bytes();

// The deepest the main stack has been since reset: the startup code paints
// it, this finds the lowest word no longer painted.
std::size_t stack_peak_bytes();

// A line of "key=value" fields without printf: appends to a fixed buffer.
class Line {
 public:
  Line& text(const char* s);
  Line& num(uint64_t v);
  Line& field(const char* key, uint64_t v);  // " key=v"
  const char* c_str() const { return buf_; }

 private:
  char buf_[400] = {};
  std::size_t len_ = 0;
};

}  // namespace board
