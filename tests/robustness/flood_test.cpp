// SPDX-License-Identifier: Apache-2.0
// Issue 7, floods of hostile packets: one million STUN datagrams with bad or
// random integrity at the ICE agent of a connected call, one million random
// SRTP and one million random SRTCP packets at inbound sessions (100,000
// each under ASan). Many are plausible, so that the MESSAGE-INTEGRITY or
// SRTP tag check is really reached: the right USERNAME and a valid
// FINGERPRINT for STUN; a valid header, a known SSRC and an index near the
// real one for SRTP/SRTCP. Nothing may be accepted and nothing but drop
// counters may change (RFC 3711 §3.3.2: the replay window and ROC move only
// after authentication; RFC 8445 §7.3: a request failing integrity is
// rejected before any ICE processing); legitimate packets still work after.
#include <doctest/doctest.h>
#include <fmt/core.h>

#include <cstring>
#include <string>
#include <vector>

#include "keyway/ice/stun/attributes.hpp"
#include "keyway/ice/stun/builder.hpp"
#include "keyway/srtp/keying.hpp"
#include "keyway/srtp/session.hpp"
#include "tests/peer/call_sim.hpp"
#include "tests/robustness/sweep_common.hpp"

using namespace keyway;
using namespace keyway::robustness;
using keyway::peer_test::CallSim;

