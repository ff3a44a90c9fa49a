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

void CookieSecrets::init(Rng& rng, Duration period) {
  rng_ = &rng;
  period_ = period;
  jars_[0].init(rng);
  current_ = 0;
  has_previous_ = false;
}

void CookieSecrets::change() {
  current_ ^= 1;
  jars_[current_].init(*rng_);  // the one before the previous is forgotten
  has_previous_ = true;
  ++rotations_;
}

void CookieSecrets::rotate(Timestamp now) {
  if (rng_ == nullptr || period_ <= Duration::micros(0)) return;
  if (!started_) {
    started_ = true;
    next_change_ = now + period_;
    return;
  }
  if (now < next_change_) return;
  change();
  // RFC 6347 §4.2.1: the previous secret is good for one more period only.
  if (now >= next_change_ + period_) change();
  next_change_ = now + period_;
}

const CookieJar* CookieSecrets::accepted(std::size_t i) const {
  if (i == 0) return &jars_[current_];
  if (i == 1 && has_previous_) return &jars_[current_ ^ 1];
  return nullptr;
}

}  // namespace keyway::dtls
