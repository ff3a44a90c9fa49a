// SPDX-License-Identifier: Apache-2.0
// DTLS 1.3 record layer pieces (dtls/v13/record.hpp).
// Known answers: record number masks from `openssl enc -aes-128-ecb / -aes-256-ecb
// -nopad` and `openssl enc -chacha20 -iv <sample>` (OpenSSL's 16-byte ChaCha20
// iv is the little-endian counter then the nonce: the RFC 9147 §4.2.3 sample
// as is); whole records from an independent Python `cryptography` script of
// RFC 9147 §4 (header, AAD, nonce, inner plaintext, mask).
#include <doctest/doctest.h>

#include <cstring>
#include <vector>

#include "keyway/dtls/v13/record.hpp"
#include "tests/support/hex.hpp"

using namespace keyway;
using namespace keyway::dtls;
using namespace keyway::dtls::v13;
using keyway::test::bytes_of;
using keyway::test::hex;
using keyway::test::unhex;

namespace {

TrafficKeys make_keys(const char* key, const char* iv, const char* sn) {
  TrafficKeys k;
  auto fill = [](auto& s, const char* h) {
    auto b = unhex(h);
    std::memcpy(s.bytes, b.data(), b.size());
    s.len = b.size();
  };
  fill(k.key, key);
  fill(k.iv, iv);
  fill(k.sn_key, sn);
  return k;
}

// The DTLS 1.3 client handshake keys of the "dtls13" SHA-256 schedule (v13_key_schedule_test).
TrafficKeys aes128_keys() {
  return make_keys("1bd2c8f8c9d6a73a5550328f277fbdae", "72aac32713fb7728b8c7ae3d", "bda0c6fe81d52ca4ba00cc103cbf0b71");
}
// 32-byte keys (the SHA-384 schedule's), used with ChaCha20-Poly1305.
TrafficKeys chacha_keys() {
  return make_keys("03941cf1c0f65cc557dfaf3ad9f8a3ed4dc7bfddfe4d31211a795197fefb4152", "4b20931ae3bf669c4a3af8ae",
                   "5e9c1b5237d2cd92a208a4ea1f690f1e961f6199b94c6041c216cd610d6b0dcf");
}

CiphertextRecord read_one(Bytes datagram) {
  ByteReader r(datagram);
  auto rec = read_ciphertext_record(r);
  REQUIRE(rec.ok());
  CHECK(r.at_end());
  return *rec;
}

}  // namespace

TEST_CASE("unified header: parse every S/L/epoch form, write round trip") {
  // 0x2e = 001 0 1 1 10: S, L, epoch bits 2; seq 0x0102, length 3.
  auto d = unhex("2e01020003aabbcc");
  auto rec = read_one(d);
  CHECK(rec.header.epoch_bits == 2);
  CHECK(rec.header.seq16);
  CHECK(rec.header.has_length);
  CHECK(rec.header.seq_bits == 0x0102);
  CHECK(hex(rec.header_bytes) == "2e01020003");
  CHECK(hex(rec.encrypted) == "aabbcc");

  // Minimal header: 0x21 = 8-bit sequence, no length: the rest of the datagram.
  auto minimal = unhex("21ff0102030405");
  rec = read_one(minimal);
  CHECK(rec.header.epoch_bits == 1);
  CHECK_FALSE(rec.header.seq16);
  CHECK_FALSE(rec.header.has_length);
  CHECK(rec.header.seq_bits == 0xff);
  CHECK(hex(rec.header_bytes) == "21ff");
  CHECK(hex(rec.encrypted) == "0102030405");

  // Two records in one datagram: the first has a length.
  auto two = unhex("2c0001000211222b000233");
  ByteReader r(two);
  auto a = read_ciphertext_record(r);
  auto b = read_ciphertext_record(r);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(hex(a->encrypted) == "1122");
  CHECK(b->header.epoch_bits == 3);
  CHECK(hex(b->encrypted) == "33");
  CHECK(r.at_end());

  for (bool s : {false, true})
    for (bool l : {false, true})
      for (uint8_t e = 0; e < 4; ++e) {
        UnifiedHeader h{e, s, l, static_cast<uint16_t>(s ? 0xbeef : 0xef)};
        uint8_t buf[8];
        ByteWriter w(buf);
        write_unified_header(w, h, 2);
        w.write_u16(0x7777);
        CHECK(w.size() == unified_header_size(h) + 2);
        auto got = read_one(w.written());
        CHECK(got.header.epoch_bits == e);
        CHECK(got.header.seq16 == s);
        CHECK(got.header.has_length == l);
        CHECK(got.header.seq_bits == h.seq_bits);
        CHECK(hex(got.encrypted) == "7777");
      }
}

