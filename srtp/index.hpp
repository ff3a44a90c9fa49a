// SPDX-License-Identifier: Apache-2.0
// SRTP packet index estimation (RFC 3711 §3.3.1 and Appendix A).
//
// The 48-bit packet index is i = 2^16 * ROC + SEQ. Only SEQ travels on the
// wire; the receiver guesses ROC from the highest index it has accepted
// (s_l with its ROC), choosing whichever of ROC-1, ROC, ROC+1 puts the new
// index closest to s_l:
//
//   if s_l < 2^15:  v = ROC - 1 if SEQ - s_l > 2^15, else ROC
//   else:           v = ROC + 1 if s_l - 2^15 > SEQ, else ROC
//
// The sender uses the same rule, so it keeps a correct ROC when the
// application hands it packets slightly out of order.
#pragma once

#include <cstdint>

namespace keyway::srtp {

inline constexpr uint64_t kMaxPacketIndex = (uint64_t{1} << 48) - 1;
inline constexpr uint32_t kMaxSrtcpIndex = 0x7FFFFFFF;  // 31 bits (RFC 3711 §3.4)

inline uint64_t make_packet_index(uint32_t roc, uint16_t seq) { return (uint64_t{roc} << 16) | seq; }
inline uint32_t roc_of(uint64_t index) { return static_cast<uint32_t>(index >> 16); }

// The index of a packet with sequence number seq, relative to the highest
// index seen so far. A result above kMaxPacketIndex means the ROC would
// pass 2^32 - 1: the key is exhausted. When the guess would be ROC - 1 with
// ROC 0, the packet is taken as ROC 0 (libsrtp does the same): it is then
// far ahead of s_l rather than before the start of the stream.
inline uint64_t estimate_packet_index(uint64_t highest_index, uint16_t seq) {
  const uint64_t roc = highest_index >> 16;
  const uint32_t s_l = static_cast<uint32_t>(highest_index & 0xFFFF);
  uint64_t v = roc;
  if (s_l < 0x8000) {
    if (seq > s_l && seq - s_l > 0x8000 && roc > 0) v = roc - 1;
  } else if (s_l - 0x8000 > seq) {
    v = roc + 1;
  }
  return (v << 16) | seq;
}

}  // namespace keyway::srtp
