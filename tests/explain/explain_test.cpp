// SPDX-License-Identifier: Apache-2.0
// `keyway explain` (issue 15): the output lines a learner relies on, for
// real bytes: RFC 5769's STUN vectors, a whole keyway DTLS handshake, a
// ClientHello with the extension list of Chromium's DTLS 1.3-capable hello
// (built by hand, 1,4xx bytes because of its X25519MLKEM768 key share) whole
// and split over two datagrams, RTP with CSRCs and both header extension
// forms, and RTCP compounds with every report and feedback type.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <string>
#include <vector>

#include "keyway/lib/bytes.hpp"
#include "tests/dtls/fixture.hpp"
#include "tools/explain/explain.hpp"

namespace keyway::explain {
namespace {

std::vector<uint8_t> from_hex(std::string_view h) {
  std::vector<uint8_t> out;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2)
    out.push_back(static_cast<uint8_t>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16)));
  return out;
}

std::string explain(const std::vector<uint8_t>& d, Options o = {}) {
  Explainer ex(std::move(o));
  std::string out;
  ex.datagram(Bytes(d.data(), d.size()), "a > b", out);
  return out;
}

bool has(const std::string& out, std::string_view line_part) { return out.find(line_part) != std::string::npos; }
#define CHECK_HAS(out, text) CHECK_MESSAGE(has(out, text), "missing \"" << (text) << "\" in:\n" << (out))

// RFC 5769 §2.1 (sample request) and §2.2 (IPv4 response).
const char* kRfc5769Request =
    "000100582112a442b7e7a701bc34d686fa87dfae802200105354554e207465737420636c69656e74002400046e0001ff80290008932f"
    "f9b151263b36000600096576746a3a68367659202020000800149aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a280280004e57a3bcf";
const char* kRfc5769Response =
    "0101003c2112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f7220002000080001a147e112a64300080014"
    "2b91f599fd9e90c38c7489f92af9ba53f06be7d780280004c07d4c96";

TEST_CASE("explain: RFC 7983 classification by the first byte") {
  CHECK(classify(from_hex("0001")) == Kind::stun);
  CHECK(classify(from_hex("16fefd")) == Kind::dtls);
  CHECK(classify(from_hex("4000")) == Kind::turn_channel);
  CHECK(classify(from_hex("8060")) == Kind::rtp);
  CHECK(classify(from_hex("80c8")) == Kind::rtcp);  // SR: packet type 200 (RFC 5761 §4)
  CHECK(classify(from_hex("81cd")) == Kind::rtcp);  // RTPFB 205
  CHECK(classify(from_hex("ff")) == Kind::unknown);
}

TEST_CASE("explain: STUN request, every attribute, integrity checked with the password") {
  std::string out = explain(from_hex(kRfc5769Request), Options{{"VOkJxbRl1RmTxUk/WvJxBt"}, false});
  CHECK_HAS(out, "RFC 7983 §7: STUN (first byte 0-3)");
  CHECK_HAS(out, "0000  00 01                        type 0x0001: Binding request");
  CHECK_HAS(out, "0004  21 12 a4 42                  magic cookie 0x2112a442  [RFC 8489 §5");
  CHECK_HAS(out, "\"evtj:h6vY\" (ICE: receiver's ufrag:sender's ufrag");
  CHECK_HAS(out, "[RFC 8489 §14.3 | ice::stun::Message::text]");
  CHECK_HAS(out, "1845494271 (type preference 110, local preference 1, component 1)");
  CHECK_HAS(out, "tie-breaker 0x932ff9b151263b36");
  CHECK_HAS(out, "0049  20 20 20                       padding to a multiple of 4 bytes");
  CHECK_HAS(out, "HMAC-SHA1: valid with password \"VOkJxbRl1RmTxUk/WvJxBt\"");
  CHECK_HAS(out, "CRC-32 ok (0xe57a3bcf)");
  // A wrong password is named as such; none given says how to check.
  CHECK_HAS(explain(from_hex(kRfc5769Request), Options{{"wrong"}, false}), "HMAC-SHA1: INVALID with 1 password(s) given");
  CHECK_HAS(explain(from_hex(kRfc5769Request)), "HMAC-SHA1: not checked (give --password PWD");
}

