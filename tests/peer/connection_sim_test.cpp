// SPDX-License-Identifier: Apache-2.0
// Two peer::Connections over the simulated network in virtual time (issue 6):
// roles, ICE full/lite, loss sweeps, media both ways, exporter keys, the DTLS
// timer seeded from the ICE RTT, and consent loss.
#include <doctest/doctest.h>
#include <fmt/core.h>

#include <cstring>

#include "keyway/dtls/v13/endpoint.hpp"
#include "keyway/ice/stun/message.hpp"
#include "keyway/peer/srtp_keys.hpp"
#include "tests/peer/call_sim.hpp"

using namespace keyway;
using keyway::peer_test::CallSim;
using keyway::peer_test::Options;
using keyway::peer_test::Side;

namespace {

sim::LinkConfig rtt50() {
  sim::LinkConfig l;
  l.delay = Duration::millis(25);
  return l;
}

// Both sides export the same "EXTRACTOR-dtls_srtp" bytes (RFC 5764 §4.2).
void check_keys_equal(CallSim& c) {
  REQUIRE(c.a().conn->srtp_profile().has_value());
  REQUIRE(c.a().conn->srtp_profile() == c.b().conn->srtp_profile());
  uint8_t ka[peer::kMaxKeyingMaterial], kb[peer::kMaxKeyingMaterial];
  std::size_t n = peer::keying_material_len(*c.a().conn->srtp_profile());
  REQUIRE(c.a().conn->dtls()->export_keying_material(peer::kDtlsSrtpExporterLabel, {ka, n}).ok());
  REQUIRE(c.b().conn->dtls()->export_keying_material(peer::kDtlsSrtpExporterLabel, {kb, n}).ok());
  CHECK(std::memcmp(ka, kb, n) == 0);
}

// n RTP and m RTCP packets each way, no loss: counts are exact.
void check_media_both_ways(CallSim& c, int n, int m) {
  for (int i = 0; i < n; ++i) {
    REQUIRE(c.send_rtp(c.a()).ok());
    REQUIRE(c.send_rtp(c.b()).ok());
  }
  for (int i = 0; i < m; ++i) {
    REQUIRE(c.send_rtcp(c.a()).ok());
    REQUIRE(c.send_rtcp(c.b()).ok());
  }
  c.run_until([&] { return c.net().idle(); }, Duration::seconds(2));
  CHECK(c.a().rtp_received == static_cast<uint64_t>(n));
  CHECK(c.b().rtp_received == static_cast<uint64_t>(n));
  CHECK(c.a().rtcp_received == static_cast<uint64_t>(m));
  CHECK(c.b().rtcp_received == static_cast<uint64_t>(m));
  CHECK(c.a().conn->stats().srtp.rtp_sent == static_cast<uint64_t>(n));
  CHECK(c.b().conn->stats().srtp.rtcp_received == static_cast<uint64_t>(m));
  CHECK(c.a().conn->stats().srtp.auth_failures == 0);
  CHECK(c.b().conn->stats().srtp.auth_failures == 0);
  // The last packet B received is A's, decrypted: header and payload intact.
  REQUIRE(c.b().last_rtp.size() == 112);
  CHECK(c.b().last_rtp[1] == 111);
  uint32_t ssrc = (uint32_t{c.b().last_rtp[8]} << 24) | (uint32_t{c.b().last_rtp[9]} << 16) |
                  (uint32_t{c.b().last_rtp[10]} << 8) | c.b().last_rtp[11];
  CHECK(ssrc == c.a().ssrc);
  CHECK(c.b().last_rtp[12 + 99] == 99);
}

void connect_and_check(const Options& options, bool expect_a_client) {
  Options opt = options;
  opt.dtls_keep_key_log = true;  // check_keys_equal exports after SRTP is keyed
  CallSim c(opt);
  REQUIRE(c.negotiate());
  REQUIRE(c.run_until([&] { return c.connected(); }, Duration::seconds(10)));
  CHECK(c.a().conn->dtls_client() == expect_a_client);
  CHECK(c.b().conn->dtls_client() == !expect_a_client);
  CHECK(c.a().has(peer::EventKind::ice_connected));
  CHECK(c.a().has(peer::EventKind::dtls_handshake_complete));
  CHECK(c.b().has(peer::EventKind::srtp_ready));
  CHECK(c.a().failures.empty());
  CHECK(c.b().failures.empty());
  check_keys_equal(c);
  check_media_both_ways(c, 50, 5);
}

}  // namespace

