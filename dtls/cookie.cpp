// SPDX-License-Identifier: Apache-2.0
#include "keyway/dtls/cookie.hpp"

#include "keyway/lib/crypto/ct.hpp"

namespace keyway::dtls {

void CookieJar::init(Rng& rng) {
  uint8_t secret[32];
  rng.fill(secret);
  mac_.set_key(secret);
  crypto::secure_zero(secret, sizeof secret);
}

void CookieJar::make(Bytes peer_address, Bytes client_random, Bytes session_id, Bytes cipher_suites,
                     uint8_t out[kCookieSize]) const {
  auto m = mac_.begin();
  m.update(peer_address);
  m.update(client_random);
  m.update(session_id);
  m.update(cipher_suites);
  m.finish(out);
}

void CookieJar::tag(std::span<const Bytes> parts, uint8_t out[kCookieSize]) const {
  auto m = mac_.begin();
  for (Bytes p : parts) m.update(p);
  m.finish(out);
}

bool CookieJar::check(Bytes peer_address, Bytes client_random, Bytes session_id, Bytes cipher_suites,
                      Bytes cookie) const {
  uint8_t expected[kCookieSize];
  make(peer_address, client_random, session_id, cipher_suites, expected);
  return crypto::verify_mac(Bytes(expected, kCookieSize), cookie);
}

}  // namespace keyway::dtls
