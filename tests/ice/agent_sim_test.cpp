// SPDX-License-Identifier: Apache-2.0
// Two ICE agents in virtual time through a simulated network: both roles,
// lite vs full, trickle, role conflict, dead pairs, loss, restart, consent.
#include <doctest/doctest.h>

#include <string>

#include "keyway/ice/stun/crc32.hpp"
#include "tests/ice/sim.hpp"

using namespace keyway;
using namespace keyway::ice;
using namespace keyway::ice::sim;

namespace {

Config full(bool controlling) {
  Config c;
  c.controlling = controlling;
  return c;
}

SocketAddr addr(uint8_t last, uint16_t port) { return SocketAddr::v4(10, 0, 0, last, port); }

bool both_connected(Peer& a, Peer& b) {
  return a.agent->state() == AgentState::connected && b.agent->state() == AgentState::connected;
}

// The set-up most cases share: both agents on the network, one host each
// (10.0.0.1:5000 and 10.0.0.2:6000), candidates and credentials exchanged.
void attach_and_exchange(Network& net, Peer& a, Peer& b) {
  net.attach(a);
  net.attach(b);
  net.bind(a, addr(1, 5000));
  net.bind(b, addr(2, 6000));
  exchange(a, b);
}

void check_same_path(Peer& a, Peer& b) {
  REQUIRE(a.agent->has_selected());
  REQUIRE(b.agent->has_selected());
  CHECK(a.agent->selected_local() == b.agent->selected_remote());
  CHECK(a.agent->selected_remote() == b.agent->selected_local());
}

}  // namespace

TEST_CASE("full controlling and full controlled agents select the same pair") {
  Network net;
  Peer a("A", full(true), 1), b("B", full(false), 2);
  attach_and_exchange(net, a, b);
  REQUIRE(net.run_until([&] { return both_connected(a, b); }, Duration::seconds(5)));
  check_same_path(a, b);
  CHECK(a.has(EventKind::new_local_candidate));
  CHECK(a.has(EventKind::gathering_complete));
  CHECK(a.has(EventKind::selected_pair_changed));
  CHECK(b.has(EventKind::connected));
  CHECK(a.agent->controlling());
  CHECK_FALSE(b.agent->controlling());
  CHECK(a.agent->selected_pair()->nominated);
  CHECK(b.agent->selected_pair()->nominated);
  // Authenticated checks flowed both ways.
  CHECK(a.agent->stats().requests_received > 0);
  CHECK(b.agent->stats().requests_received > 0);
  CHECK(a.agent->stats().responses_received > 0);
  CHECK(b.agent->stats().responses_received > 0);
  // RTT of the selected pair: two one-way latencies.
  REQUIRE(a.agent->selected_rtt().has_value());
  CHECK(a.agent->selected_rtt()->as_millis() == 20);
}

TEST_CASE("4x4 host candidates: the highest-priority pair wins, pairs are paced by Ta") {
  Network net;
  Peer a("A", full(true), 3), b("B", full(false), 4);
  net.attach(a);
  net.attach(b);
  for (uint8_t i = 0; i < 4; ++i) {
    net.bind(a, addr(static_cast<uint8_t>(10 + i), 5000));
    net.bind(b, addr(static_cast<uint8_t>(20 + i), 6000));
  }
  exchange(a, b);
  REQUIRE(a.agent->pairs().size() == 16);
  REQUIRE(net.run_until([&] { return both_connected(a, b); }, Duration::seconds(5)));
  check_same_path(a, b);
  CHECK(a.agent->selected_local() == addr(10, 5000));  // first host = highest local preference
  CHECK(a.agent->selected_remote() == addr(20, 6000));
}

