// SPDX-License-Identifier: Apache-2.0
// ICE credentials: ice-ufrag and ice-pwd (RFC 8839 §5.4). The short-term
// password keys MESSAGE-INTEGRITY (RFC 8489 §9.1.1). The HMAC key is made
// from the password for each message (two more SHA-1 blocks, on the stack):
// precomputed pads cost an agent 448 bytes for its whole life (issue 13),
// for a few checks a second while checking and one every ~5 s after.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "keyway/lib/crypto/hmac.hpp"
#include "keyway/lib/result.hpp"
#include "keyway/lib/rng.hpp"

namespace keyway::ice {

// The two strings share one heap block of exactly their size, allocated
// when they are set (setup time, never on the packet path): 16 bytes in the
// agent and 32 on the heap for keyway's own 8 + 24 characters, not 100
// (issue 13). Move-only.
class Credentials {
 public:
  static constexpr std::size_t kMaxUfrag = 32;  // RFC 8839 allows 4..256; bounded here
  static constexpr std::size_t kMaxPwd = 64;    // RFC 8839 allows 22..256; bounded here

  Credentials() = default;
  Credentials(Credentials&&) noexcept = default;
  Credentials& operator=(Credentials&&) noexcept = default;

  bool empty() const { return ufrag_len_ == 0; }
  std::string_view ufrag_view() const { return {text(), ufrag_len_}; }
  std::string_view pwd_view() const { return {text() + ufrag_len_, pwd_len_}; }
  // HMAC-SHA1 keyed with pwd (RFC 8489 §14.5: short-term credential).
  crypto::HmacSha1 key() const;

  // Fails on a malformed ufrag or pwd, or without heap for them.
  [[nodiscard]] static Result<Credentials> make(std::string_view ufrag, std::string_view pwd);
  // 8-character ufrag and 24-character pwd of ice-chars from rng (empty
  // credentials without heap for them).
  static Credentials random(Rng& rng);

 private:
  const char* text() const { return text_ ? text_.get() : ""; }

  std::unique_ptr<char[]> text_;  // ufrag then pwd, no NUL
  uint8_t ufrag_len_ = 0;
  uint8_t pwd_len_ = 0;
};

}  // namespace keyway::ice
