// SPDX-License-Identifier: Apache-2.0
// Anti-replay window for one epoch (RFC 6347 §4.1.2.6, RFC 4303 §3.4.3).
//
//        <-------------- 64 records -------------->
//   ... [ top-63 ............................ top ] -> newer seqs shift the window
//
// should_discard() is checked BEFORE the record is authenticated; mark() is
// called only AFTER authentication succeeded, so a forged record can never
// move the window.
#pragma once

#include <cstdint>

namespace keyway::dtls {

class ReplayWindow {
 public:
  static constexpr uint64_t kWidth = 64;

  bool should_discard(uint64_t seq) const { return too_old(seq) || seen(seq); }

  bool too_old(uint64_t seq) const { return any() && seq <= top_ && top_ - seq >= kWidth; }

  // Already marked, inside the window. Epoch 0 has no MAC: a record number
  // with a flipped bit must not make later genuine records "too old", so
  // there only this counts (RFC 6347 §4.1.2.6 trusts only verified numbers).
  bool seen(uint64_t seq) const {
    if (!any() || seq > top_ || top_ - seq >= kWidth) return false;
    return (bits_ >> (top_ - seq)) & 1u;
  }

  void mark(uint64_t seq) {
    if (!any()) {
      top_ = seq;
      bits_ = 1;
      return;
    }
    if (seq > top_) {
      uint64_t shift = seq - top_;
      bits_ = shift >= kWidth ? 0 : bits_ << shift;  // clear when the shift is the window width
      bits_ |= 1;
      top_ = seq;
      return;
    }
    uint64_t age = top_ - seq;
    if (age < kWidth) bits_ |= uint64_t{1} << age;
  }

  void reset() { *this = ReplayWindow{}; }

  // One past the highest number marked; 0 before the first (DTLS 1.3's
  // "expected" for sequence-number reconstruction, RFC 9147 §4.2.2).
  uint64_t next_expected() const { return any() ? top_ + 1 : 0; }

 private:
  // Whether any number was marked: bit 0 (top_ itself) is set by the first
  // mark() and by every one that moves top_, so bits_ is never 0 after one.
  // No separate flag: 16 bytes, not 24 (issue 18: a window per epoch slot).
  bool any() const { return bits_ != 0; }

  uint64_t top_ = 0;
  uint64_t bits_ = 0;
};

}  // namespace keyway::dtls
