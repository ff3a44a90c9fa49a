// SPDX-License-Identifier: Apache-2.0
// STUN codec: round trips of every attribute, and a negative test for each
// malformed field (RFC 8489 §5, §14).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "keyway/ice/stun/builder.hpp"
#include "keyway/ice/stun/crc32.hpp"
#include "keyway/ice/stun/message.hpp"
#include "keyway/lib/bytes.hpp"
#include "tests/support/hex.hpp"

using namespace keyway;
using namespace keyway::ice;
using keyway::test::bytes_of;

namespace {

stun::TransactionId txid_of(uint8_t seed) {
  stun::TransactionId t;
  for (std::size_t i = 0; i < stun::kTransactionIdSize; ++i) t.bytes[i] = static_cast<uint8_t>(seed + i);
  return t;
}

// A header with the given attribute bytes appended (length set to match).
std::vector<uint8_t> raw_message(uint16_t type, const std::vector<uint8_t>& attrs) {
  std::vector<uint8_t> m(20 + attrs.size());
  store_be16(m, 0, type);
  store_be16(m, 2, static_cast<uint16_t>(attrs.size()));
  store_be32(m, 4, stun::kMagicCookie);
  for (int i = 0; i < 12; ++i) m[8 + i] = static_cast<uint8_t>(i);
  std::copy(attrs.begin(), attrs.end(), m.begin() + 20);
  return m;
}

std::vector<uint8_t> attr_bytes(uint16_t type, std::vector<uint8_t> value, bool pad = true) {
  std::vector<uint8_t> a = {static_cast<uint8_t>(type >> 8), static_cast<uint8_t>(type),
                            static_cast<uint8_t>(value.size() >> 8), static_cast<uint8_t>(value.size())};
  for (uint8_t v : value) a.push_back(v);
  while (pad && a.size() % 4 != 0) a.push_back(0);
  return a;
}

std::vector<uint8_t> cat(std::initializer_list<std::vector<uint8_t>> parts) {
  std::vector<uint8_t> out;
  for (const auto& p : parts)
    for (uint8_t v : p) out.push_back(v);
  return out;
}

Error parse_error(const std::vector<uint8_t>& m) {
  auto r = stun::Message::parse(m);
  REQUIRE_FALSE(r.ok());
  return r.error();
}

bool detail_has(const Error& e, const char* needle) { return std::string(e.detail).find(needle) != std::string::npos; }

}  // namespace

TEST_CASE("every attribute round-trips through builder and parser") {
  std::vector<uint8_t> buf(512);
  auto tx = txid_of(9);
  crypto::HmacSha1 k1(bytes_of("0123456789abcdefghijkl"));
  crypto::HmacSha256 k256(bytes_of("0123456789abcdefghijkl"));
  uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  stun::Builder b(buf, stun::message_type(stun::kMethodBinding, stun::Class::error), tx);
  b.add_xor_address(stun::attr::kXorMappedAddress, SocketAddr::v6(v6, 3478));
  b.add_plain_address(stun::attr::kMappedAddress, SocketAddr::v4(192, 0, 2, 1, 32853));
  b.add_plain_address(stun::attr::kAlternateServer, SocketAddr::v4(192, 0, 2, 9, 3478));
  b.add_text(stun::attr::kUsername, "abcd:efgh");
  b.add_text(stun::attr::kSoftware, "keyway");
  b.add_text(stun::attr::kRealm, "example.org");
  b.add_text(stun::attr::kNonce, "nonce-value");
  uint8_t pwalg[] = {0, 2, 0, 0};
  b.add_bytes(stun::attr::kPasswordAlgorithm, pwalg);
  b.add_u32(stun::attr::kPriority, 0x6e7f00ff);
  b.add_u64(stun::attr::kIceControlling, 0x0102030405060708ull);
  b.add_u64(stun::attr::kIceControlled, 0x1112131415161718ull);
  b.add_flag(stun::attr::kUseCandidate);
  b.add_error_code(420, "Unknown Attribute");
  uint16_t unknown[] = {0x0031, 0x0032, 0x0033};
  b.add_unknown_attributes(unknown);
  b.add_message_integrity(k1);
  b.add_message_integrity_sha256(k256);
  b.add_fingerprint();
  auto out = b.finish();
  REQUIRE(out.ok());
  CHECK(out->size() % 4 == 0);

  auto m = stun::Message::parse(*out);
  REQUIRE(m.ok());
  CHECK(m->message_class() == stun::Class::error);
  CHECK(m->transaction_id() == tx);
  CHECK(*m->xor_address(stun::attr::kXorMappedAddress) == SocketAddr::v6(v6, 3478));
  CHECK(*m->plain_address(stun::attr::kMappedAddress) == SocketAddr::v4(192, 0, 2, 1, 32853));
  CHECK(*m->plain_address(stun::attr::kAlternateServer) == SocketAddr::v4(192, 0, 2, 9, 3478));
  CHECK(*m->text(stun::attr::kUsername) == "abcd:efgh");
  CHECK(*m->text(stun::attr::kSoftware) == "keyway");
  CHECK(*m->text(stun::attr::kRealm) == "example.org");
  CHECK(*m->text(stun::attr::kNonce) == "nonce-value");
  CHECK(m->password_algorithm()->algorithm == 2);
  CHECK(*m->priority() == 0x6e7f00ffu);
  CHECK(*m->tie_breaker(stun::attr::kIceControlling) == 0x0102030405060708ull);
  CHECK(*m->tie_breaker(stun::attr::kIceControlled) == 0x1112131415161718ull);
  CHECK(m->has(stun::attr::kUseCandidate));
  CHECK(m->error_code()->code == 420);
  CHECK(m->error_code()->reason == "Unknown Attribute");
  auto list = m->unknown_attributes();
  REQUIRE(list.ok());
  REQUIRE(list->count == 3);
  CHECK(list->types[2] == 0x0033);
  CHECK(m->verify_integrity(k1).ok());
  CHECK(m->verify_integrity_sha256(k256).ok());
  CHECK_FALSE(m->verify_integrity_sha256(crypto::HmacSha256(bytes_of("other"))).ok());
  CHECK(m->unknown_required().count == 0);
}

