// SPDX-License-Identifier: Apache-2.0
// ICE through TURN (issue 14) in virtual time: agent A gathers a relayed
// candidate from the TURN model (tests/support/turn_model.hpp), checks go
// out through the allocation once the permission exists, and the relayed
// pair is selected; relay-only (iceTransportPolicy 'relay') offers and
// answers nothing else; a wrong TURN password makes a relay-only agent fail
// naming TURN and 401.
#include <doctest/doctest.h>

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "keyway/ice/agent.hpp"
#include "keyway/ice/priority.hpp"
#include "tests/support/turn_model.hpp"

using namespace keyway;
using namespace keyway::ice;

namespace {

const SocketAddr kHostA = SocketAddr::v4(127, 0, 0, 1, 41000);
const SocketAddr kHostB = SocketAddr::v4(127, 0, 0, 2, 42000);

struct Datagram {
  SocketAddr from, to;
  std::vector<uint8_t> bytes;
};

// A, B and the TURN model on a zero-latency network.
struct Net {
  SeededRng ra{11}, rb{12};
  Config ca, cb;
  std::unique_ptr<Agent> a, b;
  test::TurnModel turn;
  std::deque<Datagram> wire;
  std::vector<Event> events_a, events_b;
  std::vector<CandidateCore> cands_a, cands_b;
  int direct_to_a = 0;  // datagrams B sent straight to A's host
  Timestamp now = Timestamp::from_micros(1000000);
  uint8_t scratch[1500];

  Net(bool relay_only) {
    ca.rng = &ra;
    cb.rng = &rb;
    cb.controlling = false;
    ca.relay_only = relay_only;
    a = std::make_unique<Agent>(ca);
    b = std::make_unique<Agent>(cb);
    turn.relayed = SocketAddr::v4(127, 0, 0, 3, 49152);
    REQUIRE(a->add_local_host(kHostA).ok());
    REQUIRE(b->add_local_host(kHostB).ok());
  }
  void exchange_credentials() {
    REQUIRE(a->set_remote_credentials(b->local_credentials().ufrag_view(), b->local_credentials().pwd_view()).ok());
    REQUIRE(b->set_remote_credentials(a->local_credentials().ufrag_view(), a->local_credentials().pwd_view()).ok());
  }
  void route(const Datagram& d) {
    if (d.to == turn.addr) {  // A -> TURN server
      std::size_t before = turn.to_peers.size();
      auto answer = turn.handle(d.bytes, d.from);
      if (!answer.empty()) wire.push_back({turn.addr, d.from, answer});
      for (std::size_t i = before; i < turn.to_peers.size(); ++i)  // relayed onwards, from the relayed address
        wire.push_back({turn.relayed, turn.to_peers[i].first, turn.to_peers[i].second});
      return;
    }
    if (d.to == turn.relayed) {  // a peer -> the relayed address -> A, as ChannelData or a Data indication
      auto cd = turn.channel_data_from(d.from, d.bytes);
      wire.push_back({turn.addr, kHostA, cd.empty() ? turn.data_indication(d.from, d.bytes) : cd});
      return;
    }
    if (d.to == kHostA) {
      if (!(d.from == turn.addr)) ++direct_to_a;
      a->handle_datagram(now, d.bytes, d.from, d.to);
    } else if (d.to == kHostB) {
      b->handle_datagram(now, d.bytes, d.from, d.to);
    }
  }
  Timestamp drain(Agent& agent, std::vector<Event>& events, std::vector<CandidateCore>& cands) {
    for (int i = 0; i < 1000; ++i) {
      Output o = agent.poll_output(now, scratch);
      if (o.kind == Output::Kind::timeout) return o.deadline;
      if (o.kind == Output::Kind::event) {
        events.push_back(o.event);
        if (o.event.kind == EventKind::new_local_candidate) cands.push_back(*o.event.candidate);
        continue;
      }
      wire.push_back({o.transmit.from, o.transmit.to, {o.transmit.bytes.begin(), o.transmit.bytes.end()}});
    }
    FAIL("agent did not settle");
    return Timestamp::never();
  }
  // Runs until `done` or the time limit; candidates are trickled as they come.
  template <typename F>
  void run(F done, Duration limit) {
    Timestamp end = now + limit;
    std::size_t given_a = 0, given_b = 0;
    while (now < end && !done()) {
      Timestamp da = drain(*a, events_a, cands_a);
      Timestamp db = drain(*b, events_b, cands_b);
      for (; given_a < cands_a.size(); ++given_a) REQUIRE(b->add_remote_candidate(cands_a[given_a]).ok());
      for (; given_b < cands_b.size(); ++given_b) REQUIRE(a->add_remote_candidate(cands_b[given_b]).ok());
      if (!wire.empty()) {
        while (!wire.empty()) {
          Datagram d = wire.front();
          wire.pop_front();
          route(d);
        }
        continue;
      }
      Timestamp next = earliest(da, db);
      if (next > end) next = end;
      if (next > now) now = next;
      a->handle_timeout(now);
      b->handle_timeout(now);
    }
  }
  static bool has(const std::vector<Event>& ev, EventKind k) {
    for (const auto& e : ev)
      if (e.kind == k) return true;
    return false;
  }
};

}  // namespace

