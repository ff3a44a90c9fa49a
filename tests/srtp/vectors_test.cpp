// SPDX-License-Identifier: Apache-2.0
// Known-answer tests: RFC 3711 B.2/B.3, RFC 6188 §7.2, RFC 7714 §16-17, and
// libsrtp's reference packets (srtp_driver validate vectors, interop.md §3).
#include <doctest/doctest.h>

#include "keyway/srtp/cipher.hpp"
#include "keyway/srtp/kdf.hpp"
#include "keyway/srtp/session.hpp"
#include "tests/srtp/helpers.hpp"
#include "tests/support/hex.hpp"

using namespace keyway;
using namespace keyway::srtp;
using keyway::test::hex;
using keyway::test::unhex;

namespace {

std::string derive_hex(const std::string& key, const std::string& salt, KdfLabel label, std::size_t n) {
  std::vector<uint8_t> out(n);
  auto k = unhex(key), s = unhex(salt);
  REQUIRE(kdf_derive(k, s, label, out).ok());
  return hex(out);
}

SessionKeys session_keys(const std::string& key, const std::string& salt, const std::string& auth = "") {
  SessionKeys k;
  auto kb = unhex(key), sb = unhex(salt), ab = unhex(auth);
  std::copy(kb.begin(), kb.end(), k.cipher_key);
  std::copy(sb.begin(), sb.end(), k.salt);
  std::copy(ab.begin(), ab.end(), k.auth_key);
  k.key_len = static_cast<uint8_t>(kb.size());
  k.salt_len = static_cast<uint8_t>(sb.size());
  k.auth_key_len = static_cast<uint8_t>(ab.size());
  return k;
}

// Protects plain with tx, checks the bytes, then unprotects with rx.
void check_rtp(Session& tx, Session& rx, const std::string& plain_hex, const std::string& protected_hex) {
  auto plain = unhex(plain_hex);
  std::vector<uint8_t> buf(plain.size() + kMaxTrailerLen);
  std::copy(plain.begin(), plain.end(), buf.begin());
  auto n = tx.protect_rtp(buf, plain.size());
  REQUIRE(n.ok());
  CHECK(hex({buf.data(), *n}) == protected_hex);
  auto m = rx.unprotect_rtp(buf, *n);
  REQUIRE(m.ok());
  CHECK(hex({buf.data(), *m}) == plain_hex);
}

void check_rtcp(Session& tx, Session& rx, const std::string& plain_hex, const std::string& protected_hex) {
  auto plain = unhex(plain_hex);
  std::vector<uint8_t> buf(plain.size() + kMaxTrailerLen);
  std::copy(plain.begin(), plain.end(), buf.begin());
  auto n = tx.protect_rtcp(buf, plain.size());
  REQUIRE(n.ok());
  CHECK(hex({buf.data(), *n}) == protected_hex);
  auto m = rx.unprotect_rtcp(buf, *n);
  REQUIRE(m.ok());
  CHECK(hex({buf.data(), *m}) == plain_hex);
}

}  // namespace

TEST_CASE("RFC 3711 B.3: key derivation with AES-128-CM") {
  const std::string key = "e1f97a0d3e018be0d64fa32c06de4139", salt = "0ec675ad498afeebb6960b3aabe6";
  CHECK(derive_hex(key, salt, KdfLabel::rtp_encryption, 16) == "c61e7a93744f39ee10734afe3ff7a087");
  CHECK(derive_hex(key, salt, KdfLabel::rtp_salt, 14) == "30cbbc08863d8c85d49db34a9ae1");
  CHECK(derive_hex(key, salt, KdfLabel::rtp_auth, 94) ==
        "cebe321f6ff7716b6fd4ab49af256a156d38baa48f0a0acf3c34e2359e6cdbce"
        "e049646c43d9327ad175578ef72270986371c10c9a369ac2f94a8c5fbcdddc25"
        "6d6e919a48b610ef17c2041e474035766b68642c59bbfc2f34db60dbdfb2");
  SessionKeys k;
  REQUIRE(derive_session_keys(profile_info(Profile::aes128_cm_sha1_80), unhex(key), unhex(salt), false, k).ok());
  CHECK(hex(k.auth_key_view()) == "cebe321f6ff7716b6fd4ab49af256a156d38baa4");
}

TEST_CASE("RFC 6188 §7.2: key derivation with AES-256-CM") {
  const std::string key = "f0f04914b513f2763a1b1fa130f10e2998f6f6e43e4309d1e622a0e332b9f1b6";
  const std::string salt = "3b04803de51ee7c96423ab5b78d2";
  CHECK(derive_hex(key, salt, KdfLabel::rtp_encryption, 32) ==
        "5ba1064e30ec51613cad926c5a28ef731ec7fb397f70a960653caf06554cd8c4");
  CHECK(derive_hex(key, salt, KdfLabel::rtp_salt, 14) == "fa31791685ca444a9e07c6c64e93");
  CHECK(derive_hex(key, salt, KdfLabel::rtp_auth, 20) == "fd9c32d39ed5fbb5a9dc96b30818454d1313dc05");
}

