// SPDX-License-Identifier: Apache-2.0
// Unit tests of srtp/'s parts: profile table, RTP/RTCP header parsing and
// header extensions, ROC estimation (RFC 3711 App. A), replay window.
#include <doctest/doctest.h>

#include "keyway/srtp/index.hpp"
#include "keyway/srtp/profile.hpp"
#include "keyway/srtp/replay.hpp"
#include "keyway/srtp/rtp_header.hpp"
#include "tests/srtp/helpers.hpp"
#include "tests/support/hex.hpp"

using namespace keyway;
using namespace keyway::srtp;
using keyway::test::unhex;

TEST_CASE("profile table: lengths and DTLS-SRTP ids") {
  CHECK(profile_info(Profile::aes128_cm_sha1_80).dtls_id == 0x0001);
  CHECK(profile_info(Profile::aes128_cm_sha1_32).dtls_id == 0x0002);
  CHECK(profile_info(Profile::aead_aes128_gcm).dtls_id == 0x0007);
  CHECK(profile_info(Profile::aead_aes256_gcm).dtls_id == 0x0008);
  CHECK(profile_info(Profile::aes256_cm_sha1_80).dtls_id == 0);
  CHECK(profile_info(Profile::aes128_cm_sha1_32).rtp_tag_len == 4);
  CHECK(profile_info(Profile::aes128_cm_sha1_32).rtcp_tag_len == 10);  // RFC 5764 §4.1.2
  CHECK(profile_info(Profile::aes256_cm_sha1_32).rtcp_tag_len == 10);
  CHECK(master_material_len(Profile::aes128_cm_sha1_80) == 30);
  CHECK(master_material_len(Profile::aead_aes128_gcm) == 28);
  CHECK(master_material_len(Profile::aead_aes256_gcm) == 44);
  CHECK(master_material_len(Profile::aes256_cm_sha1_80) == 46);
  CHECK(profile_from_dtls_id(0x0007).value() == Profile::aead_aes128_gcm);
  CHECK(profile_from_dtls_id(0x0008).value() == Profile::aead_aes256_gcm);
  CHECK(profile_from_dtls_id(0x0001).value() == Profile::aes128_cm_sha1_80);
  CHECK(profile_from_dtls_id(0x0005).error().code == Code::unsupported);
  CHECK(!profile_from_dtls_id(0).ok());
}

TEST_CASE("rtp header: CSRCs, one-byte extension, padding") {
  auto p = testing::rtp_packet(0xcafebabe, 7, 20, 3, true);
  p[0] |= 0x20;  // padding: last byte counts 4
  p.back() = 4;
  auto h = parse_rtp_header(p);
  REQUIRE(h.ok());
  CHECK(h->csrc_count == 3);
  CHECK(h->extension);
  CHECK(h->extension_profile == 0xBEDE);
  CHECK(h->header_len == 12 + 12 + 4 + 4);
  CHECK(h->sequence == 7);
  CHECK(h->ssrc == 0xcafebabe);
  CHECK(rtp_payload_len(p, *h).value() == 16);
  HeaderExtensionReader ext(p, *h);
  HeaderExtensionElement e;
  REQUIRE(ext.next(e).value());
  CHECK(e.id == 1);
  CHECK(e.data.size() == 1);
  CHECK(e.data[0] == 0xAA);
  CHECK(!ext.next(e).value());
}

TEST_CASE("rtp header: two-byte extension elements (RFC 8285 §4.3)") {
  const auto body = unhex("0102aabb0300070155000000");  // id1 len2, id3 len0, id7 len1, padding
  HeaderExtensionReader ext(0x1000, body);
  HeaderExtensionElement e;
  REQUIRE(ext.next(e).value());
  CHECK((e.id == 1 && e.data.size() == 2));
  REQUIRE(ext.next(e).value());
  CHECK((e.id == 3 && e.data.empty()));
  REQUIRE(ext.next(e).value());
  CHECK((e.id == 7 && e.data.size() == 1 && e.data[0] == 0x55));
  CHECK(!ext.next(e).value());
  CHECK(HeaderExtensionReader(0x1000, unhex("0105aa")).next(e).error().code == Code::truncated);
  CHECK(HeaderExtensionReader(0x1234, body).next(e).error().code == Code::unsupported);
}

TEST_CASE("rtp header: each malformed field gets its own error") {
  auto p = testing::rtp_packet(1, 1, 4, 2, true);
  CHECK(std::string(parse_rtp_header(Bytes(p).first(11)).error().detail).find("fixed header") != std::string::npos);
  auto v = p;
  v[0] = static_cast<uint8_t>((v[0] & 0x3f) | 0x40);
  CHECK(std::string(parse_rtp_header(v).error().detail).find("version") != std::string::npos);
  CHECK(std::string(parse_rtp_header(Bytes(p).first(16)).error().detail).find("csrc") != std::string::npos);
  CHECK(std::string(parse_rtp_header(Bytes(p).first(22)).error().detail).find("extension header") !=
        std::string::npos);
  CHECK(std::string(parse_rtp_header(Bytes(p).first(26)).error().detail).find("extension length") !=
        std::string::npos);
  auto pad = testing::rtp_packet(1, 1, 4);
  pad[0] |= 0x20;
  pad.back() = 0;
  CHECK(rtp_payload_len(pad, parse_rtp_header(pad).value()).error().code == Code::malformed);
  pad.back() = 5;
  CHECK(std::string(rtp_payload_len(pad, parse_rtp_header(pad).value()).error().detail).find("pad count") !=
        std::string::npos);
}