TEST_CASE("ICE-lite controlled agent answers checks, never sends them, follows nomination") {
  Network net;
  Config lite = full(false);
  lite.lite = true;
  Peer a("A", full(true), 5), b("B", lite, 6);
  attach_and_exchange(net, a, b);
  REQUIRE(net.run_until([&] { return both_connected(a, b); }, Duration::seconds(5)));
  check_same_path(a, b);
  CHECK(b.agent->stats().checks_sent == 0);
  CHECK(b.agent->stats().consent_checks_sent == 0);
  // Idle for a minute: the lite side sends few keep-alives, the full side few consent checks.
  uint32_t before_a = a.sent, before_b = b.sent;
  net.run_for(Duration::seconds(60));
  CHECK(both_connected(a, b));
  CHECK(a.sent - before_a <= 16);  // ~every 5 s +-20 %
  CHECK(b.sent - before_b <= 16);  // responses to consent only: no extra keep-alives needed
  CHECK(b.agent->stats().keepalives_sent == 0);
}

TEST_CASE("a lite agent with no traffic sends a keep-alive every 15 s, not more") {
  Network net;
  Config lite = full(false);
  lite.lite = true;
  // Without the peer's consent checks the lite side's pair would lapse at
  // 30 s (issue 12, agent_consent.cpp); this test is about keep-alives only.
  lite.timing.consent_timeout = Duration::seconds(3600);
  Config ctl = full(true);
  ctl.timing.consent_interval = Duration::seconds(600);  // silence the full side's consent checks
  ctl.timing.consent_timeout = Duration::seconds(3600);
  ctl.timing.disconnected_after = Duration::seconds(3600);
  Peer a("A", ctl, 5), b("B", lite, 6);
  attach_and_exchange(net, a, b);
  REQUIRE(net.run_until([&] { return both_connected(a, b); }, Duration::seconds(5)));
  net.run_for(Duration::seconds(61));
  CHECK(b.agent->stats().keepalives_sent >= 3);
  CHECK(b.agent->stats().keepalives_sent <= 5);
}

TEST_CASE("trickle: remote candidates arrive after the checks started, then end-of-candidates") {
  Network net;
  Peer a("A", full(true), 7), b("B", full(false), 8);
  net.attach(a);
  net.attach(b);
  net.bind(a, addr(1, 5000));
  // Credentials first, no candidates yet.
  REQUIRE(a.agent->set_remote_credentials("xxxx", "x").ok() == false);  // pwd too short: rejected
  const auto& ca = a.agent->local_credentials();
  const auto& cb = b.agent->local_credentials();
  REQUIRE(a.agent->set_remote_credentials(cb.ufrag_view(), cb.pwd_view()).ok());
  REQUIRE(b.agent->set_remote_credentials(ca.ufrag_view(), ca.pwd_view()).ok());
  // B trickles its candidates to A as its agent announces them (text, like SDP).
  b.on_event = [&](const RecordedEvent& e) {
    if (e.kind == EventKind::new_local_candidate) REQUIRE(a.agent->add_remote_candidate("a=" + e.text).ok());
    if (e.kind == EventKind::gathering_complete) a.agent->end_of_remote_candidates();
  };
  net.run_for(Duration::millis(500));
  CHECK(a.agent->state() == AgentState::checking);
  net.bind(b, addr(2, 6000));  // B learns its address late
  for (const CandidateCore& c : a.agent->local_candidates()) REQUIRE(b.agent->add_remote_candidate(c).ok());
  b.agent->end_of_remote_candidates();
  REQUIRE(net.run_until([&] { return both_connected(a, b); }, Duration::seconds(5)));
  check_same_path(a, b);
}

TEST_CASE("trickle: checks from a not-yet-signalled address create a peer-reflexive candidate") {
  Network net;
  Peer a("A", full(true), 9), b("B", full(false), 10);
  net.attach(a);
  net.attach(b);
  net.bind(a, addr(1, 5000));
  net.bind(b, addr(2, 6000));
  const auto& ca = a.agent->local_credentials();
  const auto& cb = b.agent->local_credentials();
  REQUIRE(a.agent->set_remote_credentials(cb.ufrag_view(), cb.pwd_view()).ok());
  REQUIRE(b.agent->set_remote_credentials(ca.ufrag_view(), ca.pwd_view()).ok());
  for (const CandidateCore& c : a.agent->local_candidates()) REQUIRE(b.agent->add_remote_candidate(c).ok());
  // A never hears of B's candidate: it learns B from B's checks.
  REQUIRE(net.run_until([&] { return both_connected(a, b); }, Duration::seconds(5)));
  REQUIRE(a.agent->remote_candidates().size() == 1);
  CHECK(a.agent->remote_candidates()[0].type == CandidateType::prflx);
  check_same_path(a, b);
  // Then the signalled candidate arrives and replaces the learned one.
  REQUIRE(a.agent->add_remote_candidate(b.agent->local_candidates()[0]).ok());
  CHECK(a.agent->remote_candidates()[0].type == CandidateType::host);
}