TEST_CASE("unified header: what is refused") {
  auto refuse = [](const char* h) {
    auto d = unhex(h);
    ByteReader r(d);
    auto rec = read_ciphertext_record(r);
    CHECK_FALSE(rec.ok());
    CHECK(r.remaining() == d.size());  // nothing consumed
    return rec.ok() ? Code::ok : rec.error().code;
  };
  CHECK(refuse("16fefd") == Code::malformed);        // a DTLSPlaintext handshake record
  CHECK(refuse("40000000") == Code::malformed);      // 0b010xxxxx
  CHECK(refuse("3c000000") == Code::unsupported);    // C bit: no connection id negotiated
  CHECK(refuse("2c00") == Code::truncated);          // 16-bit sequence cut short
  CHECK(refuse("2c000100") == Code::truncated);      // length cut short
  CHECK(refuse("2c00010005aabb") == Code::truncated);  // length past the end
  CHECK(refuse("") == Code::truncated);
  // More than 2^14 + 256 bytes of encrypted_record.
  std::vector<uint8_t> big(3 + kMaxEncryptedRecord + 1, 0);
  big[0] = 0x28;  // S, no L
  ByteReader r(big);
  CHECK_FALSE(read_ciphertext_record(r).ok());
  big.pop_back();
  ByteReader r2(big);
  CHECK(read_ciphertext_record(r2).ok());
}

TEST_CASE("sequence number reconstruction: closest to the expected one (RFC 9147 §4.2.2)") {
  CHECK(reconstruct_sequence_number(0, 0, 16) == 0);
  CHECK(reconstruct_sequence_number(0, 5, 8) == 5);
  CHECK(reconstruct_sequence_number(0, 0xff, 8) == 0xff);  // nothing below zero to wrap to
  CHECK(reconstruct_sequence_number(0x100, 0xff, 8) == 0xff);  // a late record from just below
  CHECK(reconstruct_sequence_number(0x1fe, 0x01, 8) == 0x201);  // just past the wrap
  CHECK(reconstruct_sequence_number(0x12345, 0x2340, 16) == 0x12340);
  CHECK(reconstruct_sequence_number(0x1fff0, 0x0003, 16) == 0x20003);
  CHECK(reconstruct_sequence_number(0x20003, 0xfff0, 16) == 0x1fff0);
  CHECK(reconstruct_sequence_number(0x10000, 0x8000, 16) == 0x18000);  // exactly half away: the same window
  // Every value within half a window of expected comes back exactly.
  for (uint64_t expected : {uint64_t{0x80}, uint64_t{0x1234}, uint64_t{0xffff}, uint64_t{0x123456789}})
    for (int64_t d = -127; d <= 127; ++d) {
      uint64_t seq = expected + static_cast<uint64_t>(d);
      CHECK(reconstruct_sequence_number(expected, static_cast<uint16_t>(seq & 0xff), 8) == seq);
      CHECK(reconstruct_sequence_number(expected, static_cast<uint16_t>(seq & 0xffff), 16) == seq);
    }
}

TEST_CASE("epoch reconstruction: the current epoch, else the most recent past one (RFC 9147 §4.2.2)") {
  uint64_t e = 99;
  REQUIRE(reconstruct_epoch(5, 1, e));  // 5 = 0b101
  CHECK(e == 5);
  REQUIRE(reconstruct_epoch(5, 0, e));
  CHECK(e == 4);
  REQUIRE(reconstruct_epoch(5, 3, e));
  CHECK(e == 3);
  REQUIRE(reconstruct_epoch(5, 2, e));
  CHECK(e == 2);
  REQUIRE(reconstruct_epoch(3, 2, e));  // application data, a late handshake record
  CHECK(e == 2);
  REQUIRE(reconstruct_epoch(0, 0, e));
  CHECK(e == 0);
  CHECK_FALSE(reconstruct_epoch(2, 3, e));  // epoch 3 not entered yet
  CHECK_FALSE(reconstruct_epoch(0, 1, e));
  REQUIRE(reconstruct_epoch(1000001, 0, e));  // far beyond 3: KeyUpdates
  CHECK(e == 1000000);
}