TEST_CASE("peer sim: offerer/answerer, answerer answers actpass with active (it is the DTLS client)") {
  Options opt;
  opt.link = rtt50();
  opt.setup_for_actpass = sdp::Setup::active;
  connect_and_check(opt, false);
}

// Issue 18: with peer::Config::dtls_offer_dtls13 on both sides the call's
// DTLS is 1.3 (no cookie: ICE verified the path), and the SRTP keys come
// from the 1.3 exporter through the unchanged key split.
TEST_CASE("peer sim: both sides offering DTLS 1.3 negotiate it; media both ways on the 1.3 exporter's keys") {
  for (auto setup : {sdp::Setup::active, sdp::Setup::passive}) {
    CAPTURE(static_cast<int>(setup));
    Options opt;
    opt.link = rtt50();
    opt.setup_for_actpass = setup;
    opt.configure = [](int, peer::Config& c) { c.dtls_offer_dtls13 = true; };
    opt.dtls_keep_key_log = true;  // check_keys_equal
    CallSim c(opt);
    REQUIRE(c.negotiate());
    REQUIRE(c.run_until([&] { return c.connected(); }, Duration::seconds(10)));
    CHECK(c.a().conn->dtls()->version() == 0xFEFC);
    CHECK(c.b().conn->dtls()->version() == 0xFEFC);
    CHECK(c.a().failures.empty());
    CHECK(c.b().failures.empty());
    check_keys_equal(c);
    check_media_both_ways(c, 50, 5);
  }
}

// Story: the endpoint reports a received close_notify both as an alert and
// as "closed", and the call turned each into a closed event: the peer of a
// side that hung up saw two (found by examples/in_memory_call.cpp).
TEST_CASE("peer sim: the peer's close is reported once") {
  Options opt;
  opt.link = rtt50();
  CallSim c(opt);
  REQUIRE(c.negotiate());
  REQUIRE(c.run_until([&] { return c.connected(); }, Duration::seconds(10)));
  c.a().conn->close();
  c.run_until([&] { return c.net().idle(); }, Duration::seconds(2));
  CHECK(c.b().conn->state() == peer::State::closed);
  std::size_t closed = 0;
  for (auto e : c.b().events) closed += e == peer::EventKind::closed ? 1 : 0;
  CHECK(closed == 1);
}

// Story (issue 13, keyway-bench memory): the DTLS endpoint frees its
// handshake context on its next handle_* call, but a DTLS server hears no
// DTLS after the handshake and its only deadline is the 240 s final-flight
// hold, so it kept 13.7 KB for the whole call. Both sides now hold no DTLS
// heap once media flows. Issue 18: pinned to DTLS 1.2, the engine with this
// heap split; the 1.3 engine stays on the heap after its handshake until its
// own split lands (h-bench13: then its established state is the engine object,
// not 0, and tests/dtls/memory_test.cpp checks it).
TEST_CASE("peer sim: no DTLS handshake memory is left once media flows, on either side") {
  for (auto setup : {sdp::Setup::active, sdp::Setup::passive}) {
    Options opt;
    opt.link = rtt50();
    opt.setup_for_actpass = setup;
    opt.configure = [](int, peer::Config& c) { c.dtls_offer_dtls13 = false; };
    CallSim c(opt);
    REQUIRE(c.negotiate());
    REQUIRE(c.run_until([&] { return c.connected(); }, Duration::seconds(10)));
    check_media_both_ways(c, 10, 1);
    c.run_until([] { return false; }, Duration::seconds(10));  // consent checks: timeouts on both sides
    CHECK(c.a().conn->dtls()->heap_bytes() == 0);
    CHECK(c.b().conn->dtls()->heap_bytes() == 0);
  }
}