TEST_CASE("role conflict: both controlling, the larger tie-breaker keeps the role (487 repair)") {
  for (bool both_controlling : {true, false}) {
    CAPTURE(both_controlling);
    Network net;
    Peer a("A", full(both_controlling), 11), b("B", full(both_controlling), 12);
    attach_and_exchange(net, a, b);
    REQUIRE(net.run_until([&] { return both_connected(a, b); }, Duration::seconds(10)));
    check_same_path(a, b);
    CHECK(a.agent->controlling() != b.agent->controlling());
    bool a_wins = a.agent->tie_breaker() > b.agent->tie_breaker();
    CHECK(a.agent->controlling() == a_wins);
    CHECK(a.agent->stats().role_conflicts + b.agent->stats().role_conflicts > 0);
  }
}

TEST_CASE("a pair that never answers fails after 7 checks; another pair connects") {
  Network net;
  Peer a("A", full(true), 13), b("B", full(false), 14);
  net.attach(a);
  net.attach(b);
  net.bind(a, addr(1, 5000));
  net.bind(a, addr(3, 5000));  // this host's packets vanish
  net.bind(b, addr(2, 6000));
  net.drop = [](const Packet& p) { return p.from == addr(1, 5000) || p.to == addr(1, 5000); };
  exchange(a, b);
  REQUIRE(net.run_until([&] { return both_connected(a, b); }, Duration::seconds(10)));
  CHECK(a.agent->selected_local() == addr(3, 5000));
  // The dead pair is looked at when it fails: three seconds later the agent
  // frees its check list (RFC 8445 §8.3, issue 13) and keeps the selected pair.
  auto dead_pair = [&]() -> const CandidatePair* {
    for (const auto& p : a.agent->pairs())
      if (a.agent->local_candidates()[p.local].address == addr(1, 5000)) return &p;
    return nullptr;
  };
  REQUIRE(net.run_until([&] { return dead_pair() != nullptr && dead_pair()->state == PairState::failed; },
                        Duration::seconds(20)));
  const CandidatePair* dead = dead_pair();
  REQUIRE(dead != nullptr);
  CHECK(dead->state == PairState::failed);
  CHECK(dead->failure == PairFailure::timeout);
  CHECK(dead->transmits == 7);
  net.run_for(Duration::seconds(20));
  CHECK(a.agent->checks_released());
  CHECK(dead_pair() == nullptr);
  CHECK(both_connected(a, b));
}

TEST_CASE("no pair answers: failure with the reason in numbers") {
  Network net;
  Peer a("A", full(true), 15), b("B", full(false), 16);
  net.attach(a);
  net.attach(b);
  net.bind(a, addr(1, 5000));
  net.bind(a, addr(3, 5000));
  net.bind(b, addr(2, 6000));
  net.bind(b, addr(4, 6000));
  net.drop = [](const Packet&) { return true; };
  exchange(a, b);
  REQUIRE(net.run_until([&] { return a.has(EventKind::failed); }, Duration::seconds(60)));
  CHECK(a.last(EventKind::failed)->text == "no response to 7 checks on any of 4 pairs");
  CHECK(a.last(EventKind::failed)->code == Code::timeout);
  CHECK(a.agent->state() == AgentState::failed);
  CHECK(a.agent->stats().checks_sent == 28);
  // A failed agent sends nothing more.
  uint32_t sent = a.sent;
  net.run_for(Duration::seconds(10));
  CHECK(a.sent == sent);
}

