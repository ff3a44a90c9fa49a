// SPDX-License-Identifier: Apache-2.0
// keyway <-> keyway through TURN (issue 14) in virtual time: the offerer is
// relay-only behind the TURN model (tests/support/turn_model.hpp); ICE
// checks, DTLS and SRTP all cross the allocation (permission, then
// ChannelData), and the selected pair is relay <-> host. Troubleshooting
// rows: a wrong TURN password fails naming TURN (401) and the call fails at
// ICE with that reason; a relay that works with a wrong fingerprint fails
// at DTLS, not TURN.
#include <doctest/doctest.h>

#include <deque>
#include <string>
#include <vector>

#include "keyway/lib/rng.hpp"
#include "keyway/peer/connection.hpp"
#include "tests/peer/call_sim.hpp"
#include "tests/support/turn_model.hpp"

using namespace keyway;
using peer_test::kAudio;
using peer_test::test_identity;

namespace {

const ice::SocketAddr kHostA = ice::SocketAddr::v4(127, 0, 0, 1, 41000);
const ice::SocketAddr kHostB = ice::SocketAddr::v4(127, 0, 0, 2, 42000);

struct Datagram {
  ice::SocketAddr from, to;
  std::vector<uint8_t> bytes;
};

struct TurnCall {
  test::TurnModel turn;
  SeededRng pa{21}, sa{22}, pb{23}, sb{24};
  peer::TurnServerConfig server{};
  std::string uri;
  std::unique_ptr<peer::Connection> a, b;
  std::deque<Datagram> wire;
  std::vector<peer::Event> events_a, events_b;
  int direct_a_to_b = 0;  // datagrams A sent from its host straight to B (relay-only: none)
  double loss = 0;        // every datagram on every hop is lost with this probability (seeded)
  SeededRng loss_rng{99};
  int lost = 0;
  int stuck = 0;
  Timestamp now = Timestamp::from_micros(1000000);
  uint8_t scratch[2048];

  explicit TurnCall(std::string_view password = "s3cret") {
    turn.relayed = ice::SocketAddr::v4(127, 0, 0, 3, 49152);
    uri = "turn:127.0.0.1:3478?transport=udp";
    server = {uri, "alice", password};
    peer::Config ca, cb;
    ca.role = peer::Role::offerer;
    ca.identity = &test_identity(0);
    ca.public_rng = &pa;
    ca.secret_rng = &sa;
    ca.audio_codecs = kAudio;
    ca.audio_ssrc = 0x1111;
    ca.turn_servers = {&server, 1};
    ca.relay_only = true;
    cb = ca;
    cb.role = peer::Role::answerer;
    cb.identity = &test_identity(1);
    cb.public_rng = &pb;
    cb.secret_rng = &sb;
    cb.audio_ssrc = 0x2222;
    cb.turn_servers = {};
    cb.relay_only = false;
    a = std::make_unique<peer::Connection>(ca);
    b = std::make_unique<peer::Connection>(cb);
    REQUIRE(a->add_local_address(kHostA).ok());
    REQUIRE(b->add_local_address(kHostB).ok());
  }

