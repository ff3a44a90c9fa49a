// SPDX-License-Identifier: Apache-2.0
// Issue 7, a long call in virtual time: srtp::Sessions directly over
// sim::Netem (not the whole chain: peer::Connection sends one SSRC per
// medium, and this test wants three per direction), keyed like the chain:
// one DTLS handshake (tests/support/dtls_sim.hpp), the "EXTRACTOR-dtls_srtp"
// exporter, the RFC 5764 §4.2 split.
//
// Each direction carries 3 SSRCs x 140,000 RTP packets (> 2^17, so each
// 16-bit sequence number wraps two or three times; one SSRC starts 40
// packets before the wrap so reordering crosses it at once; 15,000 under
// ASan, where two SSRCs still wrap once) at 1 ms spacing, plus an SRTCP
// sender report per SSRC every 100 ms, with loss, duplication, reordering,
// jitter and rare stragglers held back 200 ms. Direction A->B uses the RFC
// 3711 minimum replay window (64), B->A keyway's default (1024).
//
// A model of RFC 3711 §3.3.2 predicts each delivered packet: already
// accepted -> rejected as a duplicate; 'window' or more indices behind the
// highest accepted -> may be rejected as too old (stragglers behind a
// 64-packet window are); otherwise accepted, with exactly the bytes sent.
// The test requires the session to agree with the model on every packet.
#include <doctest/doctest.h>
#include <fmt/core.h>

#include <array>
#include <cstring>
#include <vector>

#include "keyway/srtp/keying.hpp"
#include "keyway/srtp/session.hpp"
#include "tests/robustness/sweep_common.hpp"
#include "tests/support/dtls_sim.hpp"

using namespace keyway;
using namespace keyway::robustness;