namespace {

uint64_t flood_count() { return scaled_count("KEYWAY_FLOOD_PACKETS", 1'000'000, 100'000); }

// Everything observable about B's ICE agent and connection except counters
// of dropped input and a pair's last_sent: that records B's own
// transmissions (the keep-alive clock of RFC 8445 §11), and B does answer a
// request without MESSAGE-INTEGRITY or USERNAME with a 400 (RFC 8489
// §9.1.3), which really is a packet sent on that 5-tuple.
std::string ice_snapshot(const peer::Connection& c) {
  const ice::Agent& a = c.ice();
  std::string s = fmt::format("conn={} ice={} controlling={} selected={} ", peer::to_string(c.state()),
                              ice::to_string(a.state()), a.controlling(), a.has_selected());
  auto addr = [](const ice::SocketAddr& x) {
    std::string r = fmt::format("{}:", x.port);
    for (auto b : x.ip) r += fmt::format("{:02x}", b);
    return r;
  };
  s += addr(a.selected_local()) + ">" + addr(a.selected_remote()) + " ";
  for (const auto& l : a.local_candidates()) s += "L" + addr(l.address) + fmt::format("/{} ", l.priority);
  for (const auto& r : a.remote_candidates()) s += "R" + addr(r.address) + fmt::format("/{} ", r.priority);
  for (const auto& p : a.pairs()) {
    s += fmt::format("P{}-{} st={} pri={} valid={} nom={} tx={} fail={} rtt={} next={} txid=", p.local,
                     p.remote, static_cast<int>(p.state), p.priority, p.valid, p.nominated, p.transmits,
                     static_cast<int>(p.failure), p.rtt ? p.rtt->as_micros() : -1, p.next_retransmit.as_micros());
    for (auto b : p.txid.bytes) s += fmt::format("{:02x}", b);
    s += " ";
  }
  const auto& st = a.stats();
  s += fmt::format("checks={} retx={} req={} resp={} consent={} keepalive={} conflicts={} ", st.checks_sent,
                   st.retransmits, st.requests_received, st.responses_received, st.consent_checks_sent,
                   st.keepalives_sent, st.role_conflicts);
  const auto& srtp = c.stats().srtp;
  s += fmt::format("rtp_rx={} rtcp_rx={} dtls={} tie={}", srtp.rtp_received, srtp.rtcp_received,
                   c.summary().dtls_state, a.tie_breaker());
  return s;
}

}  // namespace

TEST_CASE("flood: one million STUN datagrams with bad integrity at a connected call's ICE agent") {
  peer_test::Options o;
  o.seed = 77;
  o.record_events = false;
  CallSim c(o);
  REQUIRE(c.negotiate());
  REQUIRE(c.run_until([&] { return c.connected(); }, Duration::seconds(10)));
  peer::Connection& b = *c.b().conn;
  // Run until B's first consent check (RFC 7675) is on the wire: the flood
  // then arrives while that transaction is outstanding, and forged answers
  // carry its transaction id, so the response's MESSAGE-INTEGRITY check is
  // reached too. The real answer must still be accepted afterwards.
  uint32_t consent0 = b.ice().stats().consent_checks_sent;
  REQUIRE(c.run_until([&] { return b.ice().stats().consent_checks_sent > consent0; }, Duration::seconds(10)));
  ice::stun::TransactionId live{};
  bool found = false;
  for (const auto& d : c.net().in_flight())
    if (d.from == 2 && d.bytes.size() >= 20 && d.bytes[0] == 0x00 && d.bytes[1] == 0x01) {
      std::memcpy(live.bytes, d.bytes.data() + 8, sizeof live.bytes);
      found = true;
    }
  REQUIRE(found);
  Timestamp now = c.now();
  uint8_t buf[1500], scratch[2048];
  // B's own timers due now fire first (forwarded to A as usual), so that
  // the snapshot holds still while the flood arrives at this one instant.
  b.handle_timeout(now);
  for (;;) {
    peer::Output out = b.poll_output(now, scratch);
    if (out.kind == peer::Output::Kind::timeout) break;
    if (out.kind == peer::Output::Kind::transmit) c.inject(c.b(), out.transmit.bytes.data(), out.transmit.bytes.size());
  }
  const std::string before = ice_snapshot(b);
  const auto stats_before = b.ice().stats();
  // What B expects in USERNAME: "<B ufrag>:<A ufrag>" (RFC 8445 §7.2.2).
  std::string user = std::string(b.ice().local_credentials().ufrag_view()) + ":" +
                     std::string(c.a().conn->ice().local_credentials().ufrag_view());
  std::string wrong_pwd = "wrong-password-0123456789";
  crypto::HmacSha1 wrong_key({reinterpret_cast<const uint8_t*>(wrong_pwd.data()), wrong_pwd.size()});

  SeededRng rng(0xF100D);
  uint64_t n = flood_count();
  uint64_t kinds[5] = {};
  uint64_t transmits = 0, error_answers = 0, live_answers = 0;
  for (uint64_t i = 0; i < n; ++i) {
    int kind = static_cast<int>(rng.uniform(5));
    kinds[kind]++;
    std::size_t len = 0;
    ice::SocketAddr from = rng.uniform(2) ? c.a().addr : ice::SocketAddr::v4(127, 0, 0, 1, static_cast<uint16_t>(1024 + rng.uniform(60000)));
    if (kind == 0) {  // random bytes in the STUN range of RFC 7983 (first byte 0..3)
      len = rng.uniform(600);
      rng.fill({buf, len});
      if (len > 0) buf[0] &= 0x03;
      if (len >= 8 && rng.uniform(2)) {  // with the magic cookie
        buf[4] = 0x21, buf[5] = 0x12, buf[6] = 0xA4, buf[7] = 0x42;
      }
    } else {
      ice::stun::TransactionId txid;
      rng.fill(txid.bytes);
      if (kind == 3 && rng.uniform(2)) {  // half the responses answer the live consent check
        txid = live;
        from = c.a().addr;
        live_answers++;
      }
      bool request = kind != 3;
      uint16_t type = ice::stun::message_type(ice::stun::kMethodBinding,
                                              request ? ice::stun::Class::request : ice::stun::Class::success);
      ice::stun::Builder w({buf, sizeof buf}, type, txid);
      if (request) {
        w.add_text(ice::stun::attr::kUsername, user);
        w.add_u32(ice::stun::attr::kPriority, rng.next_u32());
        // Either role: ICE-CONTROLLED from a "peer" would be a role conflict if it counted.
        w.add_u64(rng.uniform(2) ? ice::stun::attr::kIceControlling : ice::stun::attr::kIceControlled, rng.next_u64());
        if (rng.uniform(2)) w.add_flag(ice::stun::attr::kUseCandidate);
      } else {
        w.add_xor_address(ice::stun::attr::kXorMappedAddress, ice::SocketAddr::v4(127, 0, 0, 1, static_cast<uint16_t>(rng.next_u32())));
      }
      if (kind == 1 || kind == 3) {
        w.add_message_integrity(wrong_key);  // a real HMAC, with the wrong password
      } else {
        uint8_t mac[20];
        rng.fill(mac);
        w.add_bytes(ice::stun::attr::kMessageIntegrity, {mac, sizeof mac});  // random bytes as the MAC
      }
      w.add_fingerprint();  // valid: the integrity check is reached
      auto m = w.finish();
      if (!m.ok()) FAIL("stun builder: ", m.error().detail);
      len = m->size();
      if (kind == 4) {  // and some with one byte garbled after the fact
        std::size_t at = rng.uniform(static_cast<uint32_t>(len));
        buf[at] = static_cast<uint8_t>(buf[at] ^ (1 + rng.uniform(255)));
      }
    }
    b.handle_datagram(now, MutableBytes(buf, len), from, c.b().addr);
    // Answers (401 and the like) go to the attacker: drained and dropped.
    for (;;) {
      peer::Output out = b.poll_output(now, scratch);
      if (out.kind == peer::Output::Kind::timeout) break;
      if (out.kind == peer::Output::Kind::transmit) {
        transmits++;
        Bytes t = out.transmit.bytes;
        if (t.size() >= 2 && ice::stun::class_of(static_cast<uint16_t>((t[0] << 8) | t[1])) == ice::stun::Class::error)
          error_answers++;
      }
      if (out.kind == peer::Output::Kind::event) FAIL("the flood produced an event: ", peer::to_string(out.event.kind));
    }
  }
  const std::string after = ice_snapshot(b);
  const auto& sa = b.ice().stats();
  fmt::print("flood stun datagrams={}{} random={} wrong_key_requests={} random_mac_requests={} wrong_key_responses={} "
             "garbled={} answers_to_live_consent_txid={} accepted_requests={} accepted_responses={} integrity_failures={} malformed={} "
             "unknown_transactions={} dropped={} answers_sent={} error_answers={} state_unchanged={}\n",
             n, build_note(), kinds[0], kinds[1], kinds[2], kinds[3], kinds[4], live_answers,
             sa.requests_received - stats_before.requests_received,
             sa.responses_received - stats_before.responses_received,
             sa.integrity_failures - stats_before.integrity_failures, sa.malformed - stats_before.malformed,
             sa.unknown_transactions - stats_before.unknown_transactions, sa.dropped - stats_before.dropped,
             transmits, error_answers, before == after);
  CHECK(before == after);
  if (before != after) fmt::print("before: {}\nafter:  {}\n", before, after);
  CHECK(sa.requests_received == stats_before.requests_received);
  CHECK(sa.responses_received == stats_before.responses_received);
  // Forged answers to the live consent check reached its MESSAGE-INTEGRITY
  // check (ice/agent_consent.cpp then also counts them as unknown
  // transactions: one packet, two counters).
  CHECK(sa.integrity_failures - stats_before.integrity_failures >= live_answers);
  CHECK(sa.integrity_failures > stats_before.integrity_failures);
  // Legitimate traffic still works: consent checks (every ~5 s) and media, for 12 s.
  uint64_t req = sa.requests_received, resp = sa.responses_received;
  o.media_interval = Duration::millis(20);
  uint64_t rtp_a = c.a().rtp_received, rtp_b = c.b().rtp_received;
  for (int i = 0; i < 20; ++i) {
    REQUIRE(c.send_rtp(c.a()).ok());
    REQUIRE(c.send_rtp(c.b()).ok());
  }
  c.run_until([] { return false; }, Duration::seconds(12));
  CHECK(c.connected());
  CHECK(b.ice().stats().requests_received > req);   // A's consent checks accepted
  CHECK(b.ice().stats().responses_received > resp); // answers to B's own
  CHECK(c.b().rtp_received == rtp_b + 20);
  CHECK(c.a().rtp_received == rtp_a + 20);
}

namespace {

constexpr uint32_t kS1 = 0xCAFE0001, kS2 = 0xCAFE0002;
constexpr uint16_t kS1Seq = 65500;  // S1's legitimate stream crosses the wrap at index 36

std::vector<uint8_t> rtp_packet(uint32_t ssrc, uint16_t seq, uint64_t index) {
  std::vector<uint8_t> p(12 + 120);
  p[0] = 0x80, p[1] = 111, p[2] = static_cast<uint8_t>(seq >> 8), p[3] = static_cast<uint8_t>(seq);
  for (int i = 0; i < 4; ++i) p[8 + i] = static_cast<uint8_t>(ssrc >> (24 - 8 * i));
  for (std::size_t j = 12; j < p.size(); ++j) p[j] = static_cast<uint8_t>(index + j);
  return p;
}
std::vector<uint8_t> rtcp_packet(uint32_t ssrc, uint32_t n) {
  std::vector<uint8_t> p(28, 0);
  p[0] = 0x80, p[1] = 200, p[3] = 6;
  for (int i = 0; i < 4; ++i) p[4 + i] = static_cast<uint8_t>(ssrc >> (24 - 8 * i));
  p[27] = static_cast<uint8_t>(n);
  return p;
}

struct SrtpPair {
  srtp::Profile profile;
  srtp::Session tx, rx;
  explicit SrtpPair(srtp::Profile p) : profile(p) {
    std::vector<uint8_t> material(srtp::dtls_srtp_material_len(p));
    SeededRng r(0x5A17 + static_cast<uint64_t>(p));
    r.fill(material);
    auto k = srtp::split_dtls_srtp_material(p, material, true);
    REQUIRE(k.ok());
    srtp::SessionConfig c;
    c.profile = p;
    c.replay_window = 64;  // the RFC 3711 minimum: the easiest window to push
    c.direction = srtp::Direction::outbound;
    REQUIRE(tx.init(c, k->local_key, k->local_salt).ok());
    c.direction = srtp::Direction::inbound;
    REQUIRE(rx.init(c, k->local_key, k->local_salt).ok());
  }
  std::vector<uint8_t> protect(std::vector<uint8_t> p, bool rtcp) {
    std::size_t n = p.size();
    p.resize(n + srtp::kMaxTrailerLen);
    auto r = rtcp ? tx.protect_rtcp(p, n) : tx.protect_rtp(p, n);
    REQUIRE(r.ok());
    p.resize(*r);
    return p;
  }
  bool deliver(std::vector<uint8_t> p, bool rtcp) {
    auto r = rtcp ? rx.unprotect_rtcp(p, p.size()) : rx.unprotect_rtp(p, p.size());
    return r.ok();
  }
  // What the receiver shows besides its drop counters.
  std::string snapshot() const {
    auto roc = [&](uint32_t s) { auto r = rx.roc(s); return r.ok() ? static_cast<int64_t>(*r) : -1; };
    return fmt::format("streams={} roc1={} roc2={} rtp={} rtcp={}", rx.stream_count(), roc(kS1), roc(kS2),
                       rx.stats().rtp_packets, rx.stats().rtcp_packets);
  }
};

uint64_t drops(const srtp::SessionStats& s) {
  return s.auth_failures + s.replay_duplicates + s.replay_too_old + s.malformed + s.unknown_ssrc + s.key_exhausted +
         s.other_errors;
}

void put_u32(uint8_t* b, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[i] = static_cast<uint8_t>(v >> (24 - 8 * i));
}

void srtp_flood(srtp::Profile profile, uint64_t n) {
  SrtpPair s(profile);
  const auto& info = srtp::profile_info(profile);
  // The legitimate streams: S1 indices 0..99 (held back: 60 and 99), S2 0..9.
  std::vector<std::vector<uint8_t>> s1(100);
  for (uint64_t i = 0; i < 100; ++i) s1[i] = s.protect(rtp_packet(kS1, static_cast<uint16_t>(kS1Seq + i), i), false);
  for (uint64_t i = 0; i < 100; ++i)
    if (i != 60 && i != 99) REQUIRE(s.deliver(s1[i], false));
  for (uint64_t i = 0; i < 10; ++i) REQUIRE(s.deliver(s.protect(rtp_packet(kS2, static_cast<uint16_t>(100 + i), i), false), false));
  const std::string before = s.snapshot();
  const uint64_t drops_before = drops(s.rx.stats());

  SeededRng rng(0x5F100D + static_cast<uint64_t>(profile));
  uint64_t accepted = 0, kinds[6] = {};
  uint8_t buf[512];
  for (uint64_t i = 0; i < n; ++i) {
    int kind = static_cast<int>(rng.uniform(6));
    kinds[kind]++;
    std::size_t len = 0;
    if (kind == 0) {  // random bytes
      len = rng.uniform(300);
      rng.fill({buf, len});
    } else if (kind == 1 || kind == 5) {  // a valid-looking header with anything in it
      len = 12 + rng.uniform(300);
      rng.fill({buf, len});
      buf[0] = static_cast<uint8_t>(0x80 | (buf[0] & 0x3F));  // V=2; P, X, CC random
      if (kind == 5) buf[0] = 0x80, put_u32(buf + 8, rng.next_u32());  // plain header, unknown SSRC
    } else if (kind == 2) {  // S1, near or far ahead of the real index: the tag check is reached
      len = 12 + 20 + info.rtp_tag_len + rng.uniform(180);
      rng.fill({buf, len});
      buf[0] = 0x80, buf[1] = 111;
      int64_t delta = static_cast<int64_t>(rng.uniform(40200)) - 200;
      uint16_t seq = static_cast<uint16_t>(kS1Seq + 98 + delta);
      buf[2] = static_cast<uint8_t>(seq >> 8), buf[3] = static_cast<uint8_t>(seq);
      put_u32(buf + 8, kS1);
    } else if (kind == 3) {  // the real index 99 with one bit flipped
      len = s1[99].size();
      std::memcpy(buf, s1[99].data(), len);
      uint32_t bit = rng.uniform(static_cast<uint32_t>(len * 8));
      buf[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    } else {  // replays of accepted packets
      const auto& p = s1[rng.uniform(60)];
      len = p.size();
      std::memcpy(buf, p.data(), len);
    }
    if (s.rx.unprotect_rtp({buf, sizeof buf}, len).ok()) accepted++;
  }
  const std::string after = s.snapshot();
  const uint64_t dropped = drops(s.rx.stats()) - drops_before;
  // Afterwards: the held-back index 60 is still inside the window, 99 and a
  // new 100 are accepted, a replay is refused, S1 and S2 keep their ROC.
  bool late_ok = s.deliver(s1[60], false), last_ok = s.deliver(s1[99], false);
  bool next_ok = s.deliver(s.protect(rtp_packet(kS1, static_cast<uint16_t>(kS1Seq + 100), 100), false), false);
  bool replay_refused = !s.deliver(s1[42], false);
  fmt::print("flood srtp profile={} packets={}{} random={} header_only={} known_ssrc={} bitflipped_real={} replays={} "
             "unknown_ssrc={} accepted={} dropped_counted={} auth_failures={} malformed={} replay_dup={} "
             "replay_old={} state_unchanged={} after: held_back_accepted={} next_accepted={} replay_refused={}\n",
             info.name, n, build_note(), kinds[0], kinds[1], kinds[2], kinds[3], kinds[4], kinds[5], accepted, dropped,
             s.rx.stats().auth_failures, s.rx.stats().malformed, s.rx.stats().replay_duplicates,
             s.rx.stats().replay_too_old, before == after, late_ok && last_ok, next_ok, replay_refused);
  if (before != after) fmt::print("before: {}\nafter:  {}\n", before, after);
  CHECK(accepted == 0);
  CHECK(dropped == n);  // every packet counted exactly once
  CHECK(before == after);
  CHECK(late_ok);
  CHECK(last_ok);
  CHECK(next_ok);
  CHECK(replay_refused);
  CHECK(s.rx.stream_count() == 2);
}

void srtcp_flood(srtp::Profile profile, uint64_t n) {
  SrtpPair s(profile);
  const auto& info = srtp::profile_info(profile);
  std::vector<std::vector<uint8_t>> r1(21);
  for (uint32_t i = 1; i <= 20; ++i) r1[i] = s.protect(rtcp_packet(kS1, i), true);
  for (uint32_t i = 1; i <= 20; ++i)
    if (i != 10 && i != 20) REQUIRE(s.deliver(r1[i], true));
  const std::string before = s.snapshot();
  const uint64_t drops_before = drops(s.rx.stats());
  SeededRng rng(0x5FC0 + static_cast<uint64_t>(profile));
  uint64_t accepted = 0, kinds[5] = {};
  uint8_t buf[512];
  for (uint64_t i = 0; i < n; ++i) {
    int kind = static_cast<int>(rng.uniform(5));
    kinds[kind]++;
    std::size_t len = 0;
    if (kind == 0) {
      len = rng.uniform(300);
      rng.fill({buf, len});
    } else if (kind == 1 || kind == 2) {
      // A report with a consistent length field; kind 2: S1 and an SRTCP
      // index near the real one or anywhere, E set, the trailer where the
      // profile puts it (RFC 3711 §3.4; RFC 7714 §9: after the AEAD tag).
      std::size_t body = 4 * (1 + rng.uniform(40));
      len = 4 + body + 4 + info.rtcp_tag_len;
      rng.fill({buf, len});
      buf[0] = static_cast<uint8_t>(0x80 | (buf[0] & 0x1F));
      buf[1] = static_cast<uint8_t>(200 + rng.uniform(5));
      uint16_t words = static_cast<uint16_t>(body / 4);
      buf[2] = static_cast<uint8_t>(words >> 8), buf[3] = static_cast<uint8_t>(words);
      if (kind == 2) {
        put_u32(buf + 4, kS1);
        uint32_t index = rng.uniform(2) ? 20 + rng.uniform(200) - 30 : rng.next_u32() & 0x7FFFFFFF;
        std::size_t at = info.aead ? 4 + body + info.rtcp_tag_len : 4 + body;
        put_u32(buf + at, 0x80000000u | index);
      }
    } else if (kind == 3) {
      len = r1[20].size();
      std::memcpy(buf, r1[20].data(), len);
      uint32_t bit = rng.uniform(static_cast<uint32_t>(len * 8));
      buf[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    } else {
      const auto& p = r1[1 + rng.uniform(9)];
      len = p.size();
      std::memcpy(buf, p.data(), len);
    }
    if (s.rx.unprotect_rtcp({buf, sizeof buf}, len).ok()) accepted++;
  }
  const std::string after = s.snapshot();
  const uint64_t dropped = drops(s.rx.stats()) - drops_before;
  bool late_ok = s.deliver(r1[10], true), last_ok = s.deliver(r1[20], true);
  bool next_ok = s.deliver(s.protect(rtcp_packet(kS1, 21), true), true);
  bool replay_refused = !s.deliver(r1[5], true);
  fmt::print("flood srtcp profile={} packets={}{} random={} plausible_any_ssrc={} known_ssrc_near_index={} "
             "bitflipped_real={} replays={} accepted={} dropped_counted={} auth_failures={} malformed={} replay_dup={} "
             "replay_old={} state_unchanged={} after: held_back_accepted={} next_accepted={} replay_refused={}\n",
             info.name, n, build_note(), kinds[0], kinds[1], kinds[2], kinds[3], kinds[4], accepted, dropped,
             s.rx.stats().auth_failures, s.rx.stats().malformed, s.rx.stats().replay_duplicates,
             s.rx.stats().replay_too_old, before == after, late_ok && last_ok, next_ok, replay_refused);
  if (before != after) fmt::print("before: {}\nafter:  {}\n", before, after);
  CHECK(accepted == 0);
  CHECK(dropped == n);
  CHECK(before == after);
  CHECK(late_ok);
  CHECK(last_ok);
  CHECK(next_ok);
  CHECK(replay_refused);
  CHECK(s.rx.stream_count() == 1);
}

}  // namespace

// One million each in total: half with AEAD_AES_128_GCM, half with
// AES_CM_128_HMAC_SHA1_80.
TEST_CASE("flood: one million random SRTP packets at inbound sessions") {
  uint64_t n = flood_count();
  srtp_flood(srtp::Profile::aead_aes128_gcm, n / 2);
  srtp_flood(srtp::Profile::aes128_cm_sha1_80, n - n / 2);
}

TEST_CASE("flood: one million random SRTCP packets at inbound sessions") {
  uint64_t n = flood_count();
  srtcp_flood(srtp::Profile::aead_aes128_gcm, n / 2);
  srtcp_flood(srtp::Profile::aes128_cm_sha1_80, n - n / 2);
}
