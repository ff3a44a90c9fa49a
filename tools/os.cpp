// SPDX-License-Identifier: Apache-2.0
#include "tools/os.hpp"

#include <sys/random.h>
#include <time.h>

namespace keyway::tools {

bool os_entropy(std::span<uint8_t> out) {
  std::size_t done = 0;
  while (done < out.size()) {
    ssize_t n = getrandom(out.data() + done, out.size() - done, 0);
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

Timestamp monotonic_now() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return Timestamp::from_micros(static_cast<uint64_t>(ts.tv_sec) * 1000000u + static_cast<uint64_t>(ts.tv_nsec) / 1000u);
}

int64_t unix_seconds() { return static_cast<int64_t>(::time(nullptr)); }

}  // namespace keyway::tools