  void route(Datagram& d) {
    if (loss > 0 && loss_rng.uniform(1000000) < static_cast<uint32_t>(loss * 1000000)) {
      ++lost;
      return;
    }
    if (d.to == turn.addr) {
      std::size_t before = turn.to_peers.size();
      auto answer = turn.handle(d.bytes, d.from);
      if (!answer.empty()) wire.push_back({turn.addr, d.from, answer});
      for (std::size_t i = before; i < turn.to_peers.size(); ++i)
        wire.push_back({turn.relayed, turn.to_peers[i].first, turn.to_peers[i].second});
      return;
    }
    if (d.to == turn.relayed) {
      auto cd = turn.channel_data_from(d.from, d.bytes);
      wire.push_back({turn.addr, kHostA, cd.empty() ? turn.data_indication(d.from, d.bytes) : cd});
      return;
    }
    if (d.to == kHostA) a->handle_datagram(now, d.bytes, d.from, d.to);
    if (d.to == kHostB) {
      if (d.from == kHostA) ++direct_a_to_b;
      b->handle_datagram(now, d.bytes, d.from, d.to);
    }
  }
  Timestamp drain(peer::Connection& c, std::vector<peer::Event>& ev) {
    for (int i = 0; i < 10000; ++i) {
      peer::Output o = c.poll_output(now, scratch);
      if (o.kind == peer::Output::Kind::timeout) return o.deadline;
      if (o.kind == peer::Output::Kind::event) {
        ev.push_back(o.event);
        continue;
      }
      wire.push_back({o.transmit.from, o.transmit.to, {o.transmit.bytes.begin(), o.transmit.bytes.end()}});
    }
    FAIL("connection did not settle");
    return Timestamp::never();
  }
  template <typename F>
  bool run(F done, Duration limit) {
    Timestamp end = now + limit;
    while (now < end) {
      if (done()) return true;
      Timestamp da = drain(*a, events_a);
      Timestamp db = drain(*b, events_b);
      if (!wire.empty()) {
        while (!wire.empty()) {
          Datagram d = wire.front();
          wire.pop_front();
          route(d);
        }
        continue;
      }
      if (done()) return true;  // before time moves on
      Timestamp next = earliest(da, db);
      if (next > end) next = end;
      // A deadline that stays due after handle_timeout would spin here: fail instead.
      if (next <= now && ++stuck > 1000) {
        FAIL("deadline stuck at now: a=" << std::string(a->last_timeout_reason()) << " b=" << std::string(b->last_timeout_reason()));
        return false;
      }
      if (next > now) stuck = 0;
      if (next > now) now = next;
      a->handle_timeout(now);
      b->handle_timeout(now);
    }
    return done();
  }
  bool negotiate(std::string* offer_out = nullptr, const char* bad_fingerprint = nullptr) {
    // The relayed candidate must be in the offer: gather first.
    if (!run([&] { return a->gathering_done(); }, Duration::seconds(10))) return false;
    char obuf[8192], abuf[8192];
    auto offer = a->create_offer(obuf);
    if (!offer.ok()) return false;
    if (offer_out != nullptr) *offer_out = std::string(*offer);
    auto answer = b->accept_offer(*offer, abuf);
    if (!answer.ok()) return false;
    std::string ans(*answer);
    if (bad_fingerprint != nullptr) {  // flip one hex digit of the answer's a=fingerprint
      std::size_t at = ans.find("a=fingerprint:sha-256 ");
      REQUIRE(at != std::string::npos);
      char& c = ans[at + 22];
      c = c == 'A' ? 'B' : 'A';
    }
    return a->set_remote_answer(ans).ok();
  }
  static bool has(const std::vector<peer::Event>& ev, peer::EventKind k) {
    for (const auto& e : ev)
      if (e.kind == k) return true;
    return false;
  }
};

}  // namespace

TEST_CASE("turn call: relay-only offerer <-> host answerer, ICE, DTLS and SRTP through the allocation") {
  TurnCall call;
  std::string offer;
  REQUIRE(call.negotiate(&offer));
  CHECK(offer.find("typ relay") != std::string::npos);
  CHECK(offer.find("typ host") == std::string::npos);  // relay-only keeps the host address private
  REQUIRE(call.run([&] { return call.a->state() == peer::State::connected && call.b->state() == peer::State::connected; },
                   Duration::seconds(30)));
  // Media both ways through the relay.
  uint8_t pkt[256] = {0x80, 111, 0, 1, 0, 0, 0, 1, 0, 0, 0x11, 0x11};
  auto t = call.a->send_rtp(pkt, 12 + 100);
  REQUIRE(t.ok());
  CHECK(t->to == call.turn.addr);  // wrapped for the TURN server
  call.wire.push_back({t->from, t->to, {t->bytes.begin(), t->bytes.end()}});
  uint8_t pkt2[256] = {0x80, 111, 0, 1, 0, 0, 0, 1, 0, 0, 0x22, 0x22};
  auto t2 = call.b->send_rtp(pkt2, 12 + 100);
  REQUIRE(t2.ok());
  CHECK(t2->to == call.turn.relayed);
  call.wire.push_back({t2->from, t2->to, {t2->bytes.begin(), t2->bytes.end()}});
  call.run([&] { return TurnCall::has(call.events_a, peer::EventKind::rtp_received) &&
                        TurnCall::has(call.events_b, peer::EventKind::rtp_received); },
           Duration::seconds(1));
  CHECK(TurnCall::has(call.events_a, peer::EventKind::rtp_received));
  CHECK(TurnCall::has(call.events_b, peer::EventKind::rtp_received));

  // Nomination (RFC 8445 §8.1) may come after the first media: wait for the selected pair.
  CHECK(call.run([&] { return call.a->summary().has_selected_pair && call.b->summary().has_selected_pair; },
                 Duration::seconds(5)));
  peer::Summary sa = call.a->summary(), sb = call.b->summary();
  CHECK(std::string(sa.local_candidate_type) == "relay");
  CHECK(std::string(sa.remote_candidate_type) == "host");
  CHECK(std::string(sb.remote_candidate_type) == "relay");
  CHECK(sa.selected_local == call.turn.relayed);
  CHECK(sa.turn_allocations == 1);
  CHECK(sa.turn_permissions >= 1);
  CHECK(sa.turn_channel_binds >= 1);
  CHECK(sa.turn_relayed_bytes_sent > 0);
  CHECK(sa.turn_relayed_bytes_received > 0);
  CHECK(call.direct_a_to_b == 0);
}

