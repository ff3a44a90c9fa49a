// SPDX-License-Identifier: Apache-2.0
// Arena: a bump allocator over a caller's buffer (style.md §3: SDP is
// setup-path code and allocates only from memory the caller owns).
//
// The parser takes arrays of trivially destructible records from it; nothing
// is ever freed individually. reset() makes the whole buffer available again.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <span>
#include <type_traits>

namespace keyway::sdp {

class Arena {
 public:
  explicit Arena(std::span<std::byte> memory) : memory_(memory) {}

  // An array of n default-constructed T, or nullptr when the arena is full.
  template <typename T>
  T* allocate(std::size_t n) {
    static_assert(std::is_trivially_destructible_v<T>, "arena objects are never destroyed");
    // Align the address itself: the caller's buffer may start anywhere.
    auto base = reinterpret_cast<std::uintptr_t>(memory_.data());
    std::size_t start = static_cast<std::size_t>(align_up(base + used_, alignof(T)) - base);
    if (start > memory_.size() || n > (memory_.size() - start) / sizeof(T)) return nullptr;
    T* out = reinterpret_cast<T*>(memory_.data() + start);
    for (std::size_t i = 0; i < n; ++i) new (out + i) T();
    used_ = start + n * sizeof(T);
    high_water_ = used_ > high_water_ ? used_ : high_water_;
    return out;
  }

  std::size_t used() const { return used_; }
  std::size_t high_water() const { return high_water_; }
  std::size_t capacity() const { return memory_.size(); }
  void reset() { used_ = 0; }

 private:
  static std::uintptr_t align_up(std::uintptr_t v, std::uintptr_t a) { return (v + a - 1) / a * a; }

  std::span<std::byte> memory_;
  std::size_t used_ = 0;
  std::size_t high_water_ = 0;
};

}  // namespace keyway::sdp