// Issue 17: the DTLS exporter's secret (master secret and both randoms, 112
// bytes) stayed in every established call, though RFC 5764 §4.2 reads the
// exporter once, for the SRTP keys. On main this export still succeeded and
// heap_bytes() stayed 0 only because the secret was inside the object; now it
// is freed once SRTP is keyed, unless dtls_keep_key_log asks to keep it.
TEST_CASE("peer sim: the DTLS exporter secret goes once SRTP is keyed, unless the key log is kept") {
  for (bool keep : {false, true}) {
    CAPTURE(keep);
    Options opt;
    opt.link = rtt50();
    opt.configure = [](int, peer::Config& c) { c.dtls_offer_dtls13 = false; };
    opt.dtls_keep_key_log = keep;
    CallSim c(opt);
    REQUIRE(c.negotiate());
    REQUIRE(c.run_until([&] { return c.connected(); }, Duration::seconds(10)));
    check_media_both_ways(c, 10, 1);
    c.run_until([] { return false; }, Duration::seconds(10));  // the handshake state is released too
    for (Side* s : {&c.a(), &c.b()}) {
      uint8_t km[peer::kMaxKeyingMaterial];
      Status st = s->conn->dtls()->export_keying_material(peer::kDtlsSrtpExporterLabel, {km, 60});
      char line[dtls::Endpoint::kKeyLogMaxSize];
      Status log = s->conn->dtls()->format_key_log(line, sizeof line);
      CHECK(st.ok() == keep);
      CHECK(log.ok() == keep);
      if (!keep) {
        CHECK(st.error().layer == Layer::dtls);
        CHECK(st.error().code == Code::bad_state);
      }
      CHECK(s->conn->dtls()->heap_bytes() == (keep ? dtls::Endpoint::kExporterSecretBytes : 0));
    }
  }
}

TEST_CASE("peer sim: answerer answers actpass with passive (the offerer is the DTLS client)") {
  Options opt;
  opt.link = rtt50();
  opt.setup_for_actpass = sdp::Setup::passive;
  connect_and_check(opt, true);
}

TEST_CASE("peer sim: ICE-lite answerer, both DTLS roles") {
  for (sdp::Setup s : {sdp::Setup::active, sdp::Setup::passive}) {
    CAPTURE(sdp::to_string(s));
    Options opt;
    opt.link = rtt50();
    opt.ice_lite = true;
    opt.setup_for_actpass = s;
    connect_and_check(opt, s == sdp::Setup::passive);
  }
}

TEST_CASE("peer sim: the answer carries the negotiated a=setup and a=ice-lite") {
  Options opt;
  opt.ice_lite = true;
  opt.setup_for_actpass = sdp::Setup::passive;
  CallSim c(opt);
  REQUIRE(c.negotiate());
  CHECK(c.offer.find("a=setup:actpass") != std::string::npos);
  CHECK(c.answer.find("a=setup:passive") != std::string::npos);
  CHECK(c.answer.find("a=ice-lite") != std::string::npos);
  CHECK(c.a().conn->ice().controlling());
  CHECK(c.b().conn->ice().lite());
}