TEST_CASE("responses that fail integrity never validate a pair: 'integrity check failed for every response'") {
  Network net;
  // B's consent checks on its valid pair would be triggered checks at A
  // (RFC 8445 §7.3.1.4) that restart A's failing checks: keep them away.
  Config cb = full(false);
  cb.timing.consent_interval = Duration::seconds(600);
  Peer a("A", full(true), 17), b("B", cb, 18);
  attach_and_exchange(net, a, b);
  // B's success responses to A get one MAC byte flipped (FINGERPRINT recomputed).
  net.rewrite = [&](Packet& p) {
    if (!(p.to == addr(1, 5000)) || p.bytes.size() < 52 || p.bytes[0] != 0x01 || p.bytes[1] != 0x01) return;
    std::size_t mac = p.bytes.size() - 8 - 20;
    p.bytes[mac] ^= 0x01;
    uint32_t crc = stun::crc32(Bytes(p.bytes.data(), p.bytes.size() - 8)) ^ stun::kFingerprintXor;
    store_be32(p.bytes, p.bytes.size() - 4, crc);
  };
  REQUIRE(net.run_until([&] { return a.has(EventKind::failed); }, Duration::seconds(60)));
  CHECK(a.last(EventKind::failed)->text == "integrity check failed for every response");
  CHECK(a.last(EventKind::failed)->code == Code::auth_failed);
  CHECK(a.agent->stats().integrity_failures >= 7);
  CHECK(a.agent->stats().responses_received == 0);
}

TEST_CASE("30% packet loss: the agents still connect") {
  for (uint64_t seed : {21u, 22u, 23u}) {
    CAPTURE(seed);
    Network net(seed);
    net.loss = 0.3;
    Peer a("A", full(true), seed), b("B", full(false), seed + 100);
    attach_and_exchange(net, a, b);
    REQUIRE(net.run_until([&] { return both_connected(a, b); }, Duration::seconds(20)));
    check_same_path(a, b);
    CHECK(net.lost > 0);
  }
}

TEST_CASE("ICE restart with new credentials selects a new path") {
  Network net;
  Peer a("A", full(true), 31), b("B", full(false), 32);
  attach_and_exchange(net, a, b);
  REQUIRE(net.run_until([&] { return both_connected(a, b); }, Duration::seconds(5)));
  std::string old_ufrag(a.agent->local_credentials().ufrag_view());
  int changes_before = a.count(EventKind::selected_pair_changed);
  a.agent->restart();
  b.agent->restart();
  CHECK(std::string(a.agent->local_credentials().ufrag_view()) != old_ufrag);
  CHECK(a.agent->remote_candidates().empty());
  CHECK(a.agent->has_selected());  // media keeps the old path meanwhile
  // B moves to a new address as part of the restart.
  net.bind(b, addr(4, 6000));
  exchange(a, b);
  REQUIRE(net.run_until([&] { return a.count(EventKind::selected_pair_changed) > changes_before &&
                                     both_connected(a, b) && a.agent->selected_pair() != nullptr &&
                                     b.agent->selected_pair() != nullptr; },
                        Duration::seconds(10)));
  check_same_path(a, b);
  CHECK(a.agent->selected_pair()->nominated);
  net.run_for(Duration::seconds(40));  // consent keeps flowing with the new credentials
  CHECK(both_connected(a, b));
}

// Issue 13: the check storage held only what this call has. It used to be
// one block sized by Config's max_* (8 local and 16 remote candidates, 64
// pairs: 14,144 bytes) from construction on, alive together with the DTLS
// handshake; with one candidate each way it is now one of each (and nothing
// before the first candidate), grown as candidates arrive, never past max_*.
TEST_CASE("ICE check storage holds what the call has, not the configured maximum") {
  Network net;
  Peer a("A", full(true), 37), b("B", full(false), 38);
  CHECK(a.agent->heap_bytes() == 0);  // nothing before the first candidate
  attach_and_exchange(net, a, b);
  REQUIRE(net.run_until([&] { return both_connected(a, b); }, Duration::seconds(5)));
  REQUIRE(a.agent->pairs().size() == 1);
  std::size_t one_each = 2 * sizeof(Candidate) + sizeof(SocketAddr) + sizeof(CandidatePair) + sizeof(Timestamp) + 64;
  CHECK(a.agent->heap_bytes() > 0);
  CHECK(a.agent->heap_bytes() <= one_each);
  CHECK(b.agent->heap_bytes() <= one_each);
}

