// SPDX-License-Identifier: Apache-2.0
// RFC 5769 test vectors: parse, integrity, fingerprint, and byte-exact rebuild.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "keyway/ice/stun/builder.hpp"
#include "keyway/ice/stun/crc32.hpp"
#include "keyway/ice/stun/message.hpp"
#include "tests/support/hex.hpp"

using namespace keyway;
using namespace keyway::ice;
using keyway::test::bytes_of;
using keyway::test::unhex;

namespace {

// RFC 5769 §2.1 Sample Request (USERNAME padded with spaces, as printed).
const char* kRequest =
    "000100582112a442b7e7a701bc34d686fa87dfae"
    "802200105354554e207465737420636c69656e74"
    "002400046e0001ff"
    "80290008932ff9b151263b36"
    "000600096576746a3a68367659202020"
    "000800149aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a2"
    "80280004e57a3bcf";
// §2.2 Sample IPv4 Response: XOR-MAPPED-ADDRESS 192.0.2.1:32853.
const char* kResponse4 =
    "0101003c2112a442b7e7a701bc34d686fa87dfae"
    "8022000b7465737420766563746f7220"
    "002000080001a147e112a643"
    "000800142b91f599fd9e90c38c7489f92af9ba53f06be7d7"
    "80280004c07d4c96";
// §2.3 Sample IPv6 Response: [2001:db8:1234:5678:11:2233:4455:6677]:32853.
const char* kResponse6 =
    "010100482112a442b7e7a701bc34d686fa87dfae"
    "8022000b7465737420766563746f7220"
    "002000140002a1470113a9faa5d3f179bc25f4b5bed2b9d9"
    "00080014a382954e4be67bf11784c97c8292c275bfe3ed41"
    "80280004c8fb0b4c";
// §2.4 Sample Request with Long-Term Authentication (no FINGERPRINT).
const char* kLongTerm =
    "000100602112a44278ad3433c6ad72c029da412e"
    "00060012e3839ee38388e383aae38383e382afe382b90000"
    "0015001c662f2f3439396b39353464364f4c33346f4c39465354767936347341"
    "0014000b6578616d706c652e6f726700"
    "00080014f67024656dd64a3e02b8e0712e85c9a28ca89666";

const char* kPassword = "VOkJxbRl1RmTxUk/WvJxBt";

crypto::HmacSha1 key(const char* pwd) { return crypto::HmacSha1(bytes_of(pwd)); }

std::string text_of(std::string_view v) { return std::string(v); }

}  // namespace

TEST_CASE("crc32 check value") {
  CHECK(stun::crc32(bytes_of("123456789")) == 0xCBF43926u);
}

TEST_CASE("RFC 5769 2.1 sample request parses and authenticates") {
  auto bytes = unhex(kRequest);
  REQUIRE(bytes.size() == 108);
  auto m = stun::Message::parse(bytes);
  REQUIRE(m.ok());
  CHECK(m->method() == stun::kMethodBinding);
  CHECK(m->message_class() == stun::Class::request);
  CHECK(m->transaction_id().bytes[0] == 0xb7);
  CHECK(text_of(*m->text(stun::attr::kUsername)) == "evtj:h6vY");
  CHECK(text_of(*m->text(stun::attr::kSoftware)) == "STUN test client");
  CHECK(*m->priority() == 0x6e0001ffu);
  CHECK(*m->tie_breaker(stun::attr::kIceControlled) == 0x932ff9b151263b36ull);
  CHECK(m->verify_integrity(key(kPassword)).ok());
  CHECK_FALSE(m->verify_integrity(key("VOkJxbRl1RmTxUk/WvJxBT")).ok());
  CHECK(m->unknown_required().count == 0);
}

TEST_CASE("RFC 5769 2.2 and 2.3 sample responses decode their addresses") {
  for (const char* v : {kResponse4, kResponse6}) {
    auto bytes = unhex(v);
    auto m = stun::Message::parse(bytes);
    REQUIRE(m.ok());
    CHECK(m->message_class() == stun::Class::success);
    CHECK(m->verify_integrity(key(kPassword)).ok());
    auto a = m->xor_address(stun::attr::kXorMappedAddress);
    REQUIRE(a.ok());
    char text[kMaxAddrText];
    a->format(text, sizeof text);
    if (v == kResponse4) CHECK(std::string(text) == "192.0.2.1:32853");
    else CHECK(std::string(text) == "[2001:db8:1234:5678:11:2233:4455:6677]:32853");
  }
}