TEST_CASE("message types interleave method and class bits (RFC 8489 Figure 3)") {
  CHECK(stun::message_type(stun::kMethodBinding, stun::Class::request) == 0x0001);
  CHECK(stun::message_type(stun::kMethodBinding, stun::Class::indication) == 0x0011);
  CHECK(stun::message_type(stun::kMethodBinding, stun::Class::success) == 0x0101);
  CHECK(stun::message_type(stun::kMethodBinding, stun::Class::error) == 0x0111);
  CHECK(stun::message_type(0x003, stun::Class::success) == 0x0103);
  for (int t : {0x0001, 0x0111, 0x0113, 0x0016, 0x3EEF})
    CHECK(stun::message_type(stun::method_of(static_cast<uint16_t>(t)), stun::class_of(static_cast<uint16_t>(t))) == t);
}

TEST_CASE("attributes after MESSAGE-INTEGRITY are ignored, bar FINGERPRINT; duplicates keep the first") {
  std::vector<uint8_t> buf(256);
  crypto::HmacSha1 k(bytes_of("pw"));
  stun::Builder b(buf, 0x0001, txid_of(1));
  b.add_u32(stun::attr::kPriority, 1);
  b.add_u32(stun::attr::kPriority, 2);
  b.add_message_integrity(k);
  b.add_text(stun::attr::kSoftware, "after");
  auto out = b.finish();
  auto m = stun::Message::parse(*out);
  REQUIRE(m.ok());
  CHECK(*m->priority() == 1);
  CHECK_FALSE(m->has(stun::attr::kSoftware));
  CHECK(m->verify_integrity(k).ok());
}

TEST_CASE("unknown comprehension-required attributes are listed; optional ones are not") {
  auto m = raw_message(0x0001, cat({attr_bytes(0x0031, {1, 2, 3, 4}), attr_bytes(0xC001, {1}), attr_bytes(0x7FFF, {})}));
  auto msg = stun::Message::parse(m);
  REQUIRE(msg.ok());
  auto u = msg->unknown_required();
  REQUIRE(u.count == 2);
  CHECK(u.types[0] == 0x0031);
  CHECK(u.types[1] == 0x7FFF);
}

TEST_CASE("padding may hold any value") {
  auto a = attr_bytes(stun::attr::kSoftware, {'a'});
  a[5] = 0xEE;
  a[6] = 0xEE;
  a[7] = 0xEE;
  auto bytes = raw_message(0x0001, a);  // the parsed view borrows these bytes
  auto m = stun::Message::parse(bytes);
  REQUIRE(m.ok());
  CHECK(*m->text(stun::attr::kSoftware) == "a");
}

