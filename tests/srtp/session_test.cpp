// SPDX-License-Identifier: Apache-2.0
// Session behaviour: negative tests (every bit flip, truncation, replays),
// failed packets leave no trace, stream limits, key exhaustion, MKI,
// configuration errors, SRTCP with E = 0, ROC handling.
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "keyway/srtp/cipher.hpp"
#include "keyway/srtp/index.hpp"
#include "keyway/srtp/kdf.hpp"
#include "keyway/srtp/session.hpp"
#include "tests/srtp/helpers.hpp"

using namespace keyway;
using namespace keyway::srtp;
using namespace keyway::srtp::testing;

namespace {

std::vector<uint8_t> protect(Session& tx, const std::vector<uint8_t>& plain, bool rtcp) {
  std::vector<uint8_t> buf(plain.size() + kMaxTrailerLen);
  std::copy(plain.begin(), plain.end(), buf.begin());
  auto n = rtcp ? tx.protect_rtcp(buf, plain.size()) : tx.protect_rtp(buf, plain.size());
  REQUIRE(n.ok());
  buf.resize(*n);
  return buf;
}

Result<std::size_t> unprotect(Session& rx, std::vector<uint8_t>& buf, bool rtcp) {
  return rtcp ? rx.unprotect_rtcp(buf, buf.size()) : rx.unprotect_rtp(buf, buf.size());
}

bool contains(const Error& e, const char* what) { return std::string(e.detail).find(what) != std::string::npos; }

void every_bit_flip_is_rejected(Profile p, bool rtcp, std::size_t mki_len) {
  CAPTURE(std::string(profile_info(p).name));
  CAPTURE(rtcp);
  SessionConfig cfg;
  cfg.profile = p;
  cfg.mki_len = mki_len;
  for (std::size_t i = 0; i < mki_len; ++i) cfg.mki[i] = static_cast<uint8_t>(0x40 + i);
  const Master m = make_master(p);
  auto tx = make_session(cfg, Direction::outbound, m);
  auto rx = make_session(cfg, Direction::inbound, m);
  const auto plain = rtcp ? rtcp_packet(0xcafebabe, 5) : rtp_packet(0xcafebabe, 1000, 33, 2, true);
  const auto wire = protect(*tx, plain, rtcp);
  std::size_t rejected = 0;
  for (std::size_t bit = 0; bit < wire.size() * 8; ++bit) {
    auto bad = wire;
    bad[bit / 8] = static_cast<uint8_t>(bad[bit / 8] ^ (1u << (bit % 8)));
    const auto before = bad;
    auto r = unprotect(*rx, bad, rtcp);
    if (!r.ok()) ++rejected;
    CHECK(bad == before);  // a failed packet leaves the buffer as it was
  }
  CHECK(rejected == wire.size() * 8);
  CHECK(rx->stream_count() == 0);  // no forged SSRC got a stream
  CHECK(rx->stats().auth_failures + rx->stats().malformed == wire.size() * 8);
  auto good = wire;
  auto r = unprotect(*rx, good, rtcp);  // nothing above moved the state
  REQUIRE(r.ok());
  good.resize(*r);
  CHECK(good == plain);
}

}  // namespace

TEST_CASE("every single-bit flip of a protected packet is rejected, for every profile") {
  for (Profile p : kAllProfiles) {
    every_bit_flip_is_rejected(p, false, 0);
    every_bit_flip_is_rejected(p, true, 0);
  }
  every_bit_flip_is_rejected(Profile::aes128_cm_sha1_80, false, 4);
  every_bit_flip_is_rejected(Profile::aead_aes128_gcm, true, 4);
}

