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
  explicit ReplayWindow(std::span<uint64_t> bits) : bits_(bits.data()) {
    state_ = static_cast<uint64_t>(bits.size()) << kWordsShift;
    reset();
  }

  void reset();
  bool started() const { return (state_ & kStarted) != 0; }
  uint64_t highest() const { return state_ & kHighestMask; }
  std::size_t size() const { return static_cast<std::size_t>(words_count()) * 64; }

  ReplayCheck check(uint64_t index) const {
    if (!started() || index > highest()) return ReplayCheck::fresh;
    if (highest() - index >= size()) return ReplayCheck::too_old;
    return test_bit(index) ? ReplayCheck::duplicate : ReplayCheck::fresh;
  }
  // index <= kMaxIndex (SRTP's 48-bit packet index, SRTCP's 31-bit one:
  // the sessions refuse larger ones as key exhaustion before accepting).
  void accept(uint64_t index) {
    if (started() && index == highest() + 1) {  // the common case: next in order, nothing to clear
      set_highest(index);
    } else if (!started() || index > highest()) {
      slide_to(index);
    }
    const auto pos = static_cast<std::size_t>(index % size());
    bits_[pos / 64] |= uint64_t{1} << (pos % 64);
  }

  static constexpr uint64_t kMaxIndex = (uint64_t{1} << 48) - 1;

 private:
  // One 64-bit word of state (issue 13: 16 bytes a window, not 24, and
  // every SSRC of a call holds two): the highest index accepted in bits
  // 0..47, the window's word count W / 64 (at most kMaxReplayWindow / 64 =
  // 512) in bits 48..62, bit 63 set once an index was accepted.
  static constexpr unsigned kWordsShift = 48;
  static constexpr uint64_t kHighestMask = kMaxIndex;
  static constexpr uint64_t kStarted = uint64_t{1} << 63;
  static constexpr uint64_t kWordsMask = ~kHighestMask & ~kStarted;
  static_assert(kMaxReplayWindow / 64 < (uint64_t{1} << 15));

  uint32_t words_count() const { return static_cast<uint32_t>((state_ & kWordsMask) >> kWordsShift); }
  void set_highest(uint64_t index) { state_ = (state_ & ~kHighestMask) | (index & kHighestMask); }

  bool test_bit(uint64_t index) const {
    const auto pos = static_cast<std::size_t>(index % size());
    return ((bits_[pos / 64] >> (pos % 64)) & 1u) != 0;
  }
  void slide_to(uint64_t index);                    // makes index the new highest
  void clear_range(uint64_t first, uint64_t last);  // inclusive, fewer than W indices

  std::span<uint64_t> words() const { return {bits_, words_count()}; }

  uint64_t* bits_ = nullptr;
  uint64_t state_ = 0;
};

}  // namespace keyway::srtp