TEST_CASE("RFC 3711 B.2: AES-CM keystream over a whole 65282-block segment") {
  PacketCipher c;
  auto keys = session_keys("2b7e151628aed2a6abf7158809cf4f3c", "f0f1f2f3f4f5f6f7f8f9fafbfcfd", std::string(40, '0'));
  REQUIRE(c.init(profile_info(Profile::aes128_cm_sha1_80), keys, 10).ok());
  uint8_t iv[16];
  c.cm_iv(0, 0, iv);
  CHECK(hex(iv) == "f0f1f2f3f4f5f6f7f8f9fafbfcfd0000");
  std::vector<uint8_t> ks(65282 * 16, 0);
  c.cm_xor(iv, ks);
  CHECK(hex({ks.data(), 48}) ==
        "e03ead0935c95e80e166b16dd92b4eb4d23513162b02d0f72a43a2fe4a5f97ab41e95b3bb0a2e8dd477901e4fca894c0");
  CHECK(hex({ks.data() + ks.size() - 48, 48}) ==
        "ec8cdf7398607cb0f2d21675ea9ea1e4362b7c3c6773516318a077d7fc5073ae6a2cc3787889374fbeb4c81b17ba6c44");
}

TEST_CASE("RFC 7714 §16-17: AES-GCM SRTP and SRTCP packets") {
  const std::string salt = "517569642070726f2071756f";
  const std::string rtp =
      "8040f17b8041f8d35501a0b247616c6c696120657374206f6d6e69732064697669736120696e207061727465732074726573";
  const std::string rtcp =
      "81c8000d4d6172734e5450314e545032525450200000042a0000e9304c756e61deadbeefdeadbeefdeadbeefdeadbeefdeadbeef";
  struct Case {
    Profile profile;
    std::string key, srtp, srtcp;
  } cases[] = {
      {Profile::aead_aes128_gcm, "000102030405060708090a0b0c0d0e0f",
       "8040f17b8041f8d35501a0b2f24de3a3fb34de6cacba861c9d7e4bcabe633bd50d294e6f42a5f47a51c7d19b36de3adf8833899d7f27beb1"
       "6a9152cf765ee4390cce",
       "81c8000d4d61727363e94885dcdab67ca727d7662f6b7e997ff5c0f76c06f32dc676a5f1730d6fda4ce09b4686303ded0bb9275bc84aa458"
       "96cf4d2fc5abf87245d9eade800005d4"},
      {Profile::aead_aes256_gcm, "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
       "8040f17b8041f8d35501a0b232b1de78a822fe12ef9f78fa332e33aab18012389a58e2f3b50b2a0276ffae0f1ba63799b87b7aa3db36dfff"
       "d6b0f9bb7878d7a76c13",
       "81c8000d4d617273d50ae4d1f5ce5d304ba297e47d470c282c3ece5dbffe0a50a2eaa5c1110555be8415f658c61de0476f1b6fad1d1eb30c"
       "4446839f57ff6f6cb26ac3be800005d4"},
  };
  for (const Case& c : cases) {
    CAPTURE(profile_info(c.profile).name);
    SessionConfig cfg;
    cfg.profile = c.profile;
    auto keys = session_keys(c.key, salt);
    Session tx, rx;
    REQUIRE(tx.init_with_session_keys(cfg, keys, keys).ok());
    cfg.direction = Direction::inbound;
    REQUIRE(rx.init_with_session_keys(cfg, keys, keys).ok());
    check_rtp(tx, rx, rtp, c.srtp);
    REQUIRE(tx.set_srtcp_index(0x4d617273, 0x5d4).ok());
    check_rtcp(tx, rx, rtcp, c.srtcp);
  }
}

TEST_CASE("libsrtp reference packets (srtp_driver validate, interop.md §3)") {
  const std::string plain = "800f1234decafbadcafebabeabababababababababababababababab";
  struct Case {
    Profile profile;
    std::string key, salt, expected;
  } cases[] = {
      {Profile::aes128_cm_sha1_80, "e1f97a0d3e018be0d64fa32c06de4139", "0ec675ad498afeebb6960b3aabe6",
       "800f1234decafbadcafebabe4e55dc4ce79978d88ca4d215949d2402b78d6acc99ea179b8dbb"},
      {Profile::aead_aes128_gcm, "000102030405060708090a0b0c0d0e0f", "a0a1a2a3a4a5a6a7a8a9aaab",
       "800f1234decafbadcafebabec5002ede04cfdd2eb91159e0880aa06ed2976826f796b201df3131a127e8a392"},
      {Profile::aes256_cm_sha1_80, "f0f04914b513f2763a1b1fa130f10e2998f6f6e43e4309d1e622a0e332b9f1b6",
       "3b04803de51ee7c96423ab5b78d2",
       "800f1234decafbadcafebabef1d9de17ff251ff1aa007774b0b4b40da08d9d9a5b3a55d8873b"},
  };
  for (const Case& c : cases) {
    CAPTURE(profile_info(c.profile).name);
    SessionConfig cfg;
    cfg.profile = c.profile;
    testing::Master m{unhex(c.key), unhex(c.salt)};
    auto tx = testing::make_session(cfg, Direction::outbound, m);
    auto rx = testing::make_session(cfg, Direction::inbound, m);
    check_rtp(*tx, *rx, plain, c.expected);
  }
}

TEST_CASE("libsrtp reference SRTCP packet, AES-CM-128 HMAC-SHA1-80 (first index is 1)") {
  SessionConfig cfg;
  testing::Master m{unhex("e1f97a0d3e018be0d64fa32c06de4139"), unhex("0ec675ad498afeebb6960b3aabe6")};
  auto tx = testing::make_session(cfg, Direction::outbound, m);
  auto rx = testing::make_session(cfg, Direction::inbound, m);
  check_rtcp(*tx, *rx, "81c8000bcafebabeabababababababababababababababab",
             "81c8000bcafebabe7128035be487b9bdbef89041f977a5a880000001993e08cd54d6c1230798");
}

TEST_CASE("every profile round-trips through demo_roundtrip") {
  for (Profile p : kAllProfiles) {
    CAPTURE(profile_info(p).name);
    CHECK(demo_roundtrip(p).ok());
  }
}