namespace {

constexpr int kSsrcs = 3;
constexpr uint32_t kSsrc[2][kSsrcs] = {{0x11110001, 0x11110002, 0x11110003}, {0x22220001, 0x22220002, 0x22220003}};
constexpr uint16_t kFirstSeq[kSsrcs] = {65535 - 40, 1000, 58000};
constexpr std::size_t kPayload = 160;

// Exporter output from a real DTLS handshake; the DTLS client is side A.
std::vector<uint8_t> chain_keying(srtp::Profile profile, uint64_t seed) {
  sim::DtlsSimOptions o;
  o.seed = seed;
  sim::DtlsSim s(o);
  REQUIRE(s.run_handshake(Duration::seconds(60)));
  REQUIRE(s.a().complete);
  std::vector<uint8_t> ka(srtp::dtls_srtp_material_len(profile)), kb(ka.size());
  REQUIRE(s.a().ep->export_keying_material("EXTRACTOR-dtls_srtp", ka).ok());
  REQUIRE(s.b().ep->export_keying_material("EXTRACTOR-dtls_srtp", kb).ok());
  REQUIRE(ka == kb);
  return ka;
}

std::size_t make_rtp(uint8_t* b, uint32_t ssrc, uint16_t seq, uint64_t index) {
  b[0] = 0x80;
  b[1] = static_cast<uint8_t>(96 + (index % 7 == 0 ? 0x80 : 0));  // marker now and then
  b[2] = static_cast<uint8_t>(seq >> 8);
  b[3] = static_cast<uint8_t>(seq);
  uint32_t ts = static_cast<uint32_t>(index * 960);
  uint32_t words[2] = {ts, ssrc};
  for (int w = 0; w < 2; ++w)
    for (int i = 0; i < 4; ++i) b[4 + 4 * w + i] = static_cast<uint8_t>(words[w] >> (24 - 8 * i));
  for (std::size_t j = 0; j < kPayload; ++j) b[12 + j] = static_cast<uint8_t>(index * 31 + j * 7 + ssrc);
  return 12 + kPayload;
}

std::size_t make_sr(uint8_t* b, uint32_t ssrc, uint64_t n) {
  const uint32_t words[7] = {0x80C80006u, ssrc, static_cast<uint32_t>(n >> 32) ^ 0xE000u, static_cast<uint32_t>(n),
                             static_cast<uint32_t>(n * 96000), static_cast<uint32_t>(n * 100), static_cast<uint32_t>(n * 16000)};
  for (int w = 0; w < 7; ++w)
    for (int i = 0; i < 4; ++i) b[4 * w + i] = static_cast<uint8_t>(words[w] >> (24 - 8 * i));
  return 28;
}

// RFC 3711 §3.3.2 as a model: what the receiver must do with index i.
struct WindowModel {
  std::vector<bool> accepted;
  uint64_t highest = 0;
  bool started = false;
  std::size_t window = 64;
  enum class Expect { accept, duplicate, too_old };
  Expect expect(uint64_t i) const {
    if (i < accepted.size() && accepted[i]) return Expect::duplicate;
    if (started && i < highest && highest - i >= window) return Expect::too_old;
    return Expect::accept;
  }
  void accept(uint64_t i) {
    if (i >= accepted.size()) accepted.resize(i + 1024);
    accepted[i] = true;
    if (!started || i > highest) highest = i;
    started = true;
  }
};

struct DirTally {
  uint64_t rtp_sent = 0, rtcp_sent = 0, delivered = 0, accepted = 0, dup_rejected = 0, old_rejected = 0,
           corrupt_rejected = 0, wrong = 0, accepted_twice = 0, should_accept_rejected = 0, rtcp_accepted = 0;
  uint64_t wraps_crossed = 0;
};

struct Direction {
  srtp::Session tx, rx;
  WindowModel rtp_model[kSsrcs], rtcp_model[kSsrcs];
  DirTally t;
};

// Tag carried by netem: kind (0 RTP, 1 RTCP), SSRC slot, index.
uint64_t tag_of(int kind, int slot, uint64_t index) {
  return (uint64_t(kind) << 62) | (uint64_t(slot) << 56) | index;
}

void deliver(Direction& d, int dir, const sim::Datagram& g) {
  int kind = static_cast<int>(g.tag >> 62);
  int slot = static_cast<int>((g.tag >> 56) & 0x3F);
  uint64_t index = g.tag & ((uint64_t{1} << 56) - 1);
  uint8_t buf[1500];
  std::memcpy(buf, g.bytes.data(), g.bytes.size());
  WindowModel& m = kind == 0 ? d.rtp_model[slot] : d.rtcp_model[slot];
  auto expect = m.expect(index);
  auto got = kind == 0 ? d.rx.unprotect_rtp(buf, g.bytes.size()) : d.rx.unprotect_rtcp(buf, g.bytes.size());
  d.t.delivered++;
  if (!got.ok()) {
    if (g.corrupted) d.t.corrupt_rejected++;
    else if (expect == WindowModel::Expect::duplicate) d.t.dup_rejected++;
    else if (expect == WindowModel::Expect::too_old) d.t.old_rejected++;
    else {
      d.t.should_accept_rejected++;
      if (d.t.should_accept_rejected <= 5)
        fmt::print("  rejected but fresh: dir={} kind={} ssrc={:08x} index={} highest={}: {}\n", dir, kind,
                   kSsrc[dir][slot], index, m.highest, got.error().detail);
    }
    return;
  }
  // Accepted: it must be one the model allows, and byte for byte what was sent.
  if (g.corrupted || expect != WindowModel::Expect::accept) {
    if (expect == WindowModel::Expect::duplicate) d.t.accepted_twice++;
    else d.t.wrong++;
    return;
  }
  uint8_t want[1500];
  std::size_t n = kind == 0 ? make_rtp(want, kSsrc[dir][slot], static_cast<uint16_t>(kFirstSeq[slot] + index), index)
                            : make_sr(want, kSsrc[dir][slot], index);
  if (*got != n || std::memcmp(buf, want, n) != 0) d.t.wrong++;
  m.accept(index);
  d.t.accepted++;
  if (kind == 1) d.t.rtcp_accepted++;
}

struct LongCallResult {
  DirTally t[2];
  bool roc_ok = true;
  srtp::SessionStats rx_stats[2];
};

LongCallResult long_call(srtp::Profile profile, uint64_t packets, const sim::LinkConfig& link, uint64_t seed) {
  auto material = chain_keying(profile, seed);
  Direction dirs[2];
  for (int side = 0; side < 2; ++side) {  // side 0 = A = DTLS client
    auto keys = srtp::split_dtls_srtp_material(profile, material, side == 0);
    REQUIRE(keys.ok());
    srtp::SessionConfig c;
    c.profile = profile;
    c.direction = srtp::Direction::outbound;
    c.replay_window = side == 0 ? 64 : 1024;  // the receiver of A's packets is B
    REQUIRE(dirs[side].tx.init(c, keys->local_key, keys->local_salt).ok());
    // The inbound session of the other side, same window as the sender's direction.
    c.direction = srtp::Direction::inbound;
    auto other = srtp::split_dtls_srtp_material(profile, material, side != 0);
    REQUIRE(other.ok());
    REQUIRE(dirs[side].rx.init(c, other->remote_key, other->remote_salt).ok());
    for (auto& m : dirs[side].rtp_model) m.window = c.replay_window;
    for (auto& m : dirs[side].rtcp_model) m.window = c.replay_window;
  }
  sim::Netem net(seed);
  net.configure_both(1, 2, link);
  Timestamp now = Timestamp::from_micros(1'000'000);
  uint64_t sr_count[2][kSsrcs] = {};
  uint8_t buf[1500];
  for (uint64_t i = 0; i < packets; ++i) {
    for (int dir = 0; dir < 2; ++dir)
      for (int slot = 0; slot < kSsrcs; ++slot) {
        uint16_t seq = static_cast<uint16_t>(kFirstSeq[slot] + i);
        std::size_t n = make_rtp(buf, kSsrc[dir][slot], seq, i);
        auto p = dirs[dir].tx.protect_rtp(buf, n);
        if (!p.ok()) FAIL("protect_rtp: ", p.error().detail);
        net.send(now, dir + 1, 2 - dir, buf, *p, tag_of(0, slot, i));
        dirs[dir].t.rtp_sent++;
        if (i > 0 && seq == 0) dirs[dir].t.wraps_crossed++;
        if (i % 100 == static_cast<uint64_t>(slot) * 33) {  // RTCP throughout, staggered
          uint64_t k = ++sr_count[dir][slot];  // SRTCP index of this report (keyway starts at 1)
          std::size_t m = make_sr(buf, kSsrc[dir][slot], k);
          auto q = dirs[dir].tx.protect_rtcp(buf, m);
          if (!q.ok()) FAIL("protect_rtcp: ", q.error().detail);
          net.send(now, dir + 1, 2 - dir, buf, *q, tag_of(1, slot, k));
          dirs[dir].t.rtcp_sent++;
        }
      }
    now = now + Duration::millis(1);
    while (auto g = net.receive(now)) deliver(dirs[g->from - 1], g->from - 1, *g);
  }
  now = now + Duration::seconds(5);
  while (auto g = net.receive(now)) deliver(dirs[g->from - 1], g->from - 1, *g);

  LongCallResult r;
  for (int dir = 0; dir < 2; ++dir) {
    r.t[dir] = dirs[dir].t;
    for (int slot = 0; slot < kSsrcs; ++slot) {
      // ROC of the highest accepted index: (first seq + index) / 2^16.
      uint64_t h = dirs[dir].rtp_model[slot].highest;
      auto roc = dirs[dir].rx.roc(kSsrc[dir][slot]);
      if (!roc.ok() || *roc != static_cast<uint32_t>((kFirstSeq[slot] + h) >> 16)) r.roc_ok = false;
    }
    r.rx_stats[dir] = dirs[dir].rx.stats();
  }
  return r;
}

void report_and_check(const char* name, srtp::Profile profile, uint64_t packets, const LongCallResult& r,
                      bool corrupt) {
  for (int dir = 0; dir < 2; ++dir) {
    const DirTally& t = r.t[dir];
    fmt::print("{} profile={} dir={} window={} ssrcs={} rtp_per_ssrc={}{} seq_wraps_all_ssrcs={} rtp_sent={} "
               "rtcp_sent={} delivered={} accepted={} rtcp_accepted={} dup_rejected={} too_old_rejected={} "
               "corrupt_rejected={} fresh_rejected={} accepted_twice={} wrong_content={}\n",
               name, srtp::profile_info(profile).name, dir == 0 ? "A->B" : "B->A", dir == 0 ? 64 : 1024, kSsrcs,
               packets, build_note(), t.wraps_crossed, t.rtp_sent, t.rtcp_sent, t.delivered, t.accepted,
               t.rtcp_accepted, t.dup_rejected, t.old_rejected, t.corrupt_rejected, t.should_accept_rejected,
               t.accepted_twice, t.wrong);
    // The session's own counters tell the same story as the model.
    const srtp::SessionStats& st = r.rx_stats[dir];
    CHECK(st.rtp_packets + st.rtcp_packets == t.accepted);
    // (A flipped bit in a sequence number can make a packet look replayed:
    // with corruption only the sum of the drop counters is exact.)
    CHECK(st.replay_duplicates + st.replay_too_old + st.auth_failures + st.malformed + st.other_errors ==
          t.dup_rejected + t.old_rejected + t.corrupt_rejected);
    if (!corrupt) {
      CHECK(st.replay_duplicates == t.dup_rejected);
      CHECK(st.replay_too_old == t.old_rejected);
      CHECK(st.auth_failures == 0);
    }
    CHECK(t.should_accept_rejected == 0);
    CHECK(t.accepted_twice == 0);
    CHECK(t.wrong == 0);
    CHECK(t.dup_rejected > 0);  // netem duplicated some: all were refused
    CHECK(t.rtcp_accepted > 0);
    if (corrupt) CHECK(t.corrupt_rejected > 0);
    if (dir == 1 && !corrupt) CHECK(t.old_rejected == 0);  // 1024 covers a 200 ms straggler
  }
  CHECK(r.roc_ok);
}

sim::LinkConfig long_call_link() {
  sim::LinkConfig l;
  l.loss = 0.02;
  l.duplicate = 0.01;
  l.reorder = 0.05;
  l.reorder_delay = Duration::millis(30);  // ~90 packets of the same direction overtake it
  l.delay = Duration::millis(20);
  l.jitter = Duration::millis(4);
  l.straggle = 0.0005;
  l.straggle_delay = Duration::millis(200);
  return l;
}

}  // namespace

