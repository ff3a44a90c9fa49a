// SPDX-License-Identifier: Apache-2.0
// Trace sink: the library reports what it does (for the demo ladder and for
// debugging) through an optional, caller-installed sink. No iostream, no
// allocation: the library formats into a small stack buffer.
#pragma once

#include <cstdarg>

#include "keyway/lib/result.hpp"

namespace keyway {

class TraceSink {
 public:
  virtual void trace(Layer layer, const char* line) = 0;

 protected:
  ~TraceSink() = default;
};

// Formats (vsnprintf into 256 bytes) and forwards to the sink (lib/trace.cpp).
void vtracef(TraceSink* sink, Layer layer, const char* fmt, va_list args);

// printf-style helper: forwards to the sink if one is set. A null sink costs
// one branch. Inline, so that without trace lines in the build
// (profile::kTrace, the minimal profile) every call is dead code: neither
// the format strings nor the formatting are linked.
inline void tracef(TraceSink* sink, Layer layer, const char* fmt, ...) __attribute__((format(printf, 3, 4)));
inline void tracef(TraceSink* sink, Layer layer, const char* fmt, ...) {
  if (!profile::kTrace || sink == nullptr) return;
  va_list args;
  va_start(args, fmt);
  vtracef(sink, layer, fmt, args);
  va_end(args);
}

}  // namespace keyway
