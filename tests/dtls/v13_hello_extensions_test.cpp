// SPDX-License-Identifier: Apache-2.0
// supported_versions, key_share and the downgrade sentinels for DTLS 1.3
// (dtls/v13/hello_extensions.hpp). The key_share bodies are the ones of the
// RFC 8448 §3 ClientHello and ServerHello.
#include <doctest/doctest.h>

#include <vector>

#include "keyway/dtls/v13/hello_extensions.hpp"
#include "keyway/lib/crypto/sha.hpp"
#include "tests/support/hex.hpp"

using namespace keyway;
using namespace keyway::dtls::v13;
using crypto::NamedGroup;
using keyway::test::bytes_of;
using keyway::test::hex;
using keyway::test::unhex;

namespace {
const char* kClientShares = "0024001d002099381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c";
const char* kServerShare = "001d0020c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f";

template <typename T>
Code code_of(const Result<T>& r) {
  return r.ok() ? Code::ok : r.error().code;
}
}  // namespace

TEST_CASE("key_share: the RFC 8448 §3 ClientHello and ServerHello shares") {
  auto body = unhex(kClientShares);
  auto shares = read_client_key_shares(body);
  REQUIRE(shares.ok());
  CHECK(shares->has_x25519);
  CHECK_FALSE(shares->has_secp256r1);
  CHECK(hex(shares->x25519) == "99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c");
  KeyShareEntry chosen;
  REQUIRE(select_key_share(*shares, chosen));
  CHECK(chosen.group == NamedGroup::x25519);
  uint8_t buf[128];
  ByteWriter w(buf);
  write_client_key_shares(w, std::span<const KeyShareEntry>(&chosen, 1));
  CHECK(hex(w.written()) == kClientShares);

  auto sbody = unhex(kServerShare);
  auto server = read_server_key_share(sbody);
  REQUIRE(server.ok());
  CHECK(server->group == NamedGroup::x25519);
  CHECK(hex(server->key_exchange) == "c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f");
  ByteWriter w2(buf);
  write_server_key_share(w2, *server);
  CHECK(hex(w2.written()) == kServerShare);
}

TEST_CASE("key_share: a browser's X25519MLKEM768 + x25519 gets x25519; unknown groups are skipped") {
  std::vector<uint8_t> mlkem(1216, 0xab);
  std::vector<uint8_t> x(32, 0x11);
  std::vector<uint8_t> p(65, 0x22);
  p[0] = 0x04;
  std::vector<uint8_t> grease(1, 0);
  // Firefox order: the hybrid first, then x25519, plus GREASE and secp256r1.
  KeyShareEntry offered[] = {{static_cast<NamedGroup>(0x0a0a), grease},
                             {static_cast<NamedGroup>(kGroupX25519MlKem768), mlkem},
                             {NamedGroup::secp256r1, p},
                             {NamedGroup::x25519, x}};
  std::vector<uint8_t> buf(2048);
  ByteWriter w(buf);
  write_client_key_shares(w, offered);
  REQUIRE_FALSE(w.failed());
  auto shares = read_client_key_shares(w.written());
  REQUIRE(shares.ok());
  CHECK(shares->has_x25519);
  CHECK(shares->has_secp256r1);
  KeyShareEntry chosen;
  REQUIRE(select_key_share(*shares, chosen));
  CHECK(chosen.group == NamedGroup::x25519);  // preferred over secp256r1
  CHECK(hex(chosen.key_exchange) == hex(x));

  // Only the hybrid: nothing to answer with (the server sends a HelloRetryRequest).
  ByteWriter w2(buf);
  write_client_key_shares(w2, std::span<const KeyShareEntry>(offered, 2));
  shares = read_client_key_shares(w2.written());
  REQUIRE(shares.ok());
  CHECK_FALSE(select_key_share(*shares, chosen));
  // secp256r1 alone is taken.
  ByteWriter w3(buf);
  write_client_key_shares(w3, std::span<const KeyShareEntry>(offered + 2, 1));
  shares = read_client_key_shares(w3.written());
  REQUIRE(shares.ok());
  REQUIRE(select_key_share(*shares, chosen));
  CHECK(chosen.group == NamedGroup::secp256r1);
  // An empty client_shares (a client waiting for a HelloRetryRequest) is valid.
  auto empty = unhex("0000");
  shares = read_client_key_shares(empty);
  REQUIRE(shares.ok());
  CHECK_FALSE(select_key_share(*shares, chosen));
}