TEST_CASE("truncated packets are rejected with a clear error") {
  for (Profile p : kAllProfiles) {
    CAPTURE(std::string(profile_info(p).name));
    SessionConfig cfg;
    cfg.profile = p;
    const Master m = make_master(p);
    auto tx = make_session(cfg, Direction::outbound, m);
    auto rx = make_session(cfg, Direction::inbound, m);
    for (bool rtcp : {false, true}) {
      const auto wire = protect(*tx, rtcp ? rtcp_packet(7, 2) : rtp_packet(7, 1, 10), rtcp);
      for (std::size_t len = 0; len < wire.size(); ++len) {
        auto cut = std::vector<uint8_t>(wire.begin(), wire.begin() + static_cast<long>(len));
        auto r = unprotect(*rx, cut, rtcp);
        REQUIRE(!r.ok());
        CHECK((r.error().code == Code::truncated || r.error().code == Code::auth_failed));
      }
      auto tiny = std::vector<uint8_t>(wire.begin(), wire.begin() + 12);
      auto r = unprotect(*rx, tiny, rtcp);
      CHECK(r.error().code == Code::truncated);
      CHECK(contains(r.error(), rtcp ? "SRTCP index and tag" : "header plus authentication tag"));
    }
  }
}

TEST_CASE("replays: duplicates and too-old packets, SRTP and SRTCP, window size configurable") {
  SessionConfig cfg;
  cfg.replay_window = 64;
  const Master m = make_master(cfg.profile);
  auto tx = make_session(cfg, Direction::outbound, m);
  auto rx = make_session(cfg, Direction::inbound, m);
  std::vector<std::vector<uint8_t>> wires;
  for (uint16_t s = 0; s < 200; ++s) wires.push_back(protect(*tx, rtp_packet(9, s, 20), false));
  auto first = wires[199];
  REQUIRE(unprotect(*rx, first, false).ok());
  auto again = wires[199];
  auto dup = unprotect(*rx, again, false);
  CHECK(dup.error().code == Code::replayed);
  CHECK(contains(dup.error(), "duplicate"));
  auto old = wires[199 - 64];
  auto too_old = unprotect(*rx, old, false);
  CHECK(too_old.error().code == Code::too_old);
  auto inside = wires[199 - 63];
  CHECK(unprotect(*rx, inside, false).ok());
  CHECK(rx->stats().replay_duplicates == 1);
  CHECK(rx->stats().replay_too_old == 1);

  // With the default 1024 window, a NACK retransmission 150 packets late is fine.
  SessionConfig wide;
  auto rx2 = make_session(wide, Direction::inbound, m);
  auto w = wires[199];
  REQUIRE(unprotect(*rx2, w, false).ok());
  auto late = wires[49];
  CHECK(unprotect(*rx2, late, false).ok());

  auto c1 = protect(*tx, rtcp_packet(9, 1), true), c1b = c1;
  REQUIRE(unprotect(*rx, c1, true).ok());
  CHECK(unprotect(*rx, c1b, true).error().code == Code::replayed);

  SessionConfig off;
  off.replay_protection = false;
  auto rx3 = make_session(off, Direction::inbound, m);
  auto a = wires[5], b = wires[5];
  CHECK(unprotect(*rx3, a, false).ok());
  CHECK(unprotect(*rx3, b, false).ok());
}

TEST_CASE("unknown SSRC when streams are not auto-created; stream table capacity") {
  SessionConfig cfg;
  cfg.allow_any_ssrc = false;
  cfg.max_streams = 2;
  const Master m = make_master(cfg.profile);
  auto tx = make_session(cfg, Direction::outbound, m);
  auto rx = make_session(cfg, Direction::inbound, m);
  std::vector<uint8_t> buf(100);
  auto plain = rtp_packet(1, 1, 10);
  std::copy(plain.begin(), plain.end(), buf.begin());
  auto r = tx->protect_rtp(buf, plain.size());
  CHECK(r.error().code == Code::unknown_stream);
  REQUIRE(tx->add_stream(1).ok());
  REQUIRE(tx->add_stream(2).ok());
  CHECK(tx->add_stream(3).error().code == Code::capacity);
  auto wire = protect(*tx, plain, false);
  CHECK(unprotect(*rx, wire, false).error().code == Code::unknown_stream);
  CHECK(rx->stats().unknown_ssrc == 1);
  REQUIRE(rx->add_stream(1).ok());
  CHECK(unprotect(*rx, wire, false).ok());
  REQUIRE(rx->remove_stream(1).ok());
  CHECK(rx->stream_count() == 0);

  SessionConfig any;
  any.max_streams = 1;
  auto tx2 = make_session(any, Direction::outbound, m);
  auto rx2 = make_session(any, Direction::inbound, m);
  auto w1 = protect(*tx2, rtp_packet(1, 1, 10), false);
  REQUIRE(unprotect(*rx2, w1, false).ok());
  std::vector<uint8_t> b2(100);
  auto p2 = rtp_packet(2, 1, 10);
  std::copy(p2.begin(), p2.end(), b2.begin());
  CHECK(tx2->protect_rtp(b2, p2.size()).error().code == Code::capacity);
}

