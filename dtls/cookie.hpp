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
#include "keyway/lib/time.hpp"

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

// dtls::Listener's cookie secret, changed every `period` of the caller's
// clock (RFC 6347 §4.2.1, RFC 9147 §5.1: a secret changed frequently, and
// a cookie of the previous secret still accepted, so a hello that was on its
// way at the change is not refused). A cookie is thus good for one to two
// periods; older ones are refused. Both cookies use it: the 1.2
// HelloVerifyRequest's and the 1.3 HelloRetryRequest's (dtls/v13/retry.hpp).
//
//   time:      |---- period ----|---- period ----|---- period ----|
//   makes:        secret A          secret B          secret C
//   accepts:      A                 B, A              C, B
class CookieSecrets {
 public:
  // A zero period never changes the secret.
  void init(Rng& rng, Duration period);
  // Changes the secret when a period has passed since the last change (the
  // first call starts the clock); a gap of two periods or more leaves no
  // previous secret. New secrets come from the rng given to init().
  void rotate(Timestamp now);
  // The jar new cookies are made with.
  const CookieJar& current() const { return jars_[current_]; }
  // The jars a cookie may come from, newest first: current, then previous
  // (null when there is none).
  const CookieJar* accepted(std::size_t i) const;
  uint64_t rotations() const { return rotations_; }

 private:
  void change();
  CookieJar jars_[2];
  uint8_t current_ = 0;
  bool has_previous_ = false;
  Rng* rng_ = nullptr;
  Duration period_ = Duration::micros(0);
  Timestamp next_change_ = Timestamp::never();
  bool started_ = false;
  uint64_t rotations_ = 0;
};

// The HelloVerifyRequest that carries a cookie: hello_verify.hpp.

}  // namespace keyway::dtls
