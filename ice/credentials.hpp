// SPDX-License-Identifier: Apache-2.0
// ICE credentials: ice-ufrag and ice-pwd (RFC 8839 §5.4). The short-term
// password keys MESSAGE-INTEGRITY (RFC 8489 §9.1.1). The HMAC key is made
// from the password for each message (two more SHA-1 blocks, on the stack):
// precomputed pads cost an agent 448 bytes for its whole life (issue 13),
// for a few checks a second while checking and one every ~5 s after.
#pragma once

#include <cstdint>
#include <string_view>

#include "keyway/lib/crypto/hmac.hpp"
#include "keyway/lib/result.hpp"
#include "keyway/lib/rng.hpp"

namespace keyway::ice {

struct Credentials {
  static constexpr std::size_t kMaxUfrag = 32;  // RFC 8839 allows 4..256; bounded here
  static constexpr std::size_t kMaxPwd = 64;    // RFC 8839 allows 22..256; bounded here

  char ufrag[kMaxUfrag + 1] = {};
  uint8_t ufrag_len = 0;
  char pwd[kMaxPwd + 1] = {};
  uint8_t pwd_len = 0;

  bool empty() const { return ufrag_len == 0; }
  std::string_view ufrag_view() const { return {ufrag, ufrag_len}; }
  std::string_view pwd_view() const { return {pwd, pwd_len}; }
  // HMAC-SHA1 keyed with pwd (RFC 8489 §14.5: short-term credential).
  crypto::HmacSha1 key() const;

  [[nodiscard]] static Result<Credentials> make(std::string_view ufrag, std::string_view pwd);
  // 8-character ufrag and 24-character pwd of ice-chars from rng.
  static Credentials random(Rng& rng);
};

}  // namespace keyway::ice