TEST_CASE("key-usage limits: the ROC and the SRTCP index never wrap silently") {
  SessionConfig cfg;
  const Master m = make_master(cfg.profile);
  auto tx = make_session(cfg, Direction::outbound, m);
  auto rx = make_session(cfg, Direction::inbound, m);
  REQUIRE(tx->set_roc(5, 0xFFFFFFFF).ok());
  REQUIRE(rx->set_roc(5, 0xFFFFFFFF).ok());
  auto last = protect(*tx, rtp_packet(5, 65535, 10), false);
  CHECK(unprotect(*rx, last, false).ok());
  CHECK(rx->roc(5).value() == 0xFFFFFFFF);
  std::vector<uint8_t> buf(100);
  auto plain = rtp_packet(5, 0, 10);
  std::copy(plain.begin(), plain.end(), buf.begin());
  auto r = tx->protect_rtp(buf, plain.size());
  CHECK(r.error().code == Code::key_exhausted);
  CHECK(contains(r.error(), "2^32"));
  CHECK(tx->stats().key_exhausted == 1);

  REQUIRE(tx->set_srtcp_index(5, kMaxSrtcpIndex).ok());
  auto c = protect(*tx, rtcp_packet(5, 1), true);
  CHECK(unprotect(*rx, c, true).ok());
  auto rtcp = rtcp_packet(5, 1);
  std::copy(rtcp.begin(), rtcp.end(), buf.begin());
  auto rc = tx->protect_rtcp(buf, rtcp.size());
  CHECK(rc.error().code == Code::key_exhausted);
  CHECK(contains(rc.error(), "2^31"));
  CHECK(tx->set_srtcp_index(5, 0x80000000u).error().code == Code::invalid_argument);
}

TEST_CASE("ROC follows the wrap on both sides, and set_roc joins a stream mid-way") {
  SessionConfig cfg;
  cfg.profile = Profile::aead_aes128_gcm;
  const Master m = make_master(cfg.profile);
  auto tx = make_session(cfg, Direction::outbound, m);
  auto rx = make_session(cfg, Direction::inbound, m);
  std::vector<std::vector<uint8_t>> wires;
  for (uint32_t i = 0; i < 20; ++i) wires.push_back(protect(*tx, rtp_packet(3, static_cast<uint16_t>(65530 + i), 8), false));
  CHECK(tx->roc(3).value() == 1);
  const int order[] = {0, 1, 2, 7, 3, 4, 5, 6, 9, 8, 12, 10, 11, 19, 13, 14, 15, 16, 17, 18};
  for (int i : order) {
    auto w = wires[static_cast<std::size_t>(i)];
    CHECK(unprotect(*rx, w, false).ok());
  }
  CHECK(rx->roc(3).value() == 1);

  // A receiver that joins after the wrap must be told the ROC (RFC 3711 §3.3.1).
  auto late = make_session(cfg, Direction::inbound, m);
  auto w = wires[15];
  CHECK(unprotect(*late, w, false).error().code == Code::auth_failed);
  REQUIRE(late->set_roc(3, 1).ok());
  w = wires[15];
  CHECK(unprotect(*late, w, false).ok());
}