TEST_CASE("malformed headers are rejected") {
  std::vector<uint8_t> ok = raw_message(0x0001, {});
  CHECK(stun::Message::parse(ok).ok());
  CHECK(stun::Message::looks_like_stun(ok));
  CHECK(parse_error(std::vector<uint8_t>(ok.begin(), ok.begin() + 19)).code == Code::truncated);
  auto top = ok;
  top[0] = 0x80;
  CHECK(detail_has(parse_error(top), "most significant bits"));
  CHECK_FALSE(stun::Message::looks_like_stun(top));
  auto cookie = ok;
  cookie[5] ^= 1;
  CHECK(detail_has(parse_error(cookie), "magic cookie"));
  auto odd = raw_message(0x0001, {0, 0, 0, 0});
  odd[3] = 2;
  CHECK(detail_has(parse_error(odd), "multiple of 4"));
  auto longer = raw_message(0x0001, {});
  longer[3] = 4;
  CHECK(detail_has(parse_error(longer), "datagram size"));
  auto trailing = raw_message(0x0001, {});
  trailing.push_back(0);
  trailing.push_back(0);
  trailing.push_back(0);
  trailing.push_back(0);
  CHECK(detail_has(parse_error(trailing), "datagram size"));
}

TEST_CASE("malformed attributes are rejected") {
  // value longer than the message
  auto runs = raw_message(0x0001, {0x80, 0x22, 0x00, 0x08, 'a', 'b', 'c', 'd'});
  CHECK(detail_has(parse_error(runs), "runs past"));
  // A value that ends inside the message but whose announced length does not.
  // (Missing padding cannot happen once the length is a multiple of 4 and
  // every attribute starts 4-aligned; the parser still checks it.)
  auto v = raw_message(0x0001, {0x80, 0x22, 0x00, 0x05, 'a', 'b', 'c', 'd'});
  CHECK(parse_error(v).code == Code::truncated);
  // FINGERPRINT of the wrong length, wrong value, not last
  CHECK(detail_has(parse_error(raw_message(0x0001, attr_bytes(0x8028, {1, 2, 3, 4, 5, 6, 7, 8}))), "FINGERPRINT value"));
  CHECK(detail_has(parse_error(raw_message(0x0001, attr_bytes(0x8028, {1, 2, 3, 4}))), "CRC-32"));
  {
    std::vector<uint8_t> buf(64);
    stun::Builder b(buf, 0x0001, txid_of(2));
    b.add_fingerprint();
    auto fp = std::vector<uint8_t>(b.finish()->begin(), b.finish()->end());
    auto after = cat({fp, attr_bytes(0x8022, {'x', 'x', 'x', 'x'})});
    store_be16(after, 2, static_cast<uint16_t>(after.size() - 20));
    CHECK(detail_has(parse_error(after), "after FINGERPRINT"));
  }
  // MESSAGE-INTEGRITY(-SHA256) sizes
  CHECK(detail_has(parse_error(raw_message(0x0001, attr_bytes(0x0008, std::vector<uint8_t>(16)))), "not 20 bytes"));
  CHECK(detail_has(parse_error(raw_message(0x0001, attr_bytes(0x001C, std::vector<uint8_t>(12)))), "SHA256"));
  CHECK(detail_has(parse_error(raw_message(0x0001, attr_bytes(0x001C, std::vector<uint8_t>(18)))), "SHA256"));
  CHECK(detail_has(parse_error(raw_message(0x0001, attr_bytes(0x001C, std::vector<uint8_t>(36)))), "SHA256"));
  // too many attributes
  std::vector<uint8_t> many;
  for (int i = 0; i < 25; ++i) many = cat({many, attr_bytes(0x8022, {})});
  CHECK(parse_error(raw_message(0x0001, many)).code == Code::capacity);
}

