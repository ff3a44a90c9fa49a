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

// printf-style helper: formats (vsnprintf into 256 bytes) and forwards to
// the sink if one is set. A null sink costs one branch.
void tracef(TraceSink* sink, Layer layer, const char* fmt, ...)
    __attribute__((format(printf, 3, 4)));

}  // namespace keyway
