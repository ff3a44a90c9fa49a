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

  bool too_old(uint64_t seq) const { return any_ && seq <= top_ && top_ - seq >= kWidth; }

  // Already marked, inside the window. Epoch 0 has no MAC: a record number
  // with a flipped bit must not make later genuine records "too old", so
  // there only this counts (RFC 6347 §4.1.2.6 trusts only verified numbers).
  bool seen(uint64_t seq) const {
    if (!any_ || seq > top_ || top_ - seq >= kWidth) return false;
    return (bits_ >> (top_ - seq)) & 1u;
  }

  void mark(uint64_t seq) {
    if (!any_) {
      any_ = true;
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

 private:
  uint64_t top_ = 0;
  uint64_t bits_ = 0;
  bool any_ = false;
};

}  // namespace keyway::dtls