TEST_CASE("ice through TURN, relay-only: only the relayed candidate is offered, checks go through the allocation") {
  Net net(true);
  REQUIRE(net.a->add_turn_server(TurnServer{net.turn.addr, turn::Transport::udp, "alice", "s3cret"}).ok());
  net.exchange_credentials();
  net.run([&] { return net.a->state() == AgentState::connected && net.b->state() == AgentState::connected; },
          Duration::seconds(20));
  REQUIRE(net.a->state() == AgentState::connected);
  REQUIRE(net.b->state() == AgentState::connected);
  // A offered exactly one candidate: relayed, RFC 8445 §5.1.2 type preference 0, raddr = the mapped address.
  REQUIRE(net.cands_a.size() == 1);
  CHECK(net.cands_a[0].type == CandidateType::relay);
  CHECK(net.cands_a[0].address == net.turn.relayed);
  CHECK((net.cands_a[0].priority >> 24) == 0u);
  CHECK(net.cands_a[0].related == kHostA);
  CHECK(Net::has(net.events_a, EventKind::gathering_complete));
  // The selected pair: A's relayed address <-> B's host.
  CHECK(net.a->selected_local() == net.turn.relayed);
  CHECK(net.a->selected_remote() == kHostB);
  CHECK(net.b->selected_remote() == net.turn.relayed);
  // Permission first, then the channel; checks and answers crossed the relay.
  CHECK(net.turn.permissions >= 1);
  CHECK(net.turn.channel_binds >= 1);
  CHECK(net.turn.send_indications + net.turn.channel_data >= 2);
  REQUIRE(net.a->turn_clients().size() == 1);
  CHECK(net.a->turn_clients()[0].stats().allocations == 1);
  CHECK(net.a->validated_path(net.turn.relayed, kHostB).has_value());
  CHECK_FALSE(net.a->validated_path(kHostA, kHostB).has_value());
}

TEST_CASE("ice through TURN, all candidates: host pair wins over relay, srflx from XOR-MAPPED-ADDRESS") {
  Net net(false);
  net.turn.relayed = SocketAddr::v4(127, 0, 0, 3, 49152);
  REQUIRE(net.a->add_turn_server(TurnServer{net.turn.addr, turn::Transport::udp, "alice", "s3cret"}).ok());
  net.exchange_credentials();
  net.run([&] { return net.a->state() == AgentState::connected && net.b->state() == AgentState::connected; },
          Duration::seconds(20));
  REQUIRE(net.a->state() == AgentState::connected);
  bool host = false, relay = false;
  for (const auto& c : net.cands_a) {
    host = host || c.type == CandidateType::host;
    relay = relay || c.type == CandidateType::relay;
  }
  CHECK(host);
  CHECK(relay);
  CHECK(net.a->selected_local() == kHostA);  // RFC 8445 §5.1.2: host (126) beats relay (0)
}

TEST_CASE("ice through TURN, relay-only with a wrong TURN password: ICE fails naming TURN and 401") {
  Net net(true);
  REQUIRE(net.a->add_turn_server(TurnServer{net.turn.addr, turn::Transport::udp, "alice", "wrong"}).ok());
  net.exchange_credentials();
  net.run([&] { return net.a->state() == AgentState::failed; }, Duration::seconds(20));
  REQUIRE(net.a->state() == AgentState::failed);
  char text[256];
  format_error(net.a->failure(), text, sizeof text);
  CHECK(std::string(text).find("turn: 401") != std::string::npos);
  CHECK(net.cands_a.empty());  // nothing offered: no host in relay-only
}

TEST_CASE("ice relay-only: a check reaching a host socket directly is not answered") {
  Net net(true);
  REQUIRE(net.a->add_turn_server(TurnServer{net.turn.addr, turn::Transport::udp, "alice", "s3cret"}).ok());
  net.exchange_credentials();
  // B is told A's host address anyway (as if leaked): its checks there go unanswered.
  Candidate leaked;
  leaked.type = CandidateType::host;
  leaked.address = kHostA;
  leaked.priority = candidate_priority(CandidateType::host, 65535, 1);
  REQUIRE(leaked.set_foundation("9").ok());
  REQUIRE(net.b->add_remote_candidate(leaked).ok());
  net.run([&] { return net.a->state() == AgentState::connected && net.b->state() == AgentState::connected; },
          Duration::seconds(20));
  REQUIRE(net.b->state() == AgentState::connected);
  CHECK(net.b->selected_remote() == net.turn.relayed);
  CHECK(net.direct_to_a > 0);
  CHECK_FALSE(net.b->validated_path(kHostB, kHostA).has_value());
}