TEST_CASE("key_share: refusals") {
  auto client = [](const char* h) {
    auto b = unhex(h);
    return code_of(read_client_key_shares(b));
  };
  CHECK(client("") == Code::decode_error);
  CHECK(client("0005001d0001") == Code::decode_error);  // list past its end
  CHECK(client("0004001d0000") == Code::decode_error);  // empty key_exchange
  CHECK(client("0005001d000100ff") == Code::decode_error);  // bytes after the list
  CHECK(client("0005001d000111") == Code::illegal_parameter);  // x25519 of 1 byte
  std::string dup = "0048";
  for (int i = 0; i < 2; ++i) dup += "001d0020" + std::string(64, '1');
  CHECK(client(dup.c_str()) == Code::illegal_parameter);  // two x25519 shares
  std::string compressed = "00450017" "0041" "02" + std::string(128, '3');  // secp256r1 not 0x04
  CHECK(client(compressed.c_str()) == Code::illegal_parameter);

  auto server = [](const char* h) {
    auto b = unhex(h);
    return code_of(read_server_key_share(b));
  };
  CHECK(server("11ec000100") == Code::illegal_parameter);  // a group keyway never offers
  CHECK(server("001d000111") == Code::illegal_parameter);
  CHECK(server("001d0020") == Code::decode_error);
  std::string trailing = std::string(kServerShare) + "00";
  CHECK(server(trailing.c_str()) == Code::decode_error);

  auto hrr = unhex("0017");
  auto g = read_hrr_selected_group(hrr);
  REQUIRE(g.ok());
  CHECK(*g == NamedGroup::secp256r1);
  auto bad_hrr = unhex("11ec");
  CHECK(code_of(read_hrr_selected_group(bad_hrr)) == Code::illegal_parameter);
  uint8_t buf[4];
  ByteWriter w(buf);
  write_hrr_selected_group(w, NamedGroup::x25519);
  CHECK(hex(w.written()) == "001d");
}

TEST_CASE("supported_versions: DTLS 1.3 = 0xFEFC, negotiation, refusals") {
  auto both = unhex("04fefcfefd");
  auto offer = read_client_supported_versions(both);
  REQUIRE(offer.ok());
  CHECK(offer->dtls13);
  CHECK(offer->dtls12);
  uint8_t buf[8];
  ByteWriter w(buf);
  write_client_supported_versions(w, *offer);
  CHECK(hex(w.written()) == "04fefcfefd");

  // GREASE and TLS versions are skipped.
  auto grease = unhex("060a0afefd0304");
  offer = read_client_supported_versions(grease);
  REQUIRE(offer.ok());
  CHECK_FALSE(offer->dtls13);
  CHECK(offer->dtls12);

  OfferedVersions v13_12{true, true}, v12{false, true}, v13{true, false};
  CHECK(*choose_version(v13_12, v13_12) == kVersionDtls13);
  CHECK(*choose_version(v12, v13_12) == kVersionDtls12Wire);  // a 1.2-only client
  CHECK(*choose_version(v13_12, v12) == kVersionDtls12Wire);  // a server with 1.3 off
  CHECK(code_of(choose_version(v13, v12)) == Code::protocol_version);

  for (const char* bad : {"", "00", "02fefc00", "03fefcfe", "01fe"}) {
    auto b = unhex(bad);
    CHECK(code_of(read_client_supported_versions(b)) == Code::decode_error);
  }
  auto sel = unhex("fefc");
  CHECK(*read_selected_version(sel) == kVersionDtls13);
  auto bad_sel = unhex("fefc00");
  CHECK(code_of(read_selected_version(bad_sel)) == Code::decode_error);
  ByteWriter w2(buf);
  write_selected_version(w2, kVersionDtls13);
  CHECK(hex(w2.written()) == "fefc");
}

TEST_CASE("downgrade sentinels and the HelloRetryRequest random (RFC 8446 §4.1.3, §4.1.4)") {
  uint8_t random[32];
  for (int i = 0; i < 32; ++i) random[i] = static_cast<uint8_t>(i);
  CHECK(read_downgrade_sentinel(random) == Downgrade::none);
  write_downgrade_sentinel(random, Downgrade::to_dtls12);
  CHECK(hex(Bytes(random).last(8)) == "444f574e47524401");  // "DOWNGRD\x01"
  CHECK(hex(Bytes(random).first(24)) == "000102030405060708090a0b0c0d0e0f1011121314151617");
  CHECK(read_downgrade_sentinel(random) == Downgrade::to_dtls12);
  write_downgrade_sentinel(random, Downgrade::to_dtls10);
  CHECK(hex(Bytes(random).last(8)) == "444f574e47524400");
  CHECK(read_downgrade_sentinel(random) == Downgrade::to_dtls10);

  uint8_t digest[32];
  crypto::hash(crypto::HashAlg::sha256, bytes_of("HelloRetryRequest"), digest);
  CHECK(hex(digest) == hex(kHelloRetryRequestRandom));
  CHECK(is_hello_retry_request(digest));
  CHECK_FALSE(is_hello_retry_request(random));
}