// Issue 13: 3 s after completion the agent frees its check storage and
// keeps the selected pair (RFC 8445 §8.3); consent goes on. A restart then
// allocates it again and re-creates the host candidates it was given.
TEST_CASE("ICE restart after the check storage was freed re-creates the candidates and selects a new path") {
  Network net;
  Peer a("A", full(true), 35), b("B", full(false), 36);
  attach_and_exchange(net, a, b);
  REQUIRE(net.run_until([&] { return both_connected(a, b); }, Duration::seconds(5)));
  CHECK(a.agent->heap_bytes() > 0);
  CHECK_FALSE(a.agent->checks_released());
  const std::size_t heap_before = a.agent->heap_bytes() + b.agent->heap_bytes();
  uint32_t consent_before = a.agent->stats().consent_checks_sent;
  net.run_for(Duration::seconds(20));
  CHECK(a.agent->heap_bytes() + b.agent->heap_bytes() < heap_before);  // only the pairs blocks stay
  for (Peer* p : {&a, &b}) {
    CHECK(p->agent->checks_released());
    CHECK(p->agent->heap_bytes() > 0);  // the pairs block: it holds the selected pair now (issue 17)
    CHECK(p->agent->pairs().size() == 1);
    CHECK(p->agent->selected_pair() != nullptr);
  }
  CHECK(a.agent->stats().consent_checks_sent >= consent_before + 3);
  CHECK(both_connected(a, b));
  int changes_before = a.count(EventKind::selected_pair_changed);
  a.agent->restart();
  b.agent->restart();
  CHECK_FALSE(a.agent->checks_released());
  CHECK(a.agent->heap_bytes() > 0);
  REQUIRE(a.agent->local_candidates().size() == 1);
  CHECK(a.agent->local_candidates()[0].address == addr(1, 5000));
  CHECK(a.agent->has_selected());  // media keeps the old path meanwhile
  net.bind(b, addr(4, 6000));
  exchange(a, b);
  REQUIRE(net.run_until([&] { return a.count(EventKind::selected_pair_changed) > changes_before &&
                                     both_connected(a, b) && a.agent->selected_pair() != nullptr &&
                                     b.agent->selected_pair() != nullptr; },
                        Duration::seconds(10)));
  check_same_path(a, b);
  net.run_for(Duration::seconds(40));
  CHECK(both_connected(a, b));
  CHECK(a.agent->checks_released());
}

TEST_CASE("ICE restart whose new checks all fail reports failure (the old path is not enough)") {
  Network net;
  Peer a("A", full(true), 33), b("B", full(false), 34);
  attach_and_exchange(net, a, b);
  REQUIRE(net.run_until([&] { return both_connected(a, b); }, Duration::seconds(5)));
  a.agent->restart();
  b.agent->restart();
  net.drop = [](const Packet&) { return true; };
  exchange(a, b);
  REQUIRE(net.run_until([&] { return a.has(EventKind::failed); }, Duration::seconds(60)));
  CHECK(a.last(EventKind::failed)->text == "no response to 7 checks on the only pair");
}

