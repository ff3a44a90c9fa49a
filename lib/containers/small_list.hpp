// SPDX-License-Identifier: Apache-2.0
// SmallList<T, N>: up to N values in place, in insertion order, for short
// lists read off the wire or set in a Config (cipher suites, groups, SRTP
// profiles). It never allocates and never grows: push() past N drops the
// value, so a hostile peer's long list costs nothing beyond N entries.
#pragma once

#include <cstddef>

namespace keyway {

template <typename T, std::size_t N>
struct SmallList {
  static constexpr std::size_t kCapacity = N;

  T items[N] = {};
  std::size_t count = 0;

  void push(T v) {
    if (count < N) items[count++] = v;
  }
  bool contains(T v) const {
    for (std::size_t i = 0; i < count; ++i)
      if (items[i] == v) return true;
    return false;
  }
};

}  // namespace keyway