TEST_CASE("AEAD nonce: iv XOR the 64-bit sequence number, no epoch (RFC 8446 §5.3, RFC 9147 §4)") {
  auto iv = unhex("72aac32713fb7728b8c7ae3d");
  uint8_t n[12];
  record_nonce(iv, 0, n);
  CHECK(hex(n) == "72aac32713fb7728b8c7ae3d");
  record_nonce(iv, 0x0102030405060708ull, n);
  CHECK(hex(n) == "72aac32712f9742cbdc1a935");
}

TEST_CASE("DTLSInnerPlaintext: type after the content, zero padding stripped") {
  uint8_t buf[32];
  ByteWriter w(buf);
  write_inner_plaintext(w, bytes_of("abc"), 23, 4);
  CHECK(hex(w.written()) == "6162631700000000");
  auto in = read_inner_plaintext(w.written());
  REQUIRE(in.ok());
  CHECK(in->type == 23);
  CHECK(hex(in->content) == "616263");
  // Content that ends in zero bytes keeps them: the type byte stops the scan.
  auto z = unhex("00001600");
  in = read_inner_plaintext(z);
  REQUIRE(in.ok());
  CHECK(in->type == 22);
  CHECK(hex(in->content) == "0000");
  // All zeros: no content type (RFC 8446 §5.4: unexpected_message).
  auto none = unhex("000000");
  CHECK(read_inner_plaintext(none).error().code == Code::unexpected_message);
  CHECK(read_inner_plaintext({}).error().code == Code::unexpected_message);
  std::vector<uint8_t> over(kMaxContentSize + 1, 1);
  over.push_back(23);
  CHECK_FALSE(read_inner_plaintext(over).ok());
}

TEST_CASE("record number masks: AES-ECB and ChaCha20 of the ciphertext sample (openssl enc)") {
  auto sample = unhex("000102030405060708090a0b0c0d0e0f");
  uint8_t m[2];
  RecordNumberCipher aes128;
  REQUIRE(aes128.init(AeadKind::aes128_gcm, unhex("bda0c6fe81d52ca4ba00cc103cbf0b71")).ok());
  REQUIRE(aes128.mask(sample, m).ok());
  CHECK(hex(m) == "dda5");  // openssl enc -aes-128-ecb -nopad: dda5683f90d8d84f23ee14d7e933a799
  auto key32 = unhex("5e9c1b5237d2cd92a208a4ea1f690f1e961f6199b94c6041c216cd610d6b0dcf");
  RecordNumberCipher aes256;
  REQUIRE(aes256.init(AeadKind::aes256_gcm, key32).ok());
  REQUIRE(aes256.mask(sample, m).ok());
  CHECK(hex(m) == "9c36");  // openssl enc -aes-256-ecb -nopad: 9c363d69108c7648773253cef371c3bb
  RecordNumberCipher chacha;
  REQUIRE(chacha.init(AeadKind::chacha20_poly1305, key32).ok());
  REQUIRE(chacha.mask(sample, m).ok());
  CHECK(hex(m) == "e8a3");  // openssl enc -chacha20 -iv 0001..0f over zeros: e8a3b5f7deb7c8cf9f0a7f7d880fd92f
  // Only the first 16 bytes count; fewer fail (RFC 9147 §4.2.3).
  auto longer = unhex("000102030405060708090a0b0c0d0e0fffffffff");
  REQUIRE(chacha.mask(longer, m).ok());
  CHECK(hex(m) == "e8a3");
  CHECK_FALSE(aes128.mask(std::span<const uint8_t>(sample).first(15), m).ok());
  // A key of the wrong size for the AEAD is refused.
  CHECK_FALSE(aes128.init(AeadKind::aes128_gcm, key32).ok());
  CHECK_FALSE(chacha.init(AeadKind::chacha20_poly1305, unhex("bda0c6fe81d52ca4ba00cc103cbf0b71")).ok());
}

