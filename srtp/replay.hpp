// SPDX-License-Identifier: Apache-2.0
// Replay protection (RFC 3711 §3.3.2): a sliding window of the last W
// packet indices, W a multiple of 64 between 64 and 32768 (default 1024:
// a 64-packet window drops legitimate NACK retransmissions).
//
//        too old       |<----------- W indices ----------->|   new
//   ...................[ bitmap of accepted indices        ]highest.....
//
// The bitmap is a ring indexed by (index mod W), in words the owner
// provides (fixed storage, no allocation). check() never changes anything;
// accept() is called only after the packet authenticated (§3.3.2), so a
// forged packet cannot move the window.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace keyway::srtp {

inline constexpr std::size_t kMinReplayWindow = 64;
inline constexpr std::size_t kMaxReplayWindow = 32768;
inline constexpr std::size_t kDefaultReplayWindow = 1024;

enum class ReplayCheck : uint8_t { fresh, duplicate, too_old };

class ReplayWindow {
 public:
  ReplayWindow() = default;
  // bits.size() * 64 is the window size W.
  explicit ReplayWindow(std::span<uint64_t> bits) : bits_(bits.data()), words_(static_cast<uint32_t>(bits.size())) {
    reset();
  }

  void reset();
  bool started() const { return started_; }
  uint64_t highest() const { return highest_; }
  std::size_t size() const { return std::size_t{words_} * 64; }

  ReplayCheck check(uint64_t index) const {
    if (!started_ || index > highest_) return ReplayCheck::fresh;
    if (highest_ - index >= size()) return ReplayCheck::too_old;
    return test_bit(index) ? ReplayCheck::duplicate : ReplayCheck::fresh;
  }
  void accept(uint64_t index) {
    if (started_ && index == highest_ + 1) {  // the common case: next in order, nothing to clear
      highest_ = index;
    } else if (!started_ || index > highest_) {
      slide_to(index);
    }
    const auto pos = static_cast<std::size_t>(index % size());
    bits_[pos / 64] |= uint64_t{1} << (pos % 64);
  }

 private:
  bool test_bit(uint64_t index) const {
    const auto pos = static_cast<std::size_t>(index % size());
    return ((bits_[pos / 64] >> (pos % 64)) & 1u) != 0;
  }
  void slide_to(uint64_t index);                    // makes index the new highest
  void clear_range(uint64_t first, uint64_t last);  // inclusive, fewer than W indices

  std::span<uint64_t> words() const { return {bits_, words_}; }

  // A pointer and a 32-bit word count, not a span: 24 bytes a window, and
  // every SSRC of a call holds two or three (issue 13).
  uint64_t* bits_ = nullptr;
  uint64_t highest_ = 0;
  uint32_t words_ = 0;  // W / 64 (at most kMaxReplayWindow / 64)
  bool started_ = false;
};

}  // namespace keyway::srtp