TEST_CASE("SRTCP packets sent with E = 0 (not encrypted) are accepted") {
  for (Profile p : {Profile::aes128_cm_sha1_80, Profile::aead_aes128_gcm}) {
    CAPTURE(std::string(profile_info(p).name));
    const Master m = make_master(p);
    const ProfileInfo& info = profile_info(p);
    SessionKeys keys;
    REQUIRE(derive_session_keys(info, m.key, m.salt, true, keys).ok());
    PacketCipher c;
    REQUIRE(c.init(info, keys, info.rtcp_tag_len).ok());
    const auto plain = rtcp_packet(0x1234, 3);
    std::vector<uint8_t> wire = plain;
    const uint8_t index[4] = {0x00, 0x00, 0x00, 0x2a};  // E = 0, index 42
    if (info.aead) {
      uint8_t iv[12], tag[16];
      c.gcm_iv(0x1234, 42, iv);
      std::vector<uint8_t> aad = plain;
      aad.insert(aad.end(), index, index + 4);
      REQUIRE(c.gcm().seal(iv, aad, {}, tag).ok());
      wire.insert(wire.end(), tag, tag + 16);
      wire.insert(wire.end(), index, index + 4);
    } else {
      wire.insert(wire.end(), index, index + 4);
      uint8_t mac[20];
      c.mac(wire, {}, mac);
      wire.insert(wire.end(), mac, mac + 10);
    }
    SessionConfig cfg;
    cfg.profile = p;
    auto rx = make_session(cfg, Direction::inbound, m);
    auto bad = wire;
    bad[10] ^= 1;
    const auto before = bad;
    CHECK(rx->unprotect_rtcp(bad, bad.size()).error().code == Code::auth_failed);
    CHECK(bad == before);
    auto good = wire;
    auto r = rx->unprotect_rtcp(good, good.size());
    REQUIRE(r.ok());
    good.resize(*r);
    CHECK(good == plain);
  }
}

TEST_CASE("misuse and configuration errors") {
  SessionConfig cfg;
  const Master m = make_master(cfg.profile);
  Session s;
  std::vector<uint8_t> buf(64);
  CHECK(s.protect_rtp(buf, 20).error().code == Code::bad_state);
  cfg.replay_window = 100;
  CHECK(s.init(cfg, m.key, m.salt).error().code == Code::invalid_argument);
  cfg.replay_window = 65536;
  CHECK(s.init(cfg, m.key, m.salt).error().code == Code::invalid_argument);
  cfg.replay_window = 32768;
  CHECK(s.init(cfg, Bytes(m.key).first(15), m.salt).error().code == Code::invalid_argument);
  CHECK(s.init(cfg, m.key, Bytes(m.salt).first(12)).error().code == Code::invalid_argument);
  cfg.mki_len = 17;
  CHECK(s.init(cfg, m.key, m.salt).error().code == Code::invalid_argument);
  cfg.mki_len = 0;
  REQUIRE(s.init(cfg, m.key, m.salt).ok());
  auto plain = rtp_packet(1, 1, 10);
  std::copy(plain.begin(), plain.end(), buf.begin());
  CHECK(s.unprotect_rtp(buf, plain.size()).error().code == Code::bad_state);  // outbound session
  CHECK(s.protect_rtp(buf, 65).error().code == Code::invalid_argument);
  CHECK(s.protect_rtp({buf.data(), plain.size() + 9}, plain.size()).error().code == Code::buffer_too_small);
  CHECK(s.protect_rtp({buf.data(), plain.size() + 10}, plain.size()).value() == plain.size() + 10);
  CHECK(s.rtp_overhead() == 10);
  CHECK(s.rtcp_overhead() == 14);
}

TEST_CASE("the sender refuses to protect the same index twice (keystream / GCM nonce reuse)") {
  for (Profile p : {Profile::aes128_cm_sha1_80, Profile::aead_aes128_gcm}) {
    SessionConfig cfg;
    cfg.profile = p;
    const Master m = make_master(p);
    auto tx = make_session(cfg, Direction::outbound, m);
    (void)protect(*tx, rtp_packet(4, 500, 10), false);
    (void)protect(*tx, rtp_packet(4, 499, 10), false);  // reordered send is fine
    std::vector<uint8_t> buf(100);
    auto again = rtp_packet(4, 500, 12);
    std::copy(again.begin(), again.end(), buf.begin());
    auto r = tx->protect_rtp(buf, again.size());
    CHECK(r.error().code == Code::replayed);
    CHECK(contains(r.error(), "already protected"));
    CHECK(std::equal(again.begin(), again.end(), buf.begin()));  // untouched
    cfg.allow_repeat_tx = true;
    auto rtx = make_session(cfg, Direction::outbound, m);
    (void)protect(*rtx, rtp_packet(4, 500, 10), false);
    (void)protect(*rtx, rtp_packet(4, 500, 10), false);
  }
}