TEST_CASE("sealed records equal the independent ones (AES-128-GCM and ChaCha20-Poly1305)") {
  RecordProtection aes;
  REQUIRE(aes.init(AeadKind::aes128_gcm, 2, aes128_keys()).ok());
  uint8_t buf[128];
  ByteWriter w(buf);
  REQUIRE(aes.seal(w, 0x10005, 22, bytes_of("hello, dtls 1.3"), 3).ok());
  CHECK(hex(w.written()) == "2ea0f90023f49f3b1c89798d0ee5089a611a18f15d508cb0ccf71fa0b0c92a2c0b1ff42f7f692877");

  RecordProtection chacha;
  REQUIRE(chacha.init(AeadKind::chacha20_poly1305, 3, chacha_keys()).ok());
  ByteWriter w2(buf);
  REQUIRE(chacha.seal(w2, 7, 23, bytes_of("application data")).ok());
  CHECK(hex(w2.written()) == "2f0c2500216c31e4af4f917ff8a3df57475d78e1cb0a7078fa33cbb21c6d19c8a6867952ba7e");
}

TEST_CASE("open: unmask, reconstruct, authenticate, read the inner plaintext") {
  auto d = unhex("2ea0f90023f49f3b1c89798d0ee5089a611a18f15d508cb0ccf71fa0b0c92a2c0b1ff42f7f692877");
  auto rec = read_one(d);
  RecordProtection p;
  REQUIRE(p.init(AeadKind::aes128_gcm, 2, aes128_keys()).ok());
  auto seq = p.unmask_sequence_number(rec, 0x10000);
  REQUIRE(seq.ok());
  CHECK(*seq == 0x10005);
  uint8_t out[64];
  auto inner = p.open(rec, *seq, out);
  REQUIRE(inner.ok());
  CHECK(inner->type == 22);
  CHECK(std::string(inner->content.begin(), inner->content.end()) == "hello, dtls 1.3");

  // The wrong reconstruction (another window) changes the nonce and AAD: refused, out wiped.
  auto wrong = p.open(rec, *seq - 0x10000, out);
  CHECK(wrong.error().code == Code::auth_failed);
  for (std::size_t i = 0; i < rec.encrypted.size() - 16; ++i) CHECK(out[i] == 0);

  // Every single-bit flip anywhere in the record is refused (the header is
  // the AAD; the mask makes a flipped sequence bit a different nonce).
  for (std::size_t i = 0; i < d.size(); ++i) {
    auto bad = d;
    bad[i] ^= 0x01;
    ByteReader r(bad);
    auto brec = read_ciphertext_record(r);
    if (!brec.ok()) continue;  // a header bit that changes the framing
    auto s = p.unmask_sequence_number(*brec, 0x10000);
    if (!s.ok()) continue;
    CHECK_FALSE(p.open(*brec, *s, out).ok());
  }
}