TEST_CASE("malformed attribute values are rejected by the typed getters") {
  // The parsed Message borrows its bytes: keep every message alive for the test.
  std::vector<std::vector<uint8_t>> keep;
  keep.reserve(64);
  auto get = [&keep](std::vector<uint8_t> attrs) {
    keep.push_back(raw_message(0x0101, attrs));
    return stun::Message::parse(keep.back()).value();
  };
  CHECK(detail_has(get({}).xor_address(stun::attr::kXorMappedAddress).error(), "not present"));
  CHECK(detail_has(get(attr_bytes(0x0020, {0, 3, 0, 1, 1, 2, 3, 4})).xor_address(0x0020).error(), "family"));
  CHECK(detail_has(get(attr_bytes(0x0020, {0, 1, 0, 1, 1, 2, 3})).xor_address(0x0020).error(), "length"));
  CHECK(detail_has(get(attr_bytes(0x0020, {0, 2, 0, 1, 1, 2, 3, 4})).xor_address(0x0020).error(), "length"));
  CHECK(detail_has(get(attr_bytes(0x0001, {0, 1, 0})).plain_address(0x0001).error(), "length"));
  CHECK(detail_has(get(attr_bytes(0x0006, std::vector<uint8_t>(513, 'a'))).text(0x0006).error(), "longer"));
  CHECK(detail_has(get(attr_bytes(0x8022, std::vector<uint8_t>(764, 'a'))).text(0x8022).error(), "longer"));
  CHECK(detail_has(get(attr_bytes(0x0024, {1, 2, 3})).priority().error(), "PRIORITY"));
  CHECK(detail_has(get(attr_bytes(0x802A, {1, 2, 3, 4})).tie_breaker(0x802A).error(), "8 bytes"));
  CHECK(detail_has(get(attr_bytes(0x8029, std::vector<uint8_t>(12))).tie_breaker(0x8029).error(), "8 bytes"));
  CHECK(detail_has(get(attr_bytes(0x0009, {0, 0, 4})).error_code().error(), "shorter"));
  CHECK(detail_has(get(attr_bytes(0x0009, {0, 0, 2, 0})).error_code().error(), "class"));
  CHECK(detail_has(get(attr_bytes(0x0009, {0, 0, 7, 0})).error_code().error(), "class"));
  CHECK(detail_has(get(attr_bytes(0x0009, {0, 0, 4, 100})).error_code().error(), "class"));
  auto long_reason = std::vector<uint8_t>{0, 0, 4, 0};
  long_reason.resize(4 + 764, 'r');
  CHECK(detail_has(get(attr_bytes(0x0009, long_reason)).error_code().error(), "reason"));
  CHECK(detail_has(get(attr_bytes(0x000A, {0, 1, 0})).unknown_attributes().error(), "odd"));
  CHECK(detail_has(get(attr_bytes(0x001D, {0, 1, 0, 4, 1})).password_algorithm().error(), "PASSWORD-ALGORITHM"));
  CHECK(detail_has(get({}).verify_integrity(crypto::HmacSha1(bytes_of("k"))).error(), "no MESSAGE-INTEGRITY"));
  CHECK(detail_has(get({}).verify_integrity_sha256(crypto::HmacSha256(bytes_of("k"))).error(), "SHA256"));
}

TEST_CASE("a truncated MESSAGE-INTEGRITY-SHA256 (16 bytes) verifies") {
  std::vector<uint8_t> buf(128);
  crypto::HmacSha256 k(bytes_of("secret"));
  stun::Builder b(buf, 0x0001, txid_of(3));
  b.add_text(stun::attr::kUsername, "u:v");
  b.add_message_integrity_sha256(k);
  auto full = std::vector<uint8_t>(b.finish()->begin(), b.finish()->end());
  // Cut the MAC to 16 bytes and recompute it over the adjusted header.
  std::vector<uint8_t> cut(full.begin(), full.end() - 16);
  store_be16(cut, 2, static_cast<uint16_t>(cut.size() - 20));
  store_be16(cut, cut.size() - 18, 16);
  std::vector<uint8_t> covered(cut.begin(), cut.end() - 20);
  uint8_t mac[32];
  k.mac(covered, mac);
  std::copy(mac, mac + 16, cut.end() - 16);
  auto m = stun::Message::parse(cut);
  REQUIRE(m.ok());
  CHECK(m->verify_integrity_sha256(k).ok());
}

TEST_CASE("the builder fails cleanly when the buffer is too small") {
  std::vector<uint8_t> buf(30);
  stun::Builder b(buf, 0x0001, txid_of(4));
  b.add_text(stun::attr::kSoftware, "a software name that does not fit");
  b.add_fingerprint();
  auto out = b.finish();
  REQUIRE_FALSE(out.ok());
  CHECK(out.error().code == Code::buffer_too_small);
  std::vector<uint8_t> tiny(10);
  stun::Builder t(tiny, 0x0001, txid_of(4));
  CHECK_FALSE(t.finish().ok());
}