// Story: this sweep found that a DTLS server could finish the handshake (the
// client had started on its own valid pair) while its own checks were still
// lost, report srtp_ready, and then refuse send_rtp() for want of a path
// (seed 3, seed 17). srtp_ready now waits until ICE has a pair we may send on
// (Connection::maybe_ready), so every REQUIRE(send_rtp) below holds.
TEST_CASE("peer sim: 10% loss with reordering and duplication, many seeds, both roles: every run completes") {
  int runs = 0, ok = 0;
  for (sdp::Setup s : {sdp::Setup::active, sdp::Setup::passive}) {
    for (uint64_t seed = 1; seed <= 60; ++seed) {
      Options opt;
      opt.seed = seed;
      opt.link = rtt50();
      opt.link.loss = 0.10;
      opt.link.reorder = 0.10;
      opt.link.duplicate = 0.05;
      opt.link.jitter = Duration::millis(5);
      opt.setup_for_actpass = s;
      opt.ice_lite = (seed % 3) == 0;
      opt.dtls_keep_key_log = true;  // check_keys_equal
      CallSim c(opt);
      REQUIRE(c.negotiate());
      ++runs;
      bool done = c.run_until([&] { return c.connected() || c.any_failed(); }, Duration::seconds(60));
      INFO("seed " << seed << " setup " << std::string(sdp::to_string(s)) << " A: " << std::string(c.a().conn->failure_text())
                   << " B: " << std::string(c.b().conn->failure_text()));
      CHECK(done);
      CHECK(c.connected());
      if (!c.connected()) continue;
      ++ok;
      check_keys_equal(c);
      // Media still flows through the impaired link; nothing fails to authenticate.
      for (int i = 0; i < 20; ++i) {
        REQUIRE(c.send_rtp(c.a()).ok());
        REQUIRE(c.send_rtp(c.b()).ok());
      }
      c.run_until([&] { return c.net().idle(); }, Duration::seconds(2));
      CHECK(c.a().rtp_received > 0);
      CHECK(c.b().rtp_received > 0);
      CHECK(c.a().conn->stats().srtp.auth_failures == 0);
      CHECK(c.b().conn->stats().srtp.auth_failures == 0);
    }
  }
  MESSAGE(fmt::format("10% loss + reorder + dup: {}/{} runs connected", ok, runs));
  CHECK(ok == runs);
}

TEST_CASE("peer sim: 30% loss: every run ends, connected or with a clean failure event") {
  int runs = 0, ok = 0, failed = 0;
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    Options opt;
    opt.seed = seed;
    opt.link = rtt50();
    opt.link.loss = 0.30;
    opt.link.reorder = 0.10;
    opt.link.duplicate = 0.05;
    opt.setup_for_actpass = seed % 2 ? sdp::Setup::active : sdp::Setup::passive;
    opt.dtls_keep_key_log = true;  // check_keys_equal
    CallSim c(opt);
    REQUIRE(c.negotiate());
    ++runs;
    bool done = c.run_until([&] { return c.connected() || c.any_failed(); }, Duration::seconds(120));
    CHECK(done);
    if (c.connected()) {
      ++ok;
      check_keys_equal(c);
    } else if (c.any_failed()) {
      ++failed;
      CHECK((!c.a().failures.empty() || !c.b().failures.empty()));
    }
  }
  MESSAGE(fmt::format("30% loss: {}/{} connected, {} clean failures", ok, runs, failed));
  CHECK(ok + failed == runs);
}