TEST_CASE("seal then open: every AEAD, 8- and 16-bit headers, padding, epochs beyond 3") {
  struct Case {
    AeadKind kind;
    TrafficKeys keys;
  };
  Case cases[] = {{AeadKind::aes128_gcm, aes128_keys()},
                  {AeadKind::aes256_gcm, make_keys("03941cf1c0f65cc557dfaf3ad9f8a3ed4dc7bfddfe4d31211a795197fefb4152",
                                                   "4b20931ae3bf669c4a3af8ae",
                                                   "5e9c1b5237d2cd92a208a4ea1f690f1e961f6199b94c6041c216cd610d6b0dcf")},
                  {AeadKind::chacha20_poly1305, chacha_keys()}};
  for (auto& c : cases) {
    RecordProtection tx, rx;
    REQUIRE(tx.init(c.kind, 6, c.keys).ok());
    REQUIRE(rx.init(c.kind, 6, c.keys).ok());
    for (uint64_t seq : {uint64_t{0}, uint64_t{1}, uint64_t{255}, uint64_t{256}, uint64_t{70000}}) {
      uint8_t buf[256];
      ByteWriter w(buf);
      REQUIRE(tx.seal(w, seq, 23, bytes_of("x"), seq % 5).ok());
      CHECK((buf[0] & kEpochBitsMask) == 2);  // epoch 6: low bits 10
      auto rec = read_one(w.written());  // buf outlives rec
      auto s = rx.unmask_sequence_number(rec, seq);
      REQUIRE(s.ok());
      CHECK(*s == seq);
      uint8_t out[256];
      auto inner = rx.open(rec, *s, out);
      REQUIRE(inner.ok());
      CHECK(inner->type == 23);
      CHECK(hex(inner->content) == "78");
    }
  }
  // An 8-bit header (a peer may send one; keyway writes 16 bits): rewrite a
  // sealed record's header by hand and check it opens.
  RecordProtection tx;
  REQUIRE(tx.init(AeadKind::aes128_gcm, 3, aes128_keys()).ok());
  // Build "0x23 seq8 ciphertext": seal the inner plaintext with the 2-byte
  // header as AAD, which is what a sender with S=0, L=0 does.
  uint8_t inner[17] = {'h', 'i', 23};
  uint8_t header[2] = {0x23, 0x09};  // epoch 3, S=0, L=0, seq 9
  crypto::AesGcm gcm;
  auto k = aes128_keys();
  REQUIRE(gcm.set_key(k.key.view()).ok());
  uint8_t nonce[12];
  record_nonce(k.iv.view(), 9, nonce);
  uint8_t tag[16];
  REQUIRE(gcm.seal(Bytes(nonce, 12), Bytes(header, 2), MutableBytes(inner, 3), tag).ok());
  std::vector<uint8_t> d(header, header + 2);
  d.insert(d.end(), inner, inner + 3);
  d.insert(d.end(), tag, tag + 16);
  RecordNumberCipher sn;
  REQUIRE(sn.init(AeadKind::aes128_gcm, k.sn_key.view()).ok());
  uint8_t m[2];
  REQUIRE(sn.mask(Bytes(d).subspan(2), m).ok());
  d[1] ^= m[0];
  auto rec = read_one(d);
  CHECK_FALSE(rec.header.seq16);
  auto s = tx.unmask_sequence_number(rec, 5);
  REQUIRE(s.ok());
  CHECK(*s == 9);
  uint8_t out[64];
  auto opened = tx.open(rec, *s, out);
  REQUIRE(opened.ok());
  CHECK(hex(opened->content) == "6869");
}

TEST_CASE("ReceiveEpoch: replay window per epoch, marked only by authenticated records") {
  ReceiveEpoch epoch;
  REQUIRE(epoch.protection().init(AeadKind::aes128_gcm, 3, aes128_keys()).ok());
  RecordProtection tx;
  REQUIRE(tx.init(AeadKind::aes128_gcm, 3, aes128_keys()).ok());
  auto sealed = [&](uint64_t seq) {
    std::vector<uint8_t> b(64);
    ByteWriter w(b);
    REQUIRE(tx.seal(w, seq, 23, bytes_of("data")).ok());
    b.resize(w.size());
    return b;
  };
  uint8_t out[64];
  auto r0 = sealed(0);
  auto rec = read_one(r0);
  auto o = epoch.open(rec, out);
  REQUIRE(o.ok());
  CHECK(o->seq == 0);
  CHECK(epoch.next_expected() == 1);
  CHECK(epoch.open(rec, out).error().code == Code::replayed);

  // A forged record claiming seq 200 never moves the window or the expectation.
  auto f = sealed(200);
  f.back() ^= 1;
  auto frec = read_one(f);
  CHECK(epoch.open(frec, out).error().code == Code::auth_failed);
  CHECK(epoch.next_expected() == 1);

  auto r100 = sealed(100);
  auto rec100 = read_one(r100);
  REQUIRE(epoch.open(rec100, out).ok());
  CHECK(epoch.next_expected() == 101);
  auto r50 = sealed(50);  // late but inside the 64-record window
  auto rec50 = read_one(r50);
  REQUIRE(epoch.open(rec50, out).ok());
  auto r30 = sealed(30);  // older than the window
  auto rec30 = read_one(r30);
  CHECK(epoch.open(rec30, out).error().code == Code::too_old);

  // A different epoch's keys (another ReceiveEpoch) have their own window.
  ReceiveEpoch next;
  REQUIRE(next.protection().init(AeadKind::aes128_gcm, 4, aes128_keys()).ok());
  CHECK(next.open(rec, out).ok());  // seq 0 again, fresh window (same keys only in this test)
}
