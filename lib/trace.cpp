// SPDX-License-Identifier: Apache-2.0
#include "keyway/lib/trace.hpp"

#include <cstdio>

namespace keyway {

void vtracef(TraceSink* sink, Layer layer, const char* fmt, va_list args) {
  char line[256];
  std::vsnprintf(line, sizeof line, fmt, args);
  sink->trace(layer, line);
}

}  // namespace keyway
