// SPDX-License-Identifier: Apache-2.0
// Record layer, replay window, reassembler, extensions and message codecs,
// including adversarial input (issue 3, "Tests").
#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "keyway/dtls/extensions.hpp"
#include "keyway/dtls/handshake_header.hpp"
#include "keyway/dtls/messages.hpp"
#include "keyway/dtls/reassembler.hpp"
#include "keyway/dtls/record.hpp"
#include "keyway/dtls/replay_window.hpp"
#include "tests/support/hex.hpp"

using namespace keyway;
using namespace keyway::dtls;
using keyway::test::unhex;

TEST_CASE("replay window: accepts new, rejects duplicates and too-old, slides") {
  ReplayWindow w;
  CHECK_FALSE(w.should_discard(5));
  w.mark(5);
  CHECK(w.should_discard(5));
  CHECK_FALSE(w.should_discard(4));
  w.mark(4);
  CHECK(w.should_discard(4));
  w.mark(100);
  CHECK(w.should_discard(36));   // 100 - 64: outside the window
  CHECK_FALSE(w.should_discard(37));
  CHECK(w.should_discard(100));
  w.mark(1000);                   // shift >= width clears the window
  CHECK_FALSE(w.should_discard(999));
  CHECK(w.should_discard(936));
}

namespace {
std::vector<uint8_t> seal(RecordCipher& c, ContentType type, uint16_t epoch, uint64_t seq, std::vector<uint8_t> pt) {
  std::vector<uint8_t> out(pt.size() + kMaxRecordOverhead);
  ByteWriter w(out);
  c.seal(w, type, epoch, seq, pt);
  REQUIRE(!w.failed());
  out.resize(w.size());
  return out;
}
}  // namespace

TEST_CASE("record: seal/open round trip for every AEAD; tampering fails without output") {
  struct Case { AeadKind kind; std::size_t key; std::size_t iv; std::size_t overhead; };
  for (Case c : {Case{AeadKind::aes128_gcm, 16, 4, 24}, Case{AeadKind::aes256_gcm, 32, 4, 24},
                 Case{AeadKind::chacha20_poly1305, 32, 12, 16}}) {
    std::vector<uint8_t> key(c.key, 0x42), iv(c.iv, 0x17);
    RecordCipher tx, rx;
    REQUIRE(tx.init(c.kind, key, iv).ok());
    REQUIRE(rx.init(c.kind, key, iv).ok());
    std::vector<uint8_t> pt = {1, 2, 3, 4, 5};
    auto wire = seal(tx, ContentType::application_data, 1, 0x0000123456789Aull, pt);
    CHECK(wire.size() == kRecordHeaderSize + pt.size() + c.overhead);
    if (c.kind != AeadKind::chacha20_poly1305) {
      // RFC 5288 explicit nonce = epoch || seq (never random)
      CHECK(test::hex(std::span(wire).subspan(13, 8)) == "000100123456789a");
    }
    ByteReader r(wire);
    auto rec = read_record(r);
    REQUIRE(rec.ok());
    CHECK(rec->epoch == 1);
    CHECK(rec->seq == 0x123456789Aull);
    uint8_t out[64];
    auto n = rx.open(*rec, out);
    REQUIRE(n.ok());
    CHECK(std::vector<uint8_t>(out, out + *n) == pt);
    for (std::size_t i = 0; i < wire.size(); ++i) {
      auto bad = wire;
      bad[i] ^= 0x01;
      ByteReader br(bad);
      auto brec = read_record(br);
      if (!brec.ok()) continue;  // header no longer parses: also dropped
      CHECK_FALSE(rx.open(*brec, out).ok());
    }
  }
}