TEST_CASE("explain: STUN response, XOR-MAPPED-ADDRESS decoded") {
  std::string out = explain(from_hex(kRfc5769Response));
  CHECK_HAS(out, "type 0x0101: Binding success response");
  CHECK_HAS(out, "reserved, family 0x01 (IPv4)");
  CHECK_HAS(out, "X-Port 0xa147 ^ 0x2112 = 32853");
  CHECK_HAS(out, "X-Address ^ magic cookie = 192.0.2.1  [RFC 8489 §14.2 | ice::stun::Message::xor_address]");
}

TEST_CASE("explain: a STUN message that fails to parse says why and that keyway drops it") {
  std::vector<uint8_t> bad = from_hex(kRfc5769Request);
  bad.back() ^= 1;  // FINGERPRINT no longer matches
  std::string out = explain(bad);
  CHECK_HAS(out, "parse failed: ice:");
  CHECK_HAS(out, "(keyway drops it)");
}

// --- DTLS -----------------------------------------------------------------

void u16(std::vector<uint8_t>& v, uint16_t x) {
  v.push_back(static_cast<uint8_t>(x >> 8));
  v.push_back(static_cast<uint8_t>(x));
}
void u24(std::vector<uint8_t>& v, uint32_t x) {
  v.push_back(static_cast<uint8_t>(x >> 16));
  u16(v, static_cast<uint16_t>(x));
}
void ext(std::vector<uint8_t>& v, uint16_t type, const std::vector<uint8_t>& body) {
  u16(v, type);
  u16(v, static_cast<uint16_t>(body.size()));
  v.insert(v.end(), body.begin(), body.end());
}
std::vector<uint8_t> u16_list(std::initializer_list<uint16_t> xs, int prefix = 2) {
  std::vector<uint8_t> v;
  if (prefix == 1) v.push_back(static_cast<uint8_t>(xs.size() * 2));
  else u16(v, static_cast<uint16_t>(xs.size() * 2));
  for (uint16_t x : xs) u16(v, x);
  return v;
}

// The extension list (order and contents) of Chromium's DTLS ClientHello with
// DTLS 1.3 and X25519MLKEM768 enabled. Random bytes and key shares are
// patterns, not keys.
std::vector<uint8_t> chromium_client_hello_body() {
  std::vector<uint8_t> b;
  u16(b, 0xFEFD);
  for (int i = 0; i < 32; ++i) b.push_back(static_cast<uint8_t>(0xA0 + i));
  b.push_back(0);  // session_id
  b.push_back(0);  // cookie
  std::vector<uint8_t> suites = u16_list({0x1301, 0x1302, 0x1303, 0xC02B, 0xC02F, 0xC02C, 0xC030, 0xCCA9, 0xCCA8,
                                          0xC009, 0xC013, 0xC00A, 0xC014, 0x009C, 0x009D, 0x002F, 0x0035});
  b.insert(b.end(), suites.begin(), suites.end());
  b.push_back(1);
  b.push_back(0);  // compression: null
  std::vector<uint8_t> e;
  ext(e, 23, {});                                                      // extended_master_secret
  ext(e, 0xFF01, {0});                                                 // renegotiation_info
  ext(e, 10, u16_list({0x11EC, 0x001D, 0x0017, 0x0018}));              // supported_groups
  ext(e, 11, {1, 0});                                                  // ec_point_formats
  ext(e, 13, u16_list({0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601}));
  std::vector<uint8_t> srtp = u16_list({0x0008, 0x0007, 0x0001});
  srtp.push_back(0);                                                   // srtp_mki
  ext(e, 14, srtp);                                                    // use_srtp
  ext(e, 43, u16_list({0xFEFC, 0xFEFD}, 1));                           // supported_versions
  ext(e, 45, {1, 1});                                                  // psk_key_exchange_modes: psk_dhe_ke
  std::vector<uint8_t> shares;
  u16(shares, 0x11EC);
  u16(shares, 1216);
  for (int i = 0; i < 1216; ++i) shares.push_back(static_cast<uint8_t>(i));
  u16(shares, 0x001D);
  u16(shares, 32);
  for (int i = 0; i < 32; ++i) shares.push_back(0x55);
  std::vector<uint8_t> ks;
  u16(ks, static_cast<uint16_t>(shares.size()));
  ks.insert(ks.end(), shares.begin(), shares.end());
  ext(e, 51, ks);                                                      // key_share
  u16(b, static_cast<uint16_t>(e.size()));
  b.insert(b.end(), e.begin(), e.end());
  return b;
}

