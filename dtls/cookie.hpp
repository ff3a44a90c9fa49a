// SPDX-License-Identifier: Apache-2.0
// Stateless HelloVerifyRequest cookies (RFC 6347 §4.2.1).
//
//   Client                                   Server
//   ClientHello (cookie empty)  ------>
//                               <------      HelloVerifyRequest (cookie)
//   ClientHello (cookie)        ------>      recomputes the cookie, compares
//
// cookie = HMAC-SHA256(secret, peer_address || client_random || session_id
//                      || cipher_suites): the server keeps no per-client state,
// and an off-path attacker cannot forge a cookie for someone else's address.
#pragma once

#include <cstdint>
#include <span>

#include "keyway/dtls/messages.hpp"
#include "keyway/lib/bytes.hpp"
#include "keyway/lib/crypto/hmac.hpp"
#include "keyway/lib/rng.hpp"

namespace keyway::dtls {

class CookieJar {
 public:
  static constexpr std::size_t kCookieSize = 32;

  void init(Rng& rng);
  void make(Bytes peer_address, Bytes client_random, Bytes session_id, Bytes cipher_suites,
            uint8_t out[kCookieSize]) const;
  bool check(Bytes peer_address, Bytes client_random, Bytes session_id, Bytes cipher_suites, Bytes cookie) const;
  // The same secret over any fields: the DTLS 1.3 HelloRetryRequest cookie
  // (dtls/v13/retry.hpp) puts its own label first, so neither cookie passes for the other.
  void tag(std::span<const Bytes> parts, uint8_t out[kCookieSize]) const;

 private:
  crypto::HmacSha256 mac_;
};

// The HelloVerifyRequest that carries a cookie: hello_verify.hpp.

}  // namespace keyway::dtls