// The DTLS initial retransmission timeout comes from the ICE RTT (issue 6):
// with a 50 ms path, a lost ClientHello is resent after ~2 RTT, not after
// RFC 6347's 1 s.
TEST_CASE("peer sim: the DTLS initial timeout is seeded from the ICE RTT") {
  for (sdp::Setup s : {sdp::Setup::active, sdp::Setup::passive}) {
    CAPTURE(sdp::to_string(s));
    Options opt;
    opt.link = rtt50();
    opt.setup_for_actpass = s;
    CallSim c(opt);
    REQUIRE(c.negotiate());
    Side& client = s == sdp::Setup::active ? c.b() : c.a();
    REQUIRE(c.run_until([&] { return !client.dtls_sent.empty(); }, Duration::seconds(5)));
    // The path's RTT is exactly 50 ms in virtual time (no jitter).
    const Duration rtt = Duration::millis(50);
    // Cut the path: every ClientHello is lost from now on.
    sim::LinkConfig dead = rtt50();
    dead.loss = 1.0;
    c.net().configure_both(1, 2, dead);
    c.run_until([&] { return client.dtls_sent.size() >= 3; }, Duration::seconds(5));
    REQUIRE(client.dtls_sent.size() >= 3);
    Duration first_gap = client.dtls_sent[1] - client.dtls_sent[0];
    Duration second_gap = client.dtls_sent[2] - client.dtls_sent[1];
    // 2 * the RTT ICE measured (dtls::Endpoint::set_rtt_estimate, floor
    // 50 ms), not RFC 6347's 1 s. Since ICE's triggered checks (RFC 8445
    // §7.3.1.4) the pair's first RTT sample can be a one-way time, so the
    // seed lies between the 50 ms floor and 2 * RTT.
    CHECK(first_gap >= Duration::millis(50));
    CHECK(first_gap <= rtt * 2);
    CHECK(second_gap == first_gap * 2);  // then doubling (RFC 6347 §4.2.4.1)
  }
}

// RFC 7675 §5.1: once consent is lost (30 s without a response), no media.
// Story: send_rtp() used to refuse as soon as ICE said "disconnected" (8 s),
// and after consent loss it blamed the peer layer ("media before SRTP keys
// exist"); now media goes on until consent is lost, and then the error names ICE.
TEST_CASE("peer sim: consent loss stops media, with the ICE layer named") {
  Options opt;
  opt.link = rtt50();
  CallSim c(opt);
  REQUIRE(c.negotiate());
  REQUIRE(c.run_until([&] { return c.connected(); }, Duration::seconds(10)));
  REQUIRE(c.send_rtp(c.a()).ok());
  sim::LinkConfig dead = rtt50();
  dead.loss = 1.0;
  c.net().configure_both(1, 2, dead);
  // 10 s without consent responses: disconnected, but consent is not lost
  // yet, so media may still be sent (RFC 7675 §5.1 only stops it at 30 s).
  c.run_until([] { return false; }, Duration::seconds(10));
  CHECK(c.a().has(peer::EventKind::ice_disconnected));
  CHECK(c.send_rtp(c.a()).ok());
  c.run_until([&] { return c.a().conn->state() == peer::State::failed; }, Duration::seconds(30));
  REQUIRE(c.a().conn->state() == peer::State::failed);
  CHECK(std::string(c.a().conn->failure_text()).find("consent") != std::string::npos);
  REQUIRE(!c.a().failures.empty());
  CHECK(c.a().failures.back().layer == Layer::ice);
  auto refused = c.send_rtp(c.a());
  REQUIRE(!refused.ok());
  CHECK(refused.error().layer == Layer::ice);
  CHECK(std::string(refused.error().detail).find("consent") != std::string::npos);
  CHECK(!c.send_rtcp(c.a()).ok());
}

// Issue 7 half-open call: the answerer (ICE-controlled, DTLS client) connects
// on its valid pair before any nomination (RFC 8445 §12.1); the offerer's
// nomination never arrives, it fails at ICE and answers nothing more. RFC
// 7675 §5.1: consent covers the valid pair too, so the answerer fails 30 s on.
TEST_CASE("peer sim: a call connected on an unnominated valid pair fails on consent once the peer is gone") {
  Options opt;
  opt.link = rtt50();
  opt.drop_sent = [](int node, Bytes d) {
    if (node != 1 || peer::classify(d) != peer::PacketKind::stun) return false;
    auto m = ice::stun::Message::parse(d);
    return m.ok() && m->has(ice::stun::attr::kUseCandidate);
  };
  CallSim c(opt);
  REQUIRE(c.negotiate());
  REQUIRE(c.run_until([&] { return c.b().conn->state() == peer::State::connected; }, Duration::seconds(10)));
  CHECK_FALSE(c.b().conn->ice().has_selected());
  REQUIRE(c.run_until([&] { return c.a().conn->state() == peer::State::failed; }, Duration::seconds(60)));
  Timestamp a_failed = c.now();
  CHECK(c.b().conn->state() == peer::State::connected);
  REQUIRE(c.run_until([&] { return c.b().conn->state() == peer::State::failed; }, Duration::seconds(45)));
  CHECK((c.now() - a_failed).as_millis() <= 31000);
  CHECK(std::string(c.b().conn->failure_text()).find("consent") != std::string::npos);
  REQUIRE(!c.b().failures.empty());
  CHECK(c.b().failures.back().layer == Layer::ice);
  CHECK(!c.send_rtp(c.b()).ok());
}