// One record (epoch 0) holding one handshake fragment.
std::vector<uint8_t> handshake_record(uint64_t seq, uint8_t type, const std::vector<uint8_t>& body, uint32_t off,
                                      uint32_t len) {
  std::vector<uint8_t> r = {22, 0xFE, 0xFD, 0, 0};
  for (int i = 5; i >= 0; --i) r.push_back(static_cast<uint8_t>(seq >> (8 * i)));
  u16(r, static_cast<uint16_t>(12 + len));
  r.push_back(type);
  u24(r, static_cast<uint32_t>(body.size()));
  u16(r, 0);
  u24(r, off);
  u24(r, len);
  r.insert(r.end(), body.begin() + off, body.begin() + off + len);
  return r;
}

void check_chromium_extensions(const std::string& out) {
  CHECK_HAS(out, "dtls::parse_client_hello accepts it");
  CHECK_HAS(out, "client_version DTLS 1.2 (0xfefd)");
  CHECK_HAS(out, "cookie length 0 (no HelloVerifyRequest answered: the first ClientHello)");
  CHECK_HAS(out, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (0xc02b)");
  CHECK_HAS(out, "TLS_AES_128_GCM_SHA256 (0x1301, DTLS 1.3 only)");
  CHECK_HAS(out, "extension extended_master_secret (23), 0 bytes  [RFC 7627 §5.1 | dtls::parse_extensions]");
  CHECK_HAS(out, "extension supported_groups (10), 10 bytes");
  CHECK_HAS(out, "X25519MLKEM768 (0x11ec)  [RFC 8422 §5.1.1, RFC 8446 §4.2.7 | dtls::parse_extensions]");
  CHECK_HAS(out, "extension use_srtp (14), 9 bytes  [RFC 5764 §4.1.1 | dtls::parse_extensions]");
  CHECK_HAS(out, "SRTP_AEAD_AES_256_GCM (0x0008)");
  CHECK_HAS(out, "SRTP_AES128_CM_HMAC_SHA1_80 (0x0001)");
  CHECK_HAS(out, "srtp_mki length 0");
  CHECK_HAS(out, "ecdsa_secp256r1_sha256 (0x0403)");
  CHECK_HAS(out, "rsa_pss_rsae_sha256 (0x0804)");
  CHECK_HAS(out, "extension supported_versions (43), 5 bytes  [RFC 8446 §4.2.1, RFC 9147 §5.3 | "
                 "dtls::v13::read_client_supported_versions (the 1.2 engine skips it)]");
  CHECK_HAS(out, "psk_dhe_ke (1)");
  CHECK_HAS(out, "DTLS 1.3 (0xfefc)");
  CHECK_HAS(out, "extension key_share (51), 1258 bytes");
  CHECK_HAS(out, "key share for X25519MLKEM768 (0x11ec)");
  CHECK_HAS(out, "key_exchange length 1216");
  CHECK_HAS(out, "key share for x25519 (0x001d)");
  CHECK_HAS(out, "… 1184 more bytes");  // long fields are cut (--all prints them)
}

TEST_CASE("explain: a Chromium-shaped ClientHello, every extension named and decoded") {
  std::vector<uint8_t> body = chromium_client_hello_body();
  REQUIRE(body.size() > 1300);
  std::vector<uint8_t> d = handshake_record(0, 1, body, 0, static_cast<uint32_t>(body.size()));
  std::string out = explain(d);
  CHECK_HAS(out, "RFC 7983 §7: DTLS (first byte 20-63)");
  CHECK_HAS(out, "0000  16                           content type 22: handshake  [RFC 6347 §4.1 | dtls::read_record]");
  CHECK_HAS(out, "epoch 0 (plaintext: before ChangeCipherSpec)");
  CHECK_HAS(out, "ClientHello (handshake type 1), message_seq 0");
  check_chromium_extensions(out);
}

TEST_CASE("explain: key_share with an unknown group is still decoded") {
  std::vector<uint8_t> body = {0xFE, 0xFD};
  for (int i = 0; i < 32; ++i) body.push_back(1);
  std::vector<uint8_t> rest = {0, 0, 0, 2, 0xC0, 0x2B, 1, 0};
  body.insert(body.end(), rest.begin(), rest.end());
  std::vector<uint8_t> e, ks = {0, 8, 0x42, 0x42, 0, 4, 9, 9, 9, 9};
  ext(e, 51, ks);
  u16(body, static_cast<uint16_t>(e.size()));
  body.insert(body.end(), e.begin(), e.end());
  std::string out = explain(handshake_record(0, 1, body, 0, static_cast<uint32_t>(body.size())));
  CHECK_HAS(out, "key share for unknown group 0x4242");
  CHECK_HAS(out, "key_exchange length 4");
}

TEST_CASE("explain: a ClientHello split over two datagrams is shown reassembled") {
  std::vector<uint8_t> body = chromium_client_hello_body();
  uint32_t first = 1000, second = static_cast<uint32_t>(body.size()) - first;
  std::vector<uint8_t> d1 = handshake_record(0, 1, body, 0, first);
  std::vector<uint8_t> d2 = handshake_record(1, 1, body, first, second);
  Explainer ex(Options{});
  std::string out1, out2;
  ex.datagram(Bytes(d1.data(), d1.size()), "c > s", out1);
  ex.datagram(Bytes(d2.data(), d2.size()), "c > s", out2);
  CHECK_HAS(out1, fmt::format("ClientHello (handshake type 1), message_seq 0, fragment 0..1000 of {}", body.size()));
  CHECK_HAS(out1, fmt::format("fragment body: 1000 of {} bytes; held by dtls::Reassembler until the rest arrives", body.size()));
  CHECK(!has(out1, "reassembled"));
  CHECK_HAS(out2, fmt::format("fragment 1000..{} of {}", body.size(), body.size()));
  CHECK_HAS(out2, fmt::format("reassembled ClientHello (message_seq 0, {} bytes from 2 fragments", body.size()));
  check_chromium_extensions(out2);
  // Another direction's fragments are kept apart.
  std::string other;
  ex.datagram(Bytes(d2.data(), d2.size()), "s > c", other);
  CHECK(!has(other, "reassembled"));
}

TEST_CASE("explain: every datagram of a keyway DTLS handshake is explained by keyway's own parsers") {
  test::Fixture f;
  test::Pair p(f.client, f.server);
  std::vector<std::vector<uint8_t>> seen;
  p.tamper = [&](int, std::vector<uint8_t>& d) {
    seen.push_back(d);
    return true;
  };
  p.run();
  test::check_completed(p);
  REQUIRE(seen.size() >= 4);
  Explainer ex(Options{});
  std::string all;
  for (const auto& d : seen) ex.datagram(Bytes(d.data(), d.size()), "x", all);
  CHECK(!has(all, "refuses it"));
  CHECK(!has(all, "does not parse"));
  CHECK_HAS(all, "extension use_srtp (14)");
  CHECK_HAS(all, "SRTP_AEAD_AES_128_GCM (0x0007)");
  CHECK_HAS(all, "dtls::parse_server_hello accepts it");
  CHECK_HAS(all, "cipher_suite TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (0xc02b)");
  CHECK_HAS(all, "X.509 DER (end-entity; WebRTC checks its hash against a=fingerprint");
  CHECK_HAS(all, "named curve x25519 (0x001d)");
  CHECK_HAS(all, "ServerHelloDone: empty");
  CHECK_HAS(all, "ChangeCipherSpec: the sender's next records use epoch 1");
  CHECK_HAS(all, "epoch 1 (protected)");
  CHECK_HAS(all, "AEAD tag (a record that fails it is dropped silently and counted)");
}

// --- RTP / RTCP -------------------------------------------------------------

TEST_CASE("explain: RTP with CSRCs and a one-byte header extension") {
  // V=2 X=1 CC=2, M=1 PT=111, seq 4660, ts 0x01020304, SSRC 0xdeadbeef, 2 CSRCs,
  // 0xBEDE, 2 words: id 1 len 1 (2 bytes), id 3 len 2 (3 bytes), 1 pad; 3 payload bytes.
  std::string out = explain(from_hex(
      "92ef123401020304deadbeef0000000a0000000bbede0002"
      "11aabb"
      "32ccddee"
      "00"
      "c0ffee"));
  CHECK_HAS(out, "RFC 7983 §7: RTP/SRTP");
  CHECK_HAS(out, "V=2, P=0, X=1, CC=2  [RFC 3550 §5.1 | srtp::parse_rtp_header]");
  CHECK_HAS(out, "M=1, payload type 111");
  CHECK_HAS(out, "sequence number 4660");
  CHECK_HAS(out, "SSRC 0xdeadbeef");
  CHECK_HAS(out, "CSRC 1: 0x0000000a");
  CHECK_HAS(out, "CSRC 2: 0x0000000b");
  CHECK_HAS(out, "extension profile 0xbede (one-byte elements)");
  CHECK_HAS(out, "element id 1, 2 byte(s) of data (one-byte: ID|L-1 form)  [RFC 8285 §4.2 | srtp::HeaderExtensionReader::next]");
  CHECK_HAS(out, "element id 3, 3 byte(s) of data");
  CHECK_HAS(out, "padding to a 32-bit word");
  CHECK_HAS(out, "payload, 3 bytes");
}

TEST_CASE("explain: RTP with a two-byte header extension") {
  std::string out = explain(from_hex("9060000100000001000000011000000207030102030000000000"));
  CHECK_HAS(out, "extension profile 0x1000 (two-byte elements)");
  CHECK_HAS(out, "element id 7, 3 byte(s) of data (two-byte: ID, L form)  [RFC 8285 §4.3");
}

TEST_CASE("explain: RTCP compound SR + SDES + BYE") {
  std::string out = explain(from_hex(
      // SR, RC=1: sender 0x11111111, NTP, RTP ts 1000, 50 packets, 5000 octets, one report block
      "81c8000c11111111e1a2b3c4d5e6f708000003e800000032000013882222222205000003000012340000000700000000"
      "00000000"
      // SDES, SC=1: chunk SSRC 0x11111111, CNAME "abcd", end + pad
      "81ca0003111111110104616263640000"
      // BYE, SC=1, reason "bye"
      "81cb00021111111103627965"));
  CHECK_HAS(out, "RFC 7983 §7: RTCP/SRTCP");
  CHECK_HAS(out, "srtp::check_rtcp_compound: 3 packet(s)");
  CHECK_HAS(out, "packet type 200: SR (sender report)  [RFC 3550 §6.4.1 | srtp::parse_rtcp_header]");
  CHECK_HAS(out, "sender's packet count 50");
  CHECK_HAS(out, "source SSRC 0x22222222");
  CHECK_HAS(out, "fraction lost 5/256");
  CHECK_HAS(out, "cumulative packets lost 3");
  CHECK_HAS(out, "CNAME (1), 4 bytes: \"abcd\"");
  CHECK_HAS(out, "reason \"bye\"");
}

TEST_CASE("explain: RTCP feedback: NACK, PLI, FIR, REMB") {
  std::string out = explain(from_hex(
      "81cd0003111111112222222200640005"        // NACK: PID 100, BLP 0x0005 -> 100, 101, 103
      "81ce00021111111122222222"                // PLI
      "84ce000411111111000000002222222207000000"  // FIR: SSRC 0x22222222, seq 7
      "8fce0005111111110000000052454d4201"      // REMB: 1 SSRC
      "0bebc2" "22222222"));                    // exp 2, mantissa 0x3ebc2 = 256962: 1027848 bit/s
  CHECK_HAS(out, "RTPFB NACK (generic negative acknowledgement)");
  CHECK_HAS(out, "BLP 0x0005: lost sequence numbers 100, 101, 103");
  CHECK_HAS(out, "PSFB PLI (picture loss indication)");
  CHECK_HAS(out, "PLI has no FCI");
  CHECK_HAS(out, "FIR target SSRC 0x22222222");
  CHECK_HAS(out, "command sequence number 7");
  CHECK_HAS(out, "unique identifier \"REMB\"");
  CHECK_HAS(out, "BR exp 2 mantissa 256962: 1027848 bit/s");
}

}  // namespace
}  // namespace keyway::explain

namespace keyway::explain {
namespace {
// Found by fuzz/explain: an RTCP length field of 0 announces a 4-byte packet,
// shorter than its own 8-byte header; the explainer printed the sender SSRC
// from past that packet's end (outside the datagram when it was the last
// bytes). It must stop and show the bytes as not a whole RTCP packet.
TEST_CASE("explain: an RTCP packet shorter than its header is not read past its end") {
  std::string out = explain(from_hex("80c9000011111111"));
  CHECK_HAS(out, "trailing bytes (not a whole RTCP packet)");
  CHECK(!has(out, "sender SSRC"));
}
}  // namespace
}  // namespace keyway::explain