TEST_CASE("rtcp header and compound walk") {
  auto p = testing::rtcp_packet(0x01020304, 3);
  auto h = parse_rtcp_header(p);
  REQUIRE(h.ok());
  CHECK(h->ssrc == 0x01020304);
  CHECK(h->packet_type == 201);
  CHECK(check_rtcp_compound(p).value() == 1);
  auto two = p;
  two.insert(two.end(), p.begin(), p.end());
  CHECK(check_rtcp_compound(two).value() == 2);
  two.pop_back();
  CHECK(check_rtcp_compound(two).error().code == Code::truncated);
  CHECK(parse_rtcp_header(Bytes(p).first(7)).error().code == Code::truncated);
}

TEST_CASE("ROC estimation: RFC 3711 App. A around the wrap") {
  CHECK(estimate_packet_index(make_packet_index(0, 100), 101) == 101);
  CHECK(estimate_packet_index(make_packet_index(0, 65535), 0) == make_packet_index(1, 0));       // wrap
  CHECK(estimate_packet_index(make_packet_index(0, 65530), 3) == make_packet_index(1, 3));
  CHECK(estimate_packet_index(make_packet_index(1, 3), 65530) == make_packet_index(0, 65530));   // late, before wrap
  CHECK(estimate_packet_index(make_packet_index(1, 40000), 39000) == make_packet_index(1, 39000));
  CHECK(estimate_packet_index(make_packet_index(5, 0x8000), 0x0001) == make_packet_index(5, 1));
  CHECK(estimate_packet_index(make_packet_index(5, 0x8002), 0x0001) == make_packet_index(6, 1));
  // ROC 0 never guesses -1: the packet counts as far ahead.
  CHECK(estimate_packet_index(make_packet_index(0, 10), 60000) == 60000);
  // ROC 2^32-1 passing the wrap leaves the 48-bit index space: key exhausted.
  CHECK(estimate_packet_index(make_packet_index(0xFFFFFFFF, 65535), 0) > kMaxPacketIndex);
}

TEST_CASE("replay window: duplicates, too old, slides, wide gaps") {
  uint64_t words[1024 / 64];
  ReplayWindow w(words);
  CHECK(w.size() == 1024);
  CHECK(w.check(5) == ReplayCheck::fresh);
  w.accept(5);
  CHECK(w.check(5) == ReplayCheck::duplicate);
  CHECK(w.check(4) == ReplayCheck::fresh);
  w.accept(2000);
  CHECK(w.check(5) == ReplayCheck::too_old);
  CHECK(w.check(2000 - 1023) == ReplayCheck::fresh);
  CHECK(w.check(2000 - 1024) == ReplayCheck::too_old);
  w.accept(1500);
  CHECK(w.check(1500) == ReplayCheck::duplicate);
  w.accept(2100);  // slide by 100: 1500 and 2000 stay, bits in between were cleared
  CHECK(w.check(1500) == ReplayCheck::duplicate);
  CHECK(w.check(2000) == ReplayCheck::duplicate);
  CHECK(w.check(2050) == ReplayCheck::fresh);
  CHECK(w.check(1501) == ReplayCheck::fresh);
  w.accept(100000);  // a jump wider than the window clears everything
  CHECK(w.check(99999) == ReplayCheck::fresh);
  CHECK(w.check(100000) == ReplayCheck::duplicate);
  // Every index in a long in-order run is seen exactly once.
  ReplayWindow v(words);
  for (uint64_t i = 0; i < 5000; ++i) {
    REQUIRE(v.check(i) == ReplayCheck::fresh);
    v.accept(i);
    REQUIRE(v.check(i) == ReplayCheck::duplicate);
    if (i >= 1024) REQUIRE(v.check(i - 1024) == ReplayCheck::too_old);
  }
}

#include "keyway/srtp/keying.hpp"

TEST_CASE("DTLS-SRTP keying material split (RFC 5764 §4.2)") {
  // 60 bytes for AES128_CM: ck(16) sk(16) cs(14) ss(14), with distinct fills.
  std::vector<uint8_t> ekm;
  ekm.insert(ekm.end(), 16, 0xC1);
  ekm.insert(ekm.end(), 16, 0x51);
  ekm.insert(ekm.end(), 14, 0xC2);
  ekm.insert(ekm.end(), 14, 0x52);
  auto client = split_dtls_srtp_material(Profile::aes128_cm_sha1_80, ekm, true);
  REQUIRE(client.ok());
  CHECK((client->local_key.size() == 16 && client->local_key[0] == 0xC1));
  CHECK((client->local_salt.size() == 14 && client->local_salt[0] == 0xC2));
  CHECK((client->remote_key[0] == 0x51 && client->remote_salt[0] == 0x52));
  auto server = split_dtls_srtp_material(Profile::aes128_cm_sha1_80, ekm, false);
  CHECK((server->local_key[0] == 0x51 && server->remote_key[0] == 0xC1));
  CHECK(dtls_srtp_material_len(Profile::aead_aes128_gcm) == 56);
  CHECK(split_dtls_srtp_material(Profile::aead_aes128_gcm, ekm, true).error().code == Code::invalid_argument);
}