TEST_CASE("consent freshness: checks every ~5 s; silence -> disconnected, then failed after 30 s") {
  Network net;
  Peer a("A", full(true), 41), b("B", full(false), 42);
  attach_and_exchange(net, a, b);
  REQUIRE(net.run_until([&] { return both_connected(a, b); }, Duration::seconds(5)));
  uint32_t consent_before = a.agent->stats().consent_checks_sent;
  net.run_for(Duration::seconds(60));
  uint32_t consent = a.agent->stats().consent_checks_sent - consent_before;
  CHECK(consent >= 10);  // 60 s / (4..6 s)
  CHECK(consent <= 15);
  CHECK(both_connected(a, b));
  // The path dies.
  Timestamp cut = net.now;
  net.drop = [](const Packet&) { return true; };
  REQUIRE(net.run_until([&] { return a.has(EventKind::disconnected); }, Duration::seconds(20)));
  CHECK(a.agent->state() == AgentState::disconnected);
  REQUIRE(net.run_until([&] { return a.has(EventKind::failed); }, Duration::seconds(40)));
  Duration took = a.last(EventKind::failed)->at - cut;
  CHECK(took.as_millis() <= 31000);
  CHECK(took.as_millis() >= 24000);  // 30 s after the last response, which came before the cut
  CHECK(a.last(EventKind::failed)->code == Code::consent_lost);
  CHECK(a.last(EventKind::failed)->text.find("no response to consent checks") == 0);
}

// The issue 7 half-open call: the controlled side has a valid pair (media
// may use it, RFC 8445 §12.1) but no nomination ever arrives, and the
// controlling side fails and goes quiet. RFC 7675 §5.1: consent covers that pair too.
TEST_CASE("consent on an unnominated valid pair: answered while the peer lives, lost 30 s after it fails") {
  Network net;
  Peer a("A", full(true), 45), b("B", full(false), 46);
  attach_and_exchange(net, a, b);
  net.drop = [&](const Packet& p) {
    auto m = stun::Message::parse(Bytes(p.bytes.data(), p.bytes.size()));
    return m.ok() && m->has(stun::attr::kUseCandidate);  // no nomination reaches B
  };
  auto b_valid = [&] {
    for (const CandidatePair& p : b.agent->pairs())
      if (p.valid) return true;
    return false;
  };
  REQUIRE(net.run_until(b_valid, Duration::seconds(5)));
  // A's nominating check is never answered: A fails at ICE and goes quiet
  // (a failed agent answers nothing), as in the chain sweep.
  REQUIRE(net.run_until([&] { return a.has(EventKind::failed); }, Duration::seconds(30)));
  CHECK(a.last(EventKind::failed)->text.find("no response") == 0);
  Timestamp a_failed = net.now;
  // Until then A answered B's consent checks on the valid pair.
  CHECK(b.agent->state() != AgentState::failed);
  CHECK_FALSE(b.agent->has_selected());
  CHECK(b.agent->stats().consent_checks_sent >= 2);
  CHECK(b.agent->stats().responses_received >= 2);
  // 30 s after the last consent response, B's consent is lost.
  REQUIRE(net.run_until([&] { return b.has(EventKind::failed); }, Duration::seconds(40)));
  Duration took = b.last(EventKind::failed)->at - a_failed;
  CHECK(took.as_millis() <= 31000);
  CHECK(took.as_millis() >= 24000);
  CHECK(b.last(EventKind::failed)->code == Code::consent_lost);
  CHECK(b.last(EventKind::failed)->text.find("no response to consent checks") == 0);
  CHECK(b.agent->state() == AgentState::failed);
}

TEST_CASE("consent: a response with a bad MESSAGE-INTEGRITY counts once, as an integrity failure") {
  Network net;
  Peer a("A", full(true), 47), b("B", full(false), 48);
  attach_and_exchange(net, a, b);
  REQUIRE(net.run_until([&] { return both_connected(a, b); }, Duration::seconds(5)));
  AgentStats before = a.agent->stats();
  net.rewrite = [&](Packet& p) {
    if (!(p.to == addr(1, 5000)) || p.bytes.size() < 52 || p.bytes[0] != 0x01 || p.bytes[1] != 0x01) return;
    std::size_t mac = p.bytes.size() - 8 - 20;
    p.bytes[mac] ^= 0x01;
    uint32_t crc = stun::crc32(Bytes(p.bytes.data(), p.bytes.size() - 8)) ^ stun::kFingerprintXor;
    store_be32(p.bytes, p.bytes.size() - 4, crc);
  };
  net.run_for(Duration::seconds(12));
  uint32_t bad = a.agent->stats().integrity_failures - before.integrity_failures;
  CHECK(bad >= 1);
  CHECK(bad == a.agent->stats().consent_checks_sent - before.consent_checks_sent);
  CHECK(a.agent->stats().unknown_transactions == before.unknown_transactions);
  CHECK(a.agent->stats().responses_received == before.responses_received);
}

