// SPDX-License-Identifier: Apache-2.0
#include "keyway/srtp/replay.hpp"

namespace keyway::srtp {

void ReplayWindow::reset() {
  for (uint64_t& w : words()) w = 0;
  state_ &= kWordsMask;  // highest 0, not started
}

void ReplayWindow::clear_range(uint64_t first, uint64_t last) {
  const uint64_t w = size();
  uint64_t i = first;
  while (i <= last) {
    const auto pos = static_cast<std::size_t>(i % w);
    const uint64_t bit = pos % 64;
    uint64_t n = 64 - bit;
    if (n > last - i + 1) n = last - i + 1;
    const uint64_t mask = n == 64 ? ~uint64_t{0} : ((uint64_t{1} << n) - 1) << bit;
    bits_[pos / 64] &= ~mask;
    i += n;
  }
}

void ReplayWindow::slide_to(uint64_t index) {
  // Indices between the old and new top were not seen: clear their bits.
  if (!started() || index - highest() >= size()) {
    for (uint64_t& word : words()) word = 0;
  } else {
    clear_range(highest() + 1, index);
  }
  set_highest(index);
  state_ |= kStarted;
}

}  // namespace keyway::srtp