TEST_CASE("record: several records per datagram; truncated records stop the walk") {
  std::vector<uint8_t> d(64);
  ByteWriter w(d);
  uint8_t a[] = {1};
  uint8_t b[] = {2, 2};
  write_plain_record(w, ContentType::change_cipher_spec, kVersionDtls12, 7, a);
  write_plain_record(w, ContentType::handshake, kVersionDtls10, 8, b);
  d.resize(w.size());
  ByteReader r(d);
  auto r1 = read_record(r);
  auto r2 = read_record(r);
  REQUIRE(r1.ok());
  REQUIRE(r2.ok());
  CHECK(r1->seq == 7);
  CHECK(r2->fragment.size() == 2);
  CHECK(r.at_end());
  auto cut = d;
  cut.resize(cut.size() - 1);
  ByteReader rc(cut);
  CHECK(read_record(rc).ok());
  CHECK_FALSE(read_record(rc).ok());
  std::vector<uint8_t> bad_type = d;
  bad_type[0] = 99;
  ByteReader rb(bad_type);
  CHECK_FALSE(read_record(rb).ok());
}

namespace {
HandshakeFragment frag(uint8_t type, uint32_t len, uint16_t seq, uint32_t off, const std::vector<uint8_t>& body) {
  HandshakeFragment f;
  f.type = type;
  f.length = len;
  f.msg_seq = seq;
  f.frag_offset = off;
  f.body = body;
  return f;
}
}  // namespace

TEST_CASE("reassembler: overlapping, out-of-order fragments by byte offset") {
  std::vector<uint8_t> pool(8192);
  auto r = std::make_unique<Reassembler>();
  r->init(pool, 6144);
  std::vector<uint8_t> msg(3000);
  for (std::size_t i = 0; i < msg.size(); ++i) msg[i] = static_cast<uint8_t>(i * 7);
  auto piece = [&](uint32_t off, uint32_t len) { return std::vector<uint8_t>(msg.begin() + off, msg.begin() + off + len); };
  REQUIRE(r->add(frag(1, 3000, 0, 2000, piece(2000, 1000))).ok());
  CHECK_FALSE(r->ready());
  REQUIRE(r->add(frag(1, 3000, 0, 0, piece(0, 1500))).ok());
  CHECK_FALSE(r->ready());
  REQUIRE(r->add(frag(1, 3000, 0, 1200, piece(1200, 900))).ok());  // overlaps both
  REQUIRE(r->ready());
  CHECK(std::vector<uint8_t>(r->ready_body().begin(), r->ready_body().end()) == msg);
  r->advance();
  CHECK(r->next_seq() == 1);
  auto old = r->add(frag(1, 3000, 0, 0, piece(0, 10)));
  REQUIRE(old.ok());
  CHECK(*old == Reassembler::Added::old);
}

TEST_CASE("reassembler: future messages buffered, far future ignored, inconsistent and oversized refused") {
  std::vector<uint8_t> pool(8192);
  auto r = std::make_unique<Reassembler>();
  r->init(pool, 6144);
  r->reset(5);
  std::vector<uint8_t> two = {9, 9};
  REQUIRE(r->add(frag(11, 2, 6, 0, two)).ok());
  CHECK_FALSE(r->ready());
  REQUIRE(r->add(frag(2, 2, 5, 0, two)).ok());
  REQUIRE(r->ready());
  CHECK(r->ready_type() == 2);
  r->advance();
  REQUIRE(r->ready());
  CHECK(r->ready_type() == 11);
  r->advance();
  auto far = r->add(frag(1, 2, 100, 0, two));
  REQUIRE(far.ok());
  CHECK(*far == Reassembler::Added::ignored);
  REQUIRE(r->add(frag(12, 10, 7, 0, two)).ok());
  CHECK_FALSE(r->add(frag(13, 10, 7, 2, two)).ok());  // type changed
  CHECK_FALSE(r->add(frag(12, 11, 7, 2, two)).ok());  // length changed
  // A whole message in one fragment replaces the slot it contradicts (a
  // damaged message_seq must not block that slot for good).
  REQUIRE(r->add(frag(13, 2, 7, 0, two)).ok());
  REQUIRE(r->ready());
  CHECK(r->ready_type() == 13);
  r->advance();
  CHECK_FALSE(r->add(frag(12, 100000, 9, 0, two)).ok());  // larger than the maximum
}