TEST_CASE("consent: a disconnected agent reconnects when responses return") {
  Network net;
  Peer a("A", full(true), 43), b("B", full(false), 44);
  attach_and_exchange(net, a, b);
  REQUIRE(net.run_until([&] { return both_connected(a, b); }, Duration::seconds(5)));
  bool cut = true;
  net.drop = [&](const Packet&) { return cut; };
  REQUIRE(net.run_until([&] { return a.has(EventKind::disconnected); }, Duration::seconds(20)));
  cut = false;
  int connected_before = a.count(EventKind::connected);
  REQUIRE(net.run_until([&] { return a.count(EventKind::connected) > connected_before; }, Duration::seconds(10)));
  CHECK(a.agent->state() == AgentState::connected);
  CHECK_FALSE(a.has(EventKind::failed));
}

TEST_CASE("aggressive nomination from the controlling side is accepted") {
  Network net;
  Config agg = full(true);
  agg.aggressive_nomination = true;
  Peer a("A", agg, 51), b("B", full(false), 52);
  net.attach(a);
  net.attach(b);
  net.bind(a, addr(1, 5000));
  net.bind(a, addr(3, 5000));
  net.bind(b, addr(2, 6000));
  exchange(a, b);
  REQUIRE(net.run_until([&] { return both_connected(a, b); }, Duration::seconds(5)));
  net.run_for(Duration::seconds(2));
  check_same_path(a, b);
  CHECK(a.agent->selected_local() == addr(1, 5000));  // the best nominated pair stays selected
}

TEST_CASE("a simulation replays exactly from its seeds") {
  auto run = [] {
    Network net(99);
    net.loss = 0.2;
    Peer a("A", full(true), 61), b("B", full(false), 62);
    attach_and_exchange(net, a, b);
    REQUIRE(net.run_until([&] { return both_connected(a, b); }, Duration::seconds(20)));
    return std::make_pair(net.now.as_micros(), a.agent->stats().checks_sent);
  };
  CHECK(run() == run());
}

TEST_CASE("behind a NAT: peer-reflexive candidates on both sides carry the call") {
  Network net;
  Peer a("A", full(true), 81), b("B", full(false), 82);
  net.attach(a);
  net.attach(b);
  const SocketAddr host = SocketAddr::v4(192, 168, 1, 10, 5000);
  const SocketAddr pub = SocketAddr::v4(203, 0, 113, 5, 40000);
  net.bind(a, host);
  net.bind(b, addr(2, 6000));
  // A's NAT: outgoing source host -> pub; incoming pub -> host. The private
  // host address is unreachable from B.
  net.rewrite = [&](Packet& p) {
    if (p.from == host) p.from = pub;
    if (p.to == pub) p.to = host;
  };
  net.drop = [&](const Packet& p) { return p.to == host && !(p.from == host); };
  exchange(a, b);
  REQUIRE(net.run_until([&] { return both_connected(a, b); }, Duration::seconds(10)));
  // B learned A's public address from A's checks (remote peer-reflexive) ...
  CHECK(b.agent->selected_remote() == pub);
  bool remote_prflx = false;
  for (const CandidateCore& c : b.agent->remote_candidates()) remote_prflx |= c.type == CandidateType::prflx && c.address == pub;
  CHECK(remote_prflx);
  // ... and A learned it from B's XOR-MAPPED-ADDRESS (local peer-reflexive).
  bool local_prflx = false;
  for (const CandidateCore& c : a.agent->local_candidates()) local_prflx |= c.type == CandidateType::prflx && c.address == pub;
  CHECK(local_prflx);
  CHECK(a.agent->selected_local() == host);  // sent from the base
  CHECK(a.agent->selected_remote() == addr(2, 6000));
}

