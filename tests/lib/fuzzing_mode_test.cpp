// SPDX-License-Identifier: Apache-2.0
// lib/fuzzing.hpp: the checks that fuzzing builds relax are all strict in
// this (production) build. One negative case per relaxed site.
#include <doctest/doctest.h>

#include <cstring>
#include <vector>

#include "keyway/dtls/cookie.hpp"
#include "keyway/dtls/x509/certificate.hpp"
#include "keyway/ice/stun/attributes.hpp"
#include "keyway/ice/stun/crc32.hpp"
#include "keyway/ice/stun/message.hpp"
#include "keyway/lib/crypto/aead.hpp"
#include "keyway/lib/crypto/ct.hpp"
#include "keyway/lib/crypto/ecc.hpp"
#include "keyway/lib/crypto/hmac.hpp"
#include "keyway/lib/crypto/sha.hpp"
#include "keyway/lib/fuzzing.hpp"
#include "keyway/lib/rng.hpp"
#include "tests/support/hex.hpp"

using namespace keyway;
using keyway::test::bytes_of;
using keyway::test::unhex;

// A runtime check, not a static_assert: `ninja -C build-fuzz` still compiles
// the tests; they just must not pass against a fuzzing build.
TEST_CASE("production build: kFuzzing is off (the test suite never runs a -Dfuzzing=true build)") {
  CHECK_FALSE(kFuzzing);
}

TEST_CASE("production build: verify_mac compares contents, not just lengths") {
  const uint8_t a[4] = {1, 2, 3, 4}, b[4] = {1, 2, 3, 5};
  CHECK(crypto::verify_mac(a, a));
  CHECK_FALSE(crypto::verify_mac(a, b));
  CHECK_FALSE(crypto::verify_mac(a, std::span<const uint8_t>(a, 3)));
}

TEST_CASE("production build: AEAD open rejects a bad tag and really encrypts") {
  uint8_t key[32] = {7}, nonce[12] = {1}, tag[16];
  uint8_t data[8] = {'p', 'l', 'a', 'i', 'n', 't', 'x', 't'};
  crypto::AesGcm gcm;
  REQUIRE(gcm.set_key(std::span<const uint8_t>(key, 16)).ok());
  REQUIRE(gcm.seal(nonce, {}, data, tag).ok());
  CHECK(std::memcmp(data, "plaintxt", 8) != 0);  // not a null cipher
  tag[0] ^= 1;
  CHECK_FALSE(gcm.open(nonce, {}, data, tag).ok());
  tag[0] ^= 1;
  CHECK(gcm.open(nonce, {}, data, tag).ok());
  crypto::ChaCha20Poly1305 chacha;
  REQUIRE(chacha.set_key(key).ok());
  REQUIRE(chacha.seal(nonce, {}, data, tag).ok());
  tag[15] ^= 0x80;
  CHECK_FALSE(chacha.open(nonce, {}, data, tag).ok());
}

TEST_CASE("production build: ECDSA rejects a signature over another digest") {
  SeededRng rng(5);
  crypto::EcdsaKey key;
  REQUIRE(key.generate(crypto::EcCurve::p256, rng).ok());
  uint8_t digest[32] = {1, 2, 3}, sig[64];
  REQUIRE(key.sign_digest(digest, sig, rng).ok());
  CHECK(crypto::ecdsa_verify_digest(crypto::EcCurve::p256, key.public_key(), digest, sig).ok());
  digest[0] ^= 1;
  CHECK_FALSE(crypto::ecdsa_verify_digest(crypto::EcCurve::p256, key.public_key(), digest, sig).ok());
}

TEST_CASE("production build: a DTLS cookie of the right length but wrong value is refused") {
  SeededRng rng(6);
  dtls::CookieJar jar;
  jar.init(rng);
  const uint8_t addr[4] = {127, 0, 0, 1}, random[32] = {9}, suites[2] = {0xc0, 0x2b};
  uint8_t cookie[dtls::CookieJar::kCookieSize];
  jar.make(addr, random, {}, suites, cookie);
  CHECK(jar.check(addr, random, {}, suites, cookie));
  cookie[31] ^= 1;
  CHECK_FALSE(jar.check(addr, random, {}, suites, cookie));
}

TEST_CASE("production build: a certificate fingerprint of the right length but wrong value does not match") {
  const auto der = bytes_of("not really a certificate");
  dtls::Fingerprint fp = dtls::fingerprint(dtls::FingerprintHash::sha256, der);
  CHECK(dtls::fingerprint_matches(fp, der));
  fp.digest[0] ^= 1;
  CHECK_FALSE(dtls::fingerprint_matches(fp, der));
}

TEST_CASE("production build: STUN FINGERPRINT and MESSAGE-INTEGRITY are checked (RFC 5769 §2.1)") {
  auto msg = unhex(
      "000100582112a442b7e7a701bc34d686fa87dfae802200105354554e207465737420636c69656e74002400046e0001ff"
      "80290008932ff9b151263b36000600096576746a3a6836765920202000080014"
      "9aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a280280004e57a3bcf");
  const auto password = bytes_of("VOkJxbRl1RmTxUk/WvJxBt");
  const crypto::HmacSha1 key(password);
  {
    auto m = ice::stun::Message::parse(msg);
    REQUIRE(m.ok());
    CHECK(m->verify_integrity(key).ok());
  }
  auto bad_fp = msg;
  bad_fp.back() ^= 1;
  CHECK_FALSE(ice::stun::Message::parse(bad_fp).ok());
  // A flipped MESSAGE-INTEGRITY byte under a recomputed, valid FINGERPRINT.
  auto bad_mi = msg;
  bad_mi[bad_mi.size() - 8 - 1] ^= 1;
  const std::size_t fp_at = bad_mi.size() - 8;
  uint32_t crc = ice::stun::crc32(std::span<const uint8_t>(bad_mi.data(), fp_at)) ^ ice::stun::kFingerprintXor;
  for (int i = 0; i < 4; ++i) bad_mi[fp_at + 4 + i] = static_cast<uint8_t>(crc >> (24 - 8 * i));
  auto m = ice::stun::Message::parse(bad_mi);
  REQUIRE(m.ok());
  CHECK_FALSE(m->verify_integrity(key).ok());
}