TEST_CASE("reassembler: a full pool gives way to the next in-order message; bodies survive compaction") {
  std::vector<uint8_t> pool(Reassembler::footprint(1000) * 2);
  Reassembler r;
  r.init(pool, 1000);
  std::vector<uint8_t> a(1000, 0xAA), b(1000, 0xBB), c(1000, 0xCC);
  REQUIRE(r.add(frag(11, 1000, 1, 0, b)).ok());  // future
  REQUIRE(r.add(frag(12, 1000, 2, 0, std::vector<uint8_t>(c.begin(), c.begin() + 10))).ok());  // future, partial
  auto full = r.add(frag(13, 1000, 3, 0, c));
  REQUIRE(full.ok());
  CHECK(*full == Reassembler::Added::ignored);  // no room for another future message
  REQUIRE(r.add(frag(2, 1000, 0, 0, a)).ok());  // the next message evicts the future ones
  REQUIRE(r.ready());
  CHECK(std::vector<uint8_t>(r.ready_body().begin(), r.ready_body().end()) == a);
  r.advance();
  CHECK_FALSE(r.ready());  // seq 1 was evicted: the peer resends it
  REQUIRE(r.add(frag(11, 1000, 1, 0, b)).ok());
  REQUIRE(r.add(frag(12, 1000, 2, 0, c)).ok());
  REQUIRE(r.ready());
  r.advance();
  REQUIRE(r.ready());
  CHECK(std::vector<uint8_t>(r.ready_body().begin(), r.ready_body().end()) == c);
  std::vector<uint8_t> small_pool(100);
  Reassembler s;
  s.init(small_pool, 1000);
  CHECK_FALSE(s.add(frag(1, 500, 0, 0, std::vector<uint8_t>{1, 2})).ok());  // larger than the pool
}

// Issue 13: the handshake context's reassembly pool grows from nothing as
// messages need it (HandshakeContext::grow_reassembly_pool), instead of
// holding Config::max_reassembly_bytes for the whole handshake. The growing
// pool must decide exactly as the fixed one did: the same messages stored,
// ignored and evicted, the same bytes delivered, and nothing past its maximum.
namespace {
struct GrowingPool {
  std::vector<uint8_t> bytes;
  std::size_t max = 0;
  int grows = 0;
  static MutableBytes grow(void* self, std::size_t at_least) {
    auto& g = *static_cast<GrowingPool*>(self);
    if (at_least > g.max) return {};
    g.bytes.resize(std::min(std::max(at_least, g.bytes.size() * 2), g.max));
    ++g.grows;
    return MutableBytes(g.bytes.data(), g.bytes.size());
  }
};
}  // namespace

TEST_CASE("reassembler: a growing pool stores, refuses and evicts exactly like a fixed pool of its maximum") {
  const std::size_t max = Reassembler::footprint(1000) * 2;
  std::vector<uint8_t> fixed_pool(max);
  Reassembler fixed;
  fixed.init(fixed_pool, 1000);
  GrowingPool g;
  g.max = max;
  Reassembler growing;
  growing.init_growing({}, max, 1000, GrowingPool::grow, &g);
  CHECK(growing.pool_size() == 0);
  std::vector<uint8_t> a(1000, 0xAA), b(1000, 0xBB), c(1000, 0xCC), d(300, 0xDD);
  struct Step {
    uint8_t type;
    uint32_t length;
    uint16_t seq;
    std::vector<uint8_t> body;
  };
  const std::vector<Step> steps = {
      {11, 1000, 1, b}, {12, 1000, 2, std::vector<uint8_t>(c.begin(), c.begin() + 10)}, {13, 1000, 3, c},
      {2, 1000, 0, a},  {11, 1000, 1, b},  {12, 1000, 2, c},  {14, 300, 3, d},
  };
  for (const Step& st : steps) {
    auto x = fixed.add(frag(st.type, st.length, st.seq, 0, st.body));
    auto y = growing.add(frag(st.type, st.length, st.seq, 0, st.body));
    REQUIRE(x.ok() == y.ok());
    if (x.ok()) CHECK(*x == *y);
    while (fixed.ready()) {
      REQUIRE(growing.ready());
      CHECK(fixed.ready_type() == growing.ready_type());
      CHECK(std::vector<uint8_t>(fixed.ready_body().begin(), fixed.ready_body().end()) ==
            std::vector<uint8_t>(growing.ready_body().begin(), growing.ready_body().end()));
      fixed.advance();
      growing.advance();
    }
    CHECK_FALSE(growing.ready());
    CHECK(growing.pool_size() <= max);
  }
  CHECK(g.grows > 0);
  CHECK(fixed.next_seq() == growing.next_seq());
}