TEST_CASE("RFC 5769 2.4 long-term request: USERNAME, NONCE and REALM parse, MESSAGE-INTEGRITY verifies") {
  auto bytes = unhex(kLongTerm);
  auto m = stun::Message::parse(bytes);
  REQUIRE(m.ok());
  CHECK(text_of(*m->text(stun::attr::kRealm)) == "example.org");
  CHECK(text_of(*m->text(stun::attr::kNonce)) == "f//499k954d6OL34oL9FSTvy64sA");
  CHECK(text_of(*m->text(stun::attr::kUsername)) == "\xe3\x83\x9e\xe3\x83\x88\xe3\x83\xaa\xe3\x83\x83\xe3\x82\xaf\xe3\x82\xb9");
  CHECK(m->has(stun::attr::kMessageIntegrity));
  // RFC 8489 §9.2.2: key = MD5(username ":" realm ":" SASLprep(password));
  // RFC 5769 §2.4 gives the password "The<U+00AD>M<U+00AA>tr<U+2168>",
  // which SASLprep maps to "TheMatrIX".
  std::string material = text_of(*m->text(stun::attr::kUsername)) + ":example.org:TheMatrIX";
  uint8_t long_term_key[16];
  crypto::md5(bytes_of(material), long_term_key);
  CHECK(m->verify_integrity(crypto::HmacSha1(long_term_key)).ok());
  CHECK_FALSE(m->verify_integrity(crypto::HmacSha1(bytes_of("TheMatrIX"))).ok());
}

TEST_CASE("a flipped bit breaks FINGERPRINT, the wrong password breaks MESSAGE-INTEGRITY") {
  auto bytes = unhex(kRequest);
  bytes[30] ^= 1;
  auto m = stun::Message::parse(bytes);
  REQUIRE_FALSE(m.ok());
  CHECK(m.error().code == Code::auth_failed);
}

TEST_CASE("the builder reproduces RFC 5769 2.1, 2.2 and 2.3 byte for byte") {
  auto want_req = unhex(kRequest);
  stun::TransactionId txid;
  std::copy(want_req.begin() + 8, want_req.begin() + 20, txid.bytes);
  std::vector<uint8_t> buf(200);
  {
    stun::Builder b(buf, stun::message_type(stun::kMethodBinding, stun::Class::request), txid);
    b.add_text(stun::attr::kSoftware, "STUN test client");
    b.add_u32(stun::attr::kPriority, 0x6e0001ff);
    b.add_u64(stun::attr::kIceControlled, 0x932ff9b151263b36ull);
    b.add_text(stun::attr::kUsername, "evtj:h6vY");
    for (int i = 0; i < 3; ++i) buf[20 + 20 + 8 + 12 + 4 + 9 + i] = 0x20;  // the RFC pads with spaces
    b.add_message_integrity(key(kPassword));
    b.add_fingerprint();
    auto out = b.finish();
    REQUIRE(out.ok());
    CHECK(test::hex(*out) == test::hex(want_req));
  }
  for (const char* v : {kResponse4, kResponse6}) {
    auto want = unhex(v);
    auto mapped = stun::Message::parse(want)->xor_address(stun::attr::kXorMappedAddress);
    stun::Builder b(buf, stun::message_type(stun::kMethodBinding, stun::Class::success), txid);
    b.add_text(stun::attr::kSoftware, "test vector");
    buf[20 + 4 + 11] = 0x20;
    b.add_xor_address(stun::attr::kXorMappedAddress, *mapped);
    b.add_message_integrity(key(kPassword));
    b.add_fingerprint();
    auto out = b.finish();
    REQUIRE(out.ok());
    CHECK(test::hex(*out) == test::hex(want));
  }
}

TEST_CASE("crc32 (slicing-by-4) matches a bit-by-bit reference for every length and split") {
  auto reference = [](const std::vector<uint8_t>& d) {
    uint32_t c = 0xFFFFFFFFu;
    for (uint8_t b : d) {
      c ^= b;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (0xEDB88320u ^ (c >> 1)) : (c >> 1);
    }
    return ~c;
  };
  std::vector<uint8_t> d;
  for (int n = 0; n < 70; ++n) {
    CHECK(stun::crc32(d) == reference(d));
    for (std::size_t cut = 0; cut <= d.size(); cut += 7) {
      Bytes all(d);
      CHECK(stun::crc32(all.subspan(cut), stun::crc32(all.first(cut))) == reference(d));
      // The minimal profile's crc32 (a 16-entry table), checked here on the host.
      CHECK(stun::detail::crc32_by_nibble(all.subspan(cut), stun::detail::crc32_by_nibble(all.first(cut))) ==
            reference(d));
    }
    d.push_back(static_cast<uint8_t>(n * 29 + 3));
  }
  CHECK(stun::detail::crc32_by_nibble(bytes_of("123456789")) == 0xCBF43926u);
}
