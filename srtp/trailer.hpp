// SPDX-License-Identifier: Apache-2.0
// The trailer of a protected packet: everything after the encrypted portion
// (the "body"), laid out once per session from the profile and the MKI
// length. Offsets count from body_end, where the body ends.
//
//   SRTP,  AES-CM  (RFC 3711 §3.1):  | body | MKI? | tag |
//   SRTP,  AES-GCM (RFC 7714 §8):    | body | tag | MKI? |
//   SRTCP, AES-CM  (RFC 3711 §3.4):  | body | E||index | MKI? | tag |
//   SRTCP, AES-GCM (RFC 7714 §9):    | body | tag | E||index | MKI? |
//
// With AES-CM the HMAC covers everything before the MKI: the body, and for
// SRTCP the E||index word (the MKI is never authenticated, §3.1). AES-GCM's
// tag directly follows the body it seals; when an SRTCP packet has E = 0
// (RFC 7714 §9.3) the AAD is body || E||index, i.e. the index word as if it
// sat at the tag's place.
#pragma once

#include <cstddef>
#include <cstdint>

#include "keyway/lib/bytes.hpp"

namespace keyway::srtp {

inline constexpr std::size_t kSrtcpIndexLen = 4;  // E (1 bit) || SRTCP index (31 bits)

struct Trailer {
  uint8_t tag_at = 0;
  uint8_t tag_len = 0;
  uint8_t index_at = 0;  // SRTCP only: the E||index word
  uint8_t mki_at = 0;
  uint8_t mki_len = 0;
  uint8_t len = 0;  // the whole trailer: what protect adds and unprotect removes

  // The fields of a packet whose body ends at body_end.
  MutableBytes tag(MutableBytes packet, std::size_t body_end) const { return packet.subspan(body_end + tag_at, tag_len); }
  MutableBytes mki(MutableBytes packet, std::size_t body_end) const { return packet.subspan(body_end + mki_at, mki_len); }
  // AES-CM: where the HMAC-authenticated portion ends (everything before the MKI).
  std::size_t authenticated_end(std::size_t body_end) const { return body_end + mki_at; }

  static constexpr Trailer srtp(bool aead, std::size_t tag_len, std::size_t mki_len) {
    if (aead) return make(tag_len, mki_len, 0, {.tag_at = 0, .mki_at = tag_len});
    return make(tag_len, mki_len, 0, {.tag_at = mki_len, .mki_at = 0});
  }
  static constexpr Trailer srtcp(bool aead, std::size_t tag_len, std::size_t mki_len) {
    if (aead)
      return make(tag_len, mki_len, kSrtcpIndexLen,
                  {.tag_at = 0, .index_at = tag_len, .mki_at = tag_len + kSrtcpIndexLen});
    return make(tag_len, mki_len, kSrtcpIndexLen,
                {.tag_at = kSrtcpIndexLen + mki_len, .index_at = 0, .mki_at = kSrtcpIndexLen});
  }

 private:
  struct Offsets {
    std::size_t tag_at = 0;
    std::size_t index_at = 0;
    std::size_t mki_at = 0;
  };
  // Callers keep tag_len and mki_len <= 16 (kMaxTagLen, kMaxMkiLen), so every offset fits a byte.
  static constexpr Trailer make(std::size_t tag_len, std::size_t mki_len, std::size_t index_len, Offsets at) {
    Trailer t;
    t.tag_at = static_cast<uint8_t>(at.tag_at);
    t.tag_len = static_cast<uint8_t>(tag_len);
    t.index_at = static_cast<uint8_t>(at.index_at);
    t.mki_at = static_cast<uint8_t>(at.mki_at);
    t.mki_len = static_cast<uint8_t>(mki_len);
    t.len = static_cast<uint8_t>(tag_len + index_len + mki_len);
    return t;
  }
};

// The layouts drawn above, e.g. an 80-bit tag and a 4-byte MKI.
static_assert(Trailer::srtp(false, 10, 4).mki_at == 0 && Trailer::srtp(false, 10, 4).tag_at == 4);
static_assert(Trailer::srtp(true, 16, 4).tag_at == 0 && Trailer::srtp(true, 16, 4).mki_at == 16);
static_assert(Trailer::srtcp(false, 10, 4).index_at == 0 && Trailer::srtcp(false, 10, 4).tag_at == 8);
static_assert(Trailer::srtcp(true, 16, 4).index_at == 16 && Trailer::srtcp(true, 16, 4).mki_at == 20);
static_assert(Trailer::srtcp(false, 10, 0).len == 14 && Trailer::srtp(true, 16, 0).len == 16);

}  // namespace keyway::srtp