TEST_CASE("a full agent told the peer is lite takes the controlling role (RFC 8445 §6.1.1)") {
  Network net;
  Config lite = full(false);
  lite.lite = true;
  Peer a("A", full(false), 91), b("B", lite, 92);  // A was configured controlled
  attach_and_exchange(net, a, b);
  a.agent->set_remote_lite();
  CHECK(a.agent->controlling());
  REQUIRE(net.run_until([&] { return both_connected(a, b); }, Duration::seconds(5)));
  check_same_path(a, b);
}

// Issue 12, ICE-lite finding. Story: a lite agent keeps the highest-priority
// nominated pair, and one authenticated USE-CANDIDATE check replayed with a
// victim's source address moved media to the victim for as long as the call
// lasted. (Here A's address reaches B as peer-reflexive, as behind a NAT, so
// the replay's pair has the same priority as the real one.) The victim never
// checks again, so that pair lapses after the consent timeout and the pair
// the peer keeps checking (its consent checks) is selected again.
TEST_CASE("lite: a USE-CANDIDATE replayed from a victim's address holds the selection at most the consent timeout") {
  Network net;
  Config lite = full(false);
  lite.lite = true;
  Peer a("A", full(true), 5), b("B", lite, 6);
  const SocketAddr a_addr = SocketAddr::v4(127, 0, 0, 1, 5000), b_addr = SocketAddr::v4(127, 0, 0, 2, 6000);
  const SocketAddr victim = SocketAddr::v4(127, 0, 0, 9, 7000);
  std::vector<uint8_t> nomination;
  net.drop = [&](const Packet& p) {
    auto m = stun::Message::parse(p.bytes);
    if (p.from == a_addr && m.ok() && m->has(stun::attr::kUseCandidate)) nomination = p.bytes;
    return false;
  };
  net.attach(a);
  net.attach(b);
  net.bind(a, a_addr);
  net.bind(b, b_addr);
  const Credentials& ca = a.agent->local_credentials();
  const Credentials& cb = b.agent->local_credentials();
  REQUIRE(b.agent->set_remote_credentials(ca.ufrag_view(), ca.pwd_view()).ok());
  REQUIRE(a.agent->set_remote_credentials(cb.ufrag_view(), cb.pwd_view()).ok());
  for (const CandidateCore& cand : b.agent->local_candidates()) REQUIRE(a.agent->add_remote_candidate(cand).ok());
  a.agent->end_of_remote_candidates();
  REQUIRE(net.run_until([&] { return both_connected(a, b); }, Duration::seconds(5)));
  REQUIRE(!nomination.empty());
  CHECK(b.agent->selected_remote() == a_addr);
  // The question peer/ asks is about a pair, not a remote alone: the same
  // remote reached on a local address that is not the pair's base is not
  // validated (RFC 8445 §7.2.5.3: the check succeeded on that pair only).
  CHECK(b.agent->validated_path(b_addr, a_addr));
  CHECK(!b.agent->validated_path(SocketAddr::v4(127, 0, 0, 99, b_addr.port), a_addr));

  // The replay: authenticated, so the lite agent follows it.
  (void)b.agent->handle_datagram(net.now, nomination, victim, b_addr);
  net.drain(b);
  REQUIRE(b.agent->selected_remote() == victim);
  CHECK(b.agent->validated_path(b_addr, victim));

  net.run_for(Duration::seconds(25));
  CHECK(b.agent->selected_remote() == victim);  // within the consent timeout
  net.run_for(Duration::seconds(6));
  CHECK(b.agent->selected_remote() == a_addr);  // the pair A keeps checking
  CHECK(!b.agent->validated_path(b_addr, victim));
  CHECK(b.agent->state() == AgentState::connected);
  CHECK(both_connected(a, b));
}
