// SPDX-License-Identifier: Apache-2.0
// Per-session heap accounting for keyway-bench dtls: every malloc/calloc/
// realloc/free (operator new goes through malloc) made while a side is
// "current" is charged to that side, by requested size, and each side's
// peak is tracked at every allocation (not sampled). Interposes glibc's
// malloc, except under ASan (which owns malloc): there available() is false.
#pragma once

#include <cstddef>

namespace keyway::bench {

struct HeapMeter {
  static bool available();
  static void start();          // clears the counters, begins charging
  static void stop();
  static void set_side(int s);  // 0 or 1; -1: charge nobody
  static std::size_t live(int s);
  static std::size_t peak(int s);
  // Called (inside malloc: it must not allocate) each time a side's live
  // bytes reach a new peak, e.g. to record who holds what at that moment.
  static void (*on_peak)(int side);
};

// Charges the allocations of a scope to one side.
struct ChargeTo {
  explicit ChargeTo(int s) { HeapMeter::set_side(s); }
  ~ChargeTo() { HeapMeter::set_side(-1); }
};

}  // namespace keyway::bench
