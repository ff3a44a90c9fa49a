// SPDX-License-Identifier: Apache-2.0
// STUN long-term credentials as a TURN client uses them (RFC 8489 §9.2):
//
//   client                                   server
//     | Allocate (no credentials)               |
//     |---------------------------------------->|
//     |          401 Unauthenticated, REALM,    |
//     |  NONCE [, PASSWORD-ALGORITHMS]          |
//     |<----------------------------------------|
//     | Allocate USERNAME REALM NONCE           |
//     |  [PASSWORD-ALGORITHMS PASSWORD-ALGORITHM]|
//     |  MESSAGE-INTEGRITY(-SHA256)             |
//     |---------------------------------------->|
//     |        ... 438 Stale Nonce: new NONCE, retry with it
//
// key = MD5(username ":" realm ":" password) or, when the server offers it
// and the client picks it, SHA-256 of the same string (§9.2.2, §18.5).
// The password goes through OpaqueString (RFC 8265 §4.2, opaque_string.hpp)
// first: ASCII unchanged, non-ASCII prepared or refused with an error.
#pragma once

#include <cstdint>
#include <string_view>

#include "keyway/ice/stun/builder.hpp"
#include "keyway/ice/stun/message.hpp"
#include "keyway/lib/crypto/hmac.hpp"
#include "keyway/lib/result.hpp"

namespace keyway::ice::turn {

// A bounded copy of a text value (no heap).
template <std::size_t N>
struct Text {
  char data[N] = {};
  std::size_t len = 0;
  [[nodiscard]] bool set(std::string_view v) {
    if (v.size() > N) return false;
    for (std::size_t i = 0; i < v.size(); ++i) data[i] = v[i];
    len = v.size();
    return true;
  }
  std::string_view view() const { return {data, len}; }
};

constexpr uint16_t kAlgorithmMd5 = 1;     // RFC 8489 §18.5
constexpr uint16_t kAlgorithmSha256 = 2;

class LongTermCredentials {
 public:
  static constexpr std::size_t kMaxText = 256;
  static constexpr std::size_t kMaxAlgorithms = 64;  // PASSWORD-ALGORITHMS value, echoed

  [[nodiscard]] Status set_user(std::string_view username, std::string_view password);
  // Takes REALM, NONCE and, where the nonce cookie announces them,
  // PASSWORD-ALGORITHMS from a 401 or 438 response and derives the key.
  [[nodiscard]] Status take_challenge(const stun::Message& m);
  bool ready() const { return ready_; }
  uint16_t algorithm() const { return algorithm_; }

  // USERNAME, REALM, NONCE [, PASSWORD-ALGORITHMS, PASSWORD-ALGORITHM] then
  // the integrity attribute; the caller adds FINGERPRINT.
  void authenticate(stun::Builder& b) const;
  // The response's integrity attribute must verify under the key (§9.2.5).
  [[nodiscard]] Status verify(const stun::Message& m) const;

 private:
  void derive_key();

  Text<kMaxText> username_{};
  Text<kMaxText> password_{};
  Text<kMaxText> realm_{};
  Text<kMaxText> nonce_{};
  uint8_t algorithms_[kMaxAlgorithms] = {};
  std::size_t algorithms_len_ = 0;  // 0: the server announced none
  uint16_t algorithm_ = kAlgorithmMd5;
  crypto::HmacSha1 mi_key_{};
  crypto::HmacSha256 mi256_key_{};
  bool ready_ = false;
};

// RFC 8489 §9.2: the NONCE begins "obMatJos2" and 4 base64 characters of
// security feature bits when the server speaks RFC 8489; bit 0 (the most
// significant) is "Password algorithms". False when there is no cookie.
bool nonce_offers_password_algorithms(std::string_view nonce);

}  // namespace keyway::ice::turn