// Issue 12 (setup under loss). Story: DTLS goes only to a pair our own check
// validated, so the DTLS server holds a ClientHello that overtakes that
// check's answer. When the offerer's first check was answered but the answer
// lost, the answerer's check cancelled it (RFC 8445 §7.3.1.4) and the
// triggered check waited for the next Ta slot, 50 ms after the first: the
// ClientHello, held from 75 ms, was answered at 100 ms, and keyway-bench call
// loss=0.1 p50 went from 195 to 200 ms. Both sides now propose Ta = 25 ms
// (a=ice-pacing, RFC 8839 §5.5), so the triggered check leaves as the peer's
// check arrives, its answer comes back with the ClientHello, and the server
// flight goes out at 75 ms, as it did before DTLS waited for ICE.
TEST_CASE("peer sim: a lost check answer delays the DTLS server by no Ta slot (a=ice-pacing:25 on both sides)") {
  Options opt;
  opt.link = rtt50();
  bool dropped = false;
  opt.drop_sent = [&dropped](int node, Bytes d) {  // the answerer's first Binding success response
    if (node != 2 || dropped || d.size() < 2 || d[0] != 0x01 || d[1] != 0x01) return false;
    dropped = true;
    return true;
  };
  CallSim c(opt);
  Timestamp t0 = c.now();
  REQUIRE(c.negotiate());
  REQUIRE(c.run_until([&] { return !c.a().dtls_sent.empty(); }, Duration::seconds(5)));
  CHECK(dropped);
  MESSAGE(fmt::format("DTLS server's first flight at {} ms", (c.a().dtls_sent[0] - t0).as_millis()));
  CHECK(c.a().dtls_sent[0] - t0 == Duration::millis(75));  // the ClientHello's arrival; 100 ms with Ta = 50 ms
  REQUIRE(c.run_until([&] { return c.connected(); }, Duration::seconds(5)));
}

// Issue 18 (robustness pass): peer::Connection::poll_dtls throws away a
// datagram DTLS wrote when ICE has no path for it. It was suspected of
// losing the DTLS 1.3 server's ACK of the client's last flight when the
// offerer's check answers are lost (the server's DTLS completing before its
// ICE has a valid pair), at the cost of a client retransmission timeout. It
// cannot: the server reads DTLS only from a pair ICE validated (a ClientHello
// that comes first is held, connection_io.cpp), so the pair is there when
// DTLS answers. (The 9 allocations that suggested it came from
// tests/peer/alloc_test stopping with the ACK still in the simulated
// network.) The discard now says so in the trace; pinned: it never happens
// with the offerer's first 1..4 check answers lost, or the answerer's, nor in
// 100 calls at 10% and at 30% loss, DTLS 1.3 and 1.2.
namespace {
struct PathlessCounter : TraceSink {
  int seen = 0;
  void trace(Layer, const char* line) override {
    if (std::strstr(line, "DTLS wrote has no ICE path") != nullptr) ++seen;
  }
};
}  // namespace