TEST_CASE("handshake header: fragment past the message length is a decode error") {
  std::vector<uint8_t> d = unhex("01 000010 0000 00000e 000004 aabbccdd");
  ByteReader r(d);
  auto f = read_handshake_fragment(r);
  CHECK_FALSE(f.ok());
  std::vector<uint8_t> ok = unhex("01 000010 0003 00000c 000004 aabbccdd");
  ByteReader r2(ok);
  auto g = read_handshake_fragment(r2);
  REQUIRE(g.ok());
  CHECK(g->msg_seq == 3);
  CHECK(g->frag_offset == 12);
  std::vector<uint8_t> short_body = unhex("01 000010 0000 000000 000004 aabbcc");
  ByteReader r3(short_body);
  CHECK_FALSE(read_handshake_fragment(r3).ok());
}

TEST_CASE("extensions: Chrome-like block with unknown extensions parses; duplicates refused") {
  // use_srtp(0001,0008,0007, mki 0), EMS, supported_versions (ignored), key_share-ish (ignored),
  // supported_groups(11ec, 001d, 0017, 0018), renegotiation_info(empty)
  std::vector<uint8_t> block = unhex(
      "0045"
      "000e 0009 0006 0001 0008 0007 00"
      "0017 0000"
      "002b 0005 04 fefc fefd"
      "0033 0006 0004 001d 0000"
      "000a 000a 0008 11ec 001d 0017 0018"
      "ff01 0001 00"
      "000d 0004 0002 0403");
  block[1] = static_cast<uint8_t>(block.size() - 2);
  ByteReader r(block);
  auto e = parse_extensions(r);
  REQUIRE(e.ok());
  CHECK(e->has_srtp);
  CHECK(e->srtp_profiles.count == 3);
  CHECK(e->ems);
  CHECK(e->groups.contains(0x11ec));
  CHECK(e->groups.contains(23));
  CHECK(e->has_renegotiation_info);
  CHECK(e->signature_algorithms.contains(0x0403));
  std::vector<uint8_t> dup = unhex("0008 0017 0000 0017 0000");
  ByteReader rd(dup);
  CHECK_FALSE(parse_extensions(rd).ok());
  std::vector<uint8_t> bad_srtp = unhex("0007 000e 0003 0001 00");
  ByteReader rs(bad_srtp);
  CHECK_FALSE(parse_extensions(rs).ok());
}

TEST_CASE("client hello: write/parse round trip") {
  ClientHello ch;
  ch.version = kVersionDtls12;
  uint8_t random[32] = {1};
  ch.random = random;
  uint8_t cookie[5] = {5, 4, 3, 2, 1};
  ch.cookie = cookie;
  ch.ext.has_srtp = true;
  ch.ext.srtp_profiles.push(7);
  ch.ext.ems = true;
  ch.ext.has_groups = true;
  ch.ext.groups.push(29);
  uint16_t suites[] = {0xC02B, 0xCCA9};
  std::vector<uint8_t> buf(512);
  ByteWriter w(buf);
  write_client_hello(w, ch, suites, 2);
  REQUIRE(!w.failed());
  auto p = parse_client_hello(Bytes(buf.data(), w.size()));
  REQUIRE(p.ok());
  CHECK(p->cookie.size() == 5);
  CHECK(p->cipher_suites.size() == 4);
  CHECK(p->ext.srtp_profiles.contains(7));
  CHECK(p->ext.ems);
  CHECK(p->null_compression);
  int parsed = 0;  // only the cut right before the extensions block is still a valid hello
  for (std::size_t cut = 0; cut < w.size(); ++cut) parsed += parse_client_hello(Bytes(buf.data(), cut)).ok();
  CHECK(parsed == 1);
}