TEST_CASE("long call: 3 SSRCs each way, > 2^17 RTP packets per SSRC across the wrap, SRTCP throughout") {
  // The profile the chain negotiates first (AEAD_AES_128_GCM) and the
  // RFC 5764 mandatory one (AES_CM_128_HMAC_SHA1_80).
  // Under ASan 15,000 per SSRC (two of the three still cross the wrap).
  uint64_t packets = scaled_count("KEYWAY_LONG_CALL_PACKETS", 140'000, 15'000);
  for (srtp::Profile p : {srtp::Profile::aead_aes128_gcm, srtp::Profile::aes128_cm_sha1_80}) {
    auto r = long_call(p, packets, long_call_link(), 7);
    report_and_check("long_call", p, packets, r, false);
  }
}

TEST_CASE("long call with corruption: flipped bits are refused, the rest accepted") {
  uint64_t packets = scaled_count("KEYWAY_LONG_CALL_PACKETS", 20'000, 5'000);
  sim::LinkConfig l = long_call_link();
  l.corrupt = 0.05;
  for (srtp::Profile p : {srtp::Profile::aead_aes128_gcm, srtp::Profile::aes128_cm_sha1_80}) {
    auto r = long_call(p, packets, l, 8);
    report_and_check("long_call_corrupt", p, packets, r, true);
  }
}