TEST_CASE("peer sim: no DTLS datagram is written while ICE has no path (lost check answers, 10% and 30% loss)") {
  PathlessCounter counter;
  auto trace_both = [&counter](int, peer::Config& cfg) { cfg.trace = &counter; };
  for (int answering : {2, 1}) {
    for (int lost : {1, 2, 3, 4}) {
      CAPTURE(answering);
      CAPTURE(lost);
      Options opt;
      opt.link = rtt50();
      opt.configure = trace_both;
      int dropped = 0;
      opt.drop_sent = [&](int node, Bytes d) {  // that side's first Binding success responses
        if (node != answering || dropped >= lost || d.size() < 2 || d[0] != 0x01 || d[1] != 0x01) return false;
        ++dropped;
        return true;
      };
      CallSim c(opt);
      REQUIRE(c.negotiate());
      REQUIRE(c.run_until([&] { return c.connected() && c.net().idle(); }, Duration::seconds(10)));
      CHECK(dropped == lost);
      REQUIRE(c.b().conn->dtls() != nullptr);
      CHECK(c.b().conn->dtls()->version() == dtls::v13::kVersionDtls13);
    }
  }
  for (bool dtls12 : {false, true}) {
    for (double loss : {0.1, 0.3}) {
      for (uint64_t seed = 1; seed <= 25; ++seed) {
        Options opt;
        opt.seed = seed;
        opt.link = rtt50();
        opt.link.loss = loss;
        opt.configure = [&counter, dtls12](int, peer::Config& cfg) {
          cfg.trace = &counter;
          if (dtls12) cfg.dtls_offer_dtls13 = false;
        };
        CallSim c(opt);
        REQUIRE(c.negotiate());
        (void)c.run_until([&] { return c.connected() || c.any_failed(); }, Duration::seconds(30));
        (void)c.run_until([] { return false; }, Duration::seconds(2));  // the handshake's tail
      }
    }
  }
  CHECK(counter.seen == 0);
}

// RFC 8445 §14.2, RFC 8839 §5.5: each side proposes its Ta with a=ice-pacing
// (none for the 50 ms default) and both use the larger value; a side that
// proposes nothing counts as 50 ms, so a peer that does not know the
// attribute keeps the RFC's pacing.
TEST_CASE("peer sim: Ta is the larger of the two a=ice-pacing values, 50 ms for a side that proposes none") {
  auto pacing_ms = [](Side& s) { return s.conn->ice().pacing().as_millis(); };
  {
    CallSim c(Options{});
    REQUIRE(c.negotiate());
    CHECK(c.offer.find("a=ice-pacing:25\r\n") != std::string::npos);
    CHECK(c.answer.find("a=ice-pacing:25\r\n") != std::string::npos);
    CHECK(pacing_ms(c.a()) == 25);
    CHECK(pacing_ms(c.b()) == 25);
  }
  for (int plain : {1, 2}) {  // one side at RFC 8445's default proposes nothing
    Options opt;
    opt.configure = [plain](int node, peer::Config& cfg) {
      if (node == plain) cfg.ice_timing.ta = Duration::millis(50);
    };
    CallSim c(opt);
    REQUIRE(c.negotiate());
    CHECK((plain == 1 ? c.offer : c.answer).find("a=ice-pacing") == std::string::npos);
    CHECK(pacing_ms(c.a()) == 50);
    CHECK(pacing_ms(c.b()) == 50);
    REQUIRE(c.run_until([&] { return c.connected(); }, Duration::seconds(5)));
  }
  {
    Options opt;
    opt.configure = [](int node, peer::Config& cfg) {
      if (node == 2) cfg.ice_timing.ta = Duration::millis(40);
    };
    CallSim c(opt);
    REQUIRE(c.negotiate());
    CHECK(c.answer.find("a=ice-pacing:40\r\n") != std::string::npos);
    CHECK(pacing_ms(c.a()) == 40);
    CHECK(pacing_ms(c.b()) == 40);
  }
}
