// SPDX-License-Identifier: Apache-2.0
#include "keyway/lib/trace.hpp"

#include <cstdio>

namespace keyway {

void tracef(TraceSink* sink, Layer layer, const char* fmt, ...) {
  if (sink == nullptr) return;
  char line[256];
  va_list args;
  va_start(args, fmt);
  std::vsnprintf(line, sizeof line, fmt, args);
  va_end(args);
  sink->trace(layer, line);
}

}  // namespace keyway