TEST_CASE("a wrong MKI is refused like a bad tag") {
  SessionConfig cfg;
  cfg.mki_len = 2;
  cfg.mki[0] = 1;
  cfg.mki[1] = 2;
  const Master m = make_master(cfg.profile);
  auto tx = make_session(cfg, Direction::outbound, m);
  cfg.mki[1] = 3;
  auto rx = make_session(cfg, Direction::inbound, m);
  auto w = protect(*tx, rtp_packet(1, 1, 10), false);
  CHECK(w.size() == 12 + 10 + 2 + 10);
  auto r = unprotect(*rx, w, false);
  CHECK(r.error().code == Code::auth_failed);
  CHECK(contains(r.error(), "mki"));
}

TEST_CASE("errors format as layer: code: detail") {
  char text[160];
  format_error(make_error(Layer::srtp, Code::replayed, "srtp: replayed packet (duplicate index)"), text, sizeof text);
  CHECK(std::string(text) == "srtp: replayed: srtp: replayed packet (duplicate index)");
}

// Issue 13: every SSRC of a call holds a Stream (two replay windows) and
// every call two Sessions, each with two PacketCiphers. Before: a window
// held a std::span (16 bytes) and a Stream was 88 bytes, a PacketCipher 64
// (a size_t tag length after the salt), a SessionConfig 64 (bools between
// its sizes), a Session 344. Same windows, same behaviour: the session tests
// above run unchanged.
TEST_CASE("srtp: per-stream and per-session state is packed (issue 13)") {
  CHECK(sizeof(ReplayWindow) <= 24);
  CHECK(sizeof(Stream) <= 72);
  CHECK(sizeof(PacketCipher) <= 48);
  CHECK(sizeof(SessionConfig) <= 48);
  CHECK(sizeof(Session) <= 280);
  // A window still covers what it was given.
  uint64_t words[4] = {};
  ReplayWindow w(words);
  CHECK(w.size() == 256);
  w.accept(1000);
  CHECK(w.check(1000) == ReplayCheck::duplicate);
  CHECK(w.check(1000 - 255) == ReplayCheck::fresh);
  CHECK(w.check(1000 - 256) == ReplayCheck::too_old);
}

// Issue 13, again (an established call toward 6 KiB): a call holds four
// PacketCiphers and, with audio + video, 4 + 4 stream slots. Before: a
// PacketCipher kept the salt twice (the bytes and the two IV halves) and a
// pointer per transform (48 bytes); a replay window kept its highest index,
// word count and started flag in 16 bytes beside its pointer (24), so a
// Stream was 72 bytes; a StreamTable 40. Same behaviour: the windows above
// and the vectors run unchanged.
TEST_CASE("srtp: one transform pointer, one word of window state (issue 13, 6 KiB)") {
  CHECK(sizeof(PacketCipher) <= 32);
  CHECK(sizeof(ReplayWindow) <= 16);
  CHECK(sizeof(Stream) <= 56);
  CHECK(sizeof(StreamTable) <= 32);
  // The packed state covers the whole index space and the largest window.
  std::vector<uint64_t> words(kMaxReplayWindow / 64);
  ReplayWindow w(words);
  CHECK(w.size() == kMaxReplayWindow);
  CHECK(!w.started());
  const uint64_t top = ReplayWindow::kMaxIndex;
  CHECK(w.check(top) == ReplayCheck::fresh);
  w.accept(top);
  CHECK(w.started());
  CHECK(w.highest() == top);
  CHECK(w.size() == kMaxReplayWindow);
  CHECK(w.check(top) == ReplayCheck::duplicate);
  CHECK(w.check(top - (kMaxReplayWindow - 1)) == ReplayCheck::fresh);
  CHECK(w.check(top - kMaxReplayWindow) == ReplayCheck::too_old);
  w.reset();
  CHECK((!w.started() && w.highest() == 0 && w.size() == kMaxReplayWindow));
}
