// SPDX-License-Identifier: Apache-2.0
// Trust at the joints (issue 12): DTLS, SRTP and SRTCP are sent only to, and
// accepted only from, a remote address that ICE has validated (RFC 8445
// §7.2.5.3, RFC 7675); ICE-lite timing and consent on the lite side.
#include <doctest/doctest.h>
#include <fmt/core.h>

#include <string>
#include <vector>

#include "keyway/dtls/endpoint.hpp"
#include "tests/peer/call_sim.hpp"

using namespace keyway;
using keyway::peer_test::CallSim;
using keyway::peer_test::Options;
using keyway::peer_test::Side;

namespace {

// Nobody: an address that never took part in an ICE check (127/8, never used).
const ice::SocketAddr kSpoofed = ice::SocketAddr::v4(127, 0, 0, 66, 5000);

sim::LinkConfig rtt50() {
  sim::LinkConfig l;
  l.delay = Duration::millis(25);
  return l;
}

sim::LinkConfig dead() {
  sim::LinkConfig l = rtt50();
  l.loss = 1.0;
  return l;
}

// A genuine ClientHello (any host can make one): a fresh DTLS client's first datagram.
std::vector<uint8_t> any_client_hello() {
  SeededRng rng(99);
  dtls::Config dc;
  dc.role = dtls::Role::client;
  dc.identity = &peer_test::test_identity(0);
  dc.rng = &rng;
  dc.srtp_profiles.push(0x0007);
  dtls::Endpoint e(dc);
  uint8_t scratch[1500];
  Timestamp now = Timestamp::from_micros(1'000'000);
  e.handle_timeout(now);
  for (int i = 0; i < 8; ++i) {
    dtls::Output o = e.poll_output(now, scratch);
    if (o.kind == dtls::Output::Kind::transmit) return {o.transmit.begin(), o.transmit.end()};
    if (o.kind == dtls::Output::Kind::timeout) break;
  }
  return {};
}

// 25 bytes: a plaintext handshake record (epoch 0, record number `seq`)
// holding a ClientHello header with length 0, message_seq 0 — "the peer
// repeated its ClientHello" to a server waiting for the next flight.
std::vector<uint8_t> repeated_hello_record(uint64_t seq) {
  std::vector<uint8_t> r = {22, 0xfe, 0xfd, 0, 0};
  for (int i = 5; i >= 0; --i) r.push_back(static_cast<uint8_t>(seq >> (8 * i)));
  r.insert(r.end(), {0, 12, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  return r;
}

// 15 bytes: a plaintext fatal handshake_failure alert (RFC 5246 §7.2).
std::vector<uint8_t> fatal_alert(uint64_t seq) {
  std::vector<uint8_t> r = {21, 0xfe, 0xfd, 0, 0};
  for (int i = 5; i >= 0; --i) r.push_back(static_cast<uint8_t>(seq >> (8 * i)));
  r.insert(r.end(), {0, 2, 2, 40});
  return r;
}

}  // namespace

// Issue 12, defect 1. Story: any datagram whose first byte was 20..63 went
// to DTLS whatever its source; DTLS answered "where the last DTLS came from"
// until ICE had a valid pair, and cookies are off in calls. With the offerer
// as DTLS server and a peer that never answers ICE checks, one spoofed
// ClientHello drew the whole server flight to the spoofed address, each
// later 25-byte record drew it again (x24 amplification), and a 15-byte
// plaintext alert from anyone ended the call. Now nothing but STUN goes to
// (or is taken from) an address ICE has not validated.
TEST_CASE("peer trust: spoofed DTLS before ICE validates draws nothing, and its alert changes nothing") {
  Options opt;
  opt.link = rtt50();
  opt.setup_for_actpass = sdp::Setup::active;  // B is the DTLS client: A, the offerer, is the server
  CallSim c(opt);
  REQUIRE(c.negotiate());
  Side& a = c.a();
  c.net().configure(2, 1, dead());  // the peer never answers A's checks (nor sends its own)
  c.run_until([] { return false; }, Duration::millis(300));
  REQUIRE(!a.conn->ice().best_valid_path());

  std::vector<uint8_t> hello = any_client_hello();
  REQUIRE(!hello.empty());
  std::size_t bytes_in = hello.size();
  c.inject_from(a, kSpoofed, hello);
  for (uint64_t i = 0; i < 24; ++i) {
    auto rec = repeated_hello_record(100 + i);
    bytes_in += rec.size();
    c.inject_from(a, kSpoofed, rec);
  }
  c.run_until([] { return false; }, Duration::millis(200));
  auto alert = fatal_alert(200);
  bytes_in += alert.size();
  c.inject_from(a, kSpoofed, alert);
  c.run_until([] { return false; }, Duration::millis(200));
  MESSAGE(fmt::format("spoofed DTLS: {} B in, {} B out to never-checked addresses, {} DTLS bytes sent at all",
                      bytes_in, a.bytes_to_strangers, a.dtls_bytes_sent));
  CHECK(a.bytes_to_strangers == 0);
  CHECK(a.dtls_bytes_sent == 0);  // before a valid pair exists nothing but STUN is sent
  CHECK(a.conn->stats().untrusted_dropped == 26);
  CHECK(a.conn->state() != peer::State::failed);
  CHECK(a.failures.empty());

  // The real peer shows up: the call completes as if nothing had happened.
  c.net().configure(2, 1, rtt50());
  REQUIRE(c.run_until([&] { return c.connected() || c.any_failed(); }, Duration::seconds(10)));
  CHECK(c.connected());
  CHECK(a.failures.empty());
  CHECK(a.bytes_to_strangers == 0);
  REQUIRE(c.send_rtp(c.b()).ok());
  c.run_until([&] { return c.net().idle(); }, Duration::seconds(1));
  CHECK(a.rtp_received == 1);
}

// SRTP/SRTCP from an address ICE never validated is dropped and counted,
// even when it would authenticate (here: B's own packet, replayed from elsewhere).
TEST_CASE("peer trust: media from a never-checked address is dropped and counted") {
  Options opt;
  opt.link = rtt50();
  CallSim c(opt);
  REQUIRE(c.negotiate());
  REQUIRE(c.run_until([&] { return c.connected(); }, Duration::seconds(10)));
  auto t = c.send_rtp(c.b());
  REQUIRE(t.ok());
  std::vector<uint8_t> copy(t->bytes.begin(), t->bytes.end());
  c.run_until([&] { return c.net().idle(); }, Duration::seconds(1));
  REQUIRE(c.a().rtp_received == 1);
  // The same bytes from elsewhere (a fresh packet would do as well: the
  // source is checked before SRTP sees it).
  auto fresh = c.send_rtp(c.b());
  REQUIRE(fresh.ok());
  std::vector<uint8_t> next(fresh->bytes.begin(), fresh->bytes.end());
  c.run_until([&] { return c.net().idle(); }, Duration::seconds(1));
  uint64_t dropped = c.a().conn->stats().untrusted_dropped;
  c.inject_from(c.a(), kSpoofed, next);
  c.inject_from(c.a(), kSpoofed, copy);
  CHECK(c.a().conn->stats().untrusted_dropped == dropped + 2);
  CHECK(c.a().rtp_received == 2);
  CHECK(c.a().conn->stats().srtp.replays == 0);  // never reached SRTP
}

// RFC 6347 §4.2.4 lets a peer that repeats its flight draw ours again. An
// attacker who spoofs the validated address can repeat a 25-byte record as
// often as it likes, so the resend is rate-limited to once per
// retransmission timeout. Story: each record drew the whole flight.
TEST_CASE("peer trust: a flight re-sent because the peer repeated itself is rate-limited") {
  Options opt;
  opt.link = rtt50();
  opt.setup_for_actpass = sdp::Setup::active;  // A is the DTLS server
  CallSim c(opt);
  REQUIRE(c.negotiate());
  Side& a = c.a();
  REQUIRE(c.run_until([&] { return !a.dtls_sent.empty(); }, Duration::seconds(5)));
  c.net().configure(1, 2, dead());  // A's flight never arrives: A waits for the client's next flight
  c.run_until([&] { return c.net().idle(); }, Duration::millis(40));
  uint64_t sent_before = a.dtls_bytes_sent;
  uint64_t resends_before = a.conn->dtls()->stats().retransmissions;
  for (uint64_t i = 0; i < 24; ++i) c.inject_from(a, c.b().addr, repeated_hello_record(1000 + i));
  uint64_t resends = a.conn->dtls()->stats().retransmissions - resends_before;
  MESSAGE(fmt::format("24 repeated 25-byte records: {} flight re-sends, {} B out", resends,
                      a.dtls_bytes_sent - sent_before));
  CHECK(resends <= 1);
  c.net().configure(1, 2, rtt50());
  REQUIRE(c.run_until([&] { return c.connected() || c.any_failed(); }, Duration::seconds(10)));
  CHECK(c.connected());
}

// Issue 12, ICE-lite finding. Story: the retransmission timer was seeded
// from "now - last_sent" of a pair the lite agent had never sent on
// (last_sent zero), so the RTT was the machine's uptime clamped to 3 s, and a
// lost first ClientHello was resent 3 s later instead of ~2 RTT.
TEST_CASE("peer trust: ICE-lite DTLS client resends a lost first ClientHello within ~2 RTT") {
  Options opt;
  opt.link = rtt50();
  opt.ice_lite = true;
  opt.setup_for_actpass = sdp::Setup::active;  // the lite answerer is the DTLS client
  bool dropped = false;
  opt.drop_sent = [&dropped](int node, Bytes d) {
    if (node != 2 || dropped || peer::classify(d) != peer::PacketKind::dtls) return false;
    dropped = true;
    return true;
  };
  CallSim c(opt);
  REQUIRE(c.negotiate());
  Side& b = c.b();
  REQUIRE(c.run_until([&] { return b.dtls_sent.size() >= 2; }, Duration::seconds(5)));
  Duration gap = b.dtls_sent[1] - b.dtls_sent[0];
  MESSAGE(fmt::format("lite client: first ClientHello resent after {} ms", gap.as_millis()));
  CHECK(gap <= Duration::millis(100));  // 2 x the 50 ms path, not 3 s
  REQUIRE(c.run_until([&] { return c.connected(); }, Duration::seconds(5)));
}

// Issue 12, ICE-lite finding. Story: a lite agent's nominated pair never
// expired, so a USE-CANDIDATE check replayed from a victim's address could
// point media at the victim for as long as the call lasted. The pair now
// lapses when no authenticated check arrives on it for the consent timeout
// (RFC 7675 §5.1's 30 s), and without another fresh nominated pair ICE fails.
TEST_CASE("peer trust: an ICE-lite agent's nominated pair expires when the peer's checks stop") {
  Options opt;
  opt.link = rtt50();
  opt.ice_lite = true;
  CallSim c(opt);
  REQUIRE(c.negotiate());
  REQUIRE(c.run_until([&] { return c.connected(); }, Duration::seconds(10)));
  Side& b = c.b();
  // The full agent's consent checks keep the lite side's pair fresh.
  c.run_until([] { return false; }, Duration::seconds(45));
  REQUIRE(b.conn->state() == peer::State::connected);
  c.net().configure(1, 2, dead());  // the controlling agent's checks stop arriving
  Timestamp cut = c.now();
  c.run_until([] { return false; }, Duration::seconds(20));
  CHECK(b.conn->state() == peer::State::connected);
  REQUIRE(c.run_until([&] { return b.conn->state() == peer::State::failed; }, Duration::seconds(20)));
  CHECK((c.now() - cut) <= Duration::seconds(31));
  CHECK(std::string(b.conn->failure_text()).find("consent") != std::string::npos);
  REQUIRE(!b.failures.empty());
  CHECK(b.failures.back().layer == Layer::ice);
  CHECK(!c.send_rtp(b).ok());
}