TEST_CASE("turn call: a 20-minute relayed call keeps its allocation, permission and channel; close deallocates") {
  TurnCall call;
  REQUIRE(call.negotiate());
  REQUIRE(call.run([&] { return call.a->state() == peer::State::connected && call.b->state() == peer::State::connected; },
                   Duration::seconds(30)));
  Timestamp start = call.now;
  call.run([&] { return false; }, Duration::seconds(20 * 60));
  CHECK(call.a->state() == peer::State::connected);
  CHECK(call.b->state() == peer::State::connected);
  peer::Summary s = call.a->summary();
  // LIFETIME 600 s refreshed 60 s early (540, 1080 s); permissions every 240 s; channels every 540 s.
  CHECK(s.turn_refreshes == 2);
  CHECK(s.turn_permissions >= 5);
  CHECK(s.turn_channel_binds >= 3);
  CHECK((call.now - start) >= Duration::seconds(20 * 60));
  MESSAGE("20-minute relayed call: refreshes=" << s.turn_refreshes << " permissions=" << s.turn_permissions
                                               << " channel_binds=" << s.turn_channel_binds);
  call.a->close();
  call.run([&] { return call.turn.deallocated && call.b->state() == peer::State::closed; }, Duration::seconds(5));
  CHECK(call.turn.deallocated);  // Refresh LIFETIME 0 after close_notify
  CHECK(call.b->state() == peer::State::closed);  // the close_notify got through the relay first
}

TEST_CASE("turn call: relay-only through the TURN model with 10% loss on every hop, in virtual time") {
  // TURN requests are retransmitted (RFC 8489 §6.2.1), ICE checks and DTLS
  // flights too; ten seeds, all must connect.
  int connected = 0;
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    TurnCall call;
    call.loss = 0.10;
    call.loss_rng = SeededRng(seed);
    bool negotiated = call.negotiate();
    bool ok = negotiated && call.run([&] {
      return call.a->state() == peer::State::connected && call.b->state() == peer::State::connected;
    }, Duration::seconds(30));
    CAPTURE(seed);
    CHECK(ok);
    if (ok) {
      ++connected;
      CHECK(call.direct_a_to_b == 0);
    }
    MESSAGE("seed " << seed << ": " << std::string(ok ? "connected" : "FAILED") << " at "
                    << (call.now.as_micros() - 1000000) / 1000 << " ms, " << call.lost << " datagrams lost");
  }
  CHECK(connected == 10);
}

TEST_CASE("turn call troubleshooting: a wrong TURN password fails naming TURN (401), at ICE") {
  TurnCall call("wrong-password");
  call.run([&] { return call.a->state() == peer::State::failed; }, Duration::seconds(10));
  REQUIRE(call.a->state() == peer::State::failed);
  std::string why = call.a->failure_text();
  CHECK(why.find("ice") == 0);
  CHECK(why.find("turn: 401") != std::string::npos);
}

TEST_CASE("turn call troubleshooting: the relay works but a wrong fingerprint fails at DTLS, not TURN") {
  TurnCall call;
  REQUIRE(call.negotiate(nullptr, "flip"));
  call.run([&] { return call.a->state() == peer::State::failed || call.b->state() == peer::State::failed; },
           Duration::seconds(30));
  std::string why = call.a->failure_text();
  CHECK(why.find("dtls") == 0);
  CHECK(why.find("turn") == std::string::npos);
  CHECK(call.a->summary().turn_allocations == 1);  // TURN itself was fine
}
