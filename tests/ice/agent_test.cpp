// SPDX-License-Identifier: Apache-2.0
// One ICE agent fed hand-made datagrams: authentication, error responses,
// priorities, candidates, gathering, capacities.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "keyway/ice/agent.hpp"
#include "keyway/ice/priority.hpp"
#include "keyway/ice/stun/builder.hpp"
#include "tests/ice/agent_fixture.hpp"
#include "tests/ice/sim.hpp"
#include "tests/support/hex.hpp"

using namespace keyway;
using namespace keyway::ice;

namespace {

const SocketAddr kLocal = SocketAddr::v4(10, 0, 0, 1, 5000);
const SocketAddr kRemote = SocketAddr::v4(10, 0, 0, 2, 6000);

struct Fixture : fixture::ControlledAgent {
  Fixture() : ControlledAgent(77, kLocal, Remote::credentials) {}
};

std::vector<uint8_t> request(const char* user, const char* pwd, bool use_candidate, uint16_t extra_attr = 0,
                             bool with_mi = true, bool with_priority = true) {
  std::vector<uint8_t> buf(512);
  stun::TransactionId tx;
  for (int i = 0; i < 12; ++i) tx.bytes[i] = static_cast<uint8_t>(0xA0 + i);
  stun::Builder b(buf, stun::message_type(stun::kMethodBinding, stun::Class::request), tx);
  b.add_text(stun::attr::kUsername, user);
  if (with_priority) b.add_u32(stun::attr::kPriority, 0x6e7fffff);
  b.add_u64(stun::attr::kIceControlling, 42);
  if (use_candidate) b.add_flag(stun::attr::kUseCandidate);
  if (extra_attr != 0) b.add_u32(extra_attr, 7);
  if (with_mi) b.add_message_integrity(crypto::HmacSha1(test::bytes_of(pwd)));
  b.add_fingerprint();
  auto out = b.finish();
  return std::vector<uint8_t>(out->begin(), out->end());
}

}  // namespace

TEST_CASE("priority formulas (RFC 8445 §5.1.2.1, §6.1.2.3)") {
  CHECK(candidate_priority(CandidateType::host, 65535, 1) == 2130706431u);
  CHECK(candidate_priority(CandidateType::srflx, 65535, 1) == 1694498815u);
  CHECK(candidate_priority(CandidateType::prflx, 65535, 1) == 1862270975u);
  CHECK(candidate_priority(CandidateType::relay, 0, 1) == 255u);
  CHECK(pair_priority(10, 20) == (uint64_t{10} << 32) + 40);
  CHECK(pair_priority(20, 10) == (uint64_t{10} << 32) + 41);
  CHECK(local_preference_of(candidate_priority(CandidateType::host, 1234, 1)) == 1234);
}

TEST_CASE("a request with a bad MESSAGE-INTEGRITY never changes agent state") {
  Fixture f;
  f.drain();
  auto stats_before = f.agent.stats();
  bool controlling_before = f.agent.controlling();
  auto bad = request("LOCALUFRAG:REMOTEUFRAG", "not-the-password", true);
  CHECK(f.agent.handle_datagram(f.now, bad, kRemote, kLocal) == Verdict::discarded);
  CHECK(f.agent.remote_candidates().empty());  // no peer-reflexive candidate learned
  CHECK(f.agent.pairs().empty());
  CHECK(f.agent.controlling() == controlling_before);
  CHECK_FALSE(f.agent.has_selected());
  CHECK(f.drain().empty());  // nothing is answered
  CHECK(f.agent.stats().integrity_failures == stats_before.integrity_failures + 1);
  CHECK(f.agent.stats().requests_received == stats_before.requests_received);
  // The wrong ufrag is dropped the same way.
  auto wrong_user = request("SOMEONEELSE:REMOTEUFRAG", "localpasswordlocalpassword", true);
  CHECK(f.agent.handle_datagram(f.now, wrong_user, kRemote, kLocal) == Verdict::discarded);
  CHECK(f.agent.remote_candidates().empty());
  // A good one is answered and teaches a peer-reflexive candidate.
  auto good = request("LOCALUFRAG:REMOTEUFRAG", "localpasswordlocalpassword", false);
  CHECK(f.agent.handle_datagram(f.now, good, kRemote, kLocal) == Verdict::accepted);
  REQUIRE(f.agent.remote_candidates().size() == 1);
  CHECK(f.agent.remote_candidates()[0].type == CandidateType::prflx);
  CHECK(f.agent.remote_candidates()[0].priority == 0x6e7fffffu);
  auto out = f.drain();
  REQUIRE(!out.empty());
  auto resp = stun::Message::parse(out[0]);
  REQUIRE(resp.ok());
  CHECK(resp->message_class() == stun::Class::success);
  CHECK(*resp->xor_address(stun::attr::kXorMappedAddress) == kRemote);
  CHECK(resp->verify_integrity(f.agent.local_credentials().key()).ok());
  CHECK(resp->has(stun::attr::kFingerprint));
}

TEST_CASE("unknown comprehension-required attribute -> 420 listing it") {
  Fixture f;
  f.drain();
  auto req = request("LOCALUFRAG:REMOTEUFRAG", "localpasswordlocalpassword", false, 0x0031);
  CHECK(f.agent.handle_datagram(f.now, req, kRemote, kLocal) == Verdict::accepted);
  auto out = f.drain();
  REQUIRE(out.size() >= 1);
  auto resp = stun::Message::parse(out[0]);
  REQUIRE(resp.ok());
  CHECK(resp->message_class() == stun::Class::error);
  CHECK(resp->error_code()->code == 420);
  REQUIRE(resp->unknown_attributes()->count == 1);
  CHECK(resp->unknown_attributes()->types[0] == 0x0031);
  CHECK(resp->verify_integrity(f.agent.local_credentials().key()).ok());
  CHECK(f.agent.remote_candidates().empty());  // not processed as a check
}

TEST_CASE("a request without MESSAGE-INTEGRITY or PRIORITY -> 400") {
  Fixture f;
  f.drain();
  auto no_mi = request("LOCALUFRAG:REMOTEUFRAG", "", false, 0, false);
  CHECK(f.agent.handle_datagram(f.now, no_mi, kRemote, kLocal) == Verdict::accepted);
  auto out = f.drain();
  REQUIRE(out.size() == 1);
  auto resp = stun::Message::parse(out[0]);
  CHECK(resp->error_code()->code == 400);
  CHECK_FALSE(resp->has(stun::attr::kMessageIntegrity));
  auto no_prio = request("LOCALUFRAG:REMOTEUFRAG", "localpasswordlocalpassword", false, 0, true, false);
  CHECK(f.agent.handle_datagram(f.now, no_prio, kRemote, kLocal) == Verdict::accepted);
  out = f.drain();
  REQUIRE(out.size() == 1);
  CHECK(stun::Message::parse(out[0])->error_code()->code == 400);
  CHECK(f.agent.remote_candidates().empty());
}

TEST_CASE("role conflict on an incoming request: the larger tie-breaker wins (RFC 8445 §7.3.1.1)") {
  SeededRng rng(5);
  Config c;
  c.controlling = true;
  c.rng = &rng;
  Agent agent(c);
  REQUIRE(agent.add_local_host(kLocal).ok());
  REQUIRE(agent.set_local_credentials("LOCALUFRAG", "localpasswordlocalpassword").ok());
  // The request carries ICE-CONTROLLING 42: our random tie-breaker is larger -> 487.
  REQUIRE(agent.tie_breaker() >= 42);
  auto req = request("LOCALUFRAG:REMOTEUFRAG", "localpasswordlocalpassword", false);
  CHECK(agent.handle_datagram(Timestamp::zero(), req, kRemote, kLocal) == Verdict::accepted);
  std::vector<uint8_t> scratch(1500);
  Output o;
  do o = agent.poll_output(Timestamp::zero(), scratch); while (o.kind == Output::Kind::event);
  REQUIRE(o.kind == Output::Kind::transmit);
  CHECK(stun::Message::parse(o.transmit.bytes)->error_code()->code == 487);
  CHECK(agent.controlling());
  CHECK(agent.stats().role_conflicts == 1);
}

TEST_CASE("TCP and other-component remote candidates are accepted and ignored") {
  Fixture f;
  CHECK(f.agent.add_remote_candidate("candidate:2 1 tcp 1518280447 10.0.0.2 9 typ host tcptype active").ok());
  CHECK(f.agent.add_remote_candidate("candidate:2 2 udp 2130706430 10.0.0.2 6001 typ host").ok());
  CHECK(f.agent.remote_candidates().empty());
  CHECK(f.agent.stats().ignored_candidates == 2);
  CHECK(f.agent.add_remote_candidate("candidate:1 1 udp 2130706431 10.0.0.2 6000 typ host").ok());
  CHECK(f.agent.remote_candidates().size() == 1);
  CHECK(f.agent.pairs().size() == 1);
  CHECK(f.agent.add_remote_candidate("candidate:1 1 udp 2130706431 2001:db8::2 6000 typ host").ok());
  CHECK(f.agent.pairs().size() == 1);  // no IPv6 local: nothing to pair with
  auto bad = f.agent.add_remote_candidate("candidate:1 1 udp 1 host.local 1 typ host");
  CHECK(bad.error().code == Code::unsupported);
}

TEST_CASE("capacities: remote candidates beyond the configured bound are refused") {
  SeededRng rng(3);
  Config c;
  c.rng = &rng;
  c.max_remote_candidates = 2;
  Agent agent(c);
  CHECK(agent.add_remote_candidate("candidate:1 1 udp 1 10.0.0.2 1 typ host").ok());
  CHECK(agent.add_remote_candidate("candidate:1 1 udp 1 10.0.0.2 2 typ host").ok());
  auto third = agent.add_remote_candidate("candidate:1 1 udp 1 10.0.0.2 3 typ host");
  REQUIRE_FALSE(third.ok());
  CHECK(third.error().code == Code::capacity);
  CHECK(agent.add_local_host(kLocal).ok());
  CHECK(agent.add_local_host(kLocal).error().code == Code::invalid_argument);
}

// Story (issue 13): peer::Connection::add_local_address(0.0.0.0:port) was
// accepted and 0.0.0.0 offered to the peer as a host candidate.
TEST_CASE("a host candidate must be a concrete address: 0.0.0.0, :: and port 0 are refused") {
  SeededRng rng(4);
  Config c;
  c.rng = &rng;
  Agent agent(c);
  const uint8_t any6[16] = {};
  for (const SocketAddr& a : {SocketAddr::v4(0, 0, 0, 0, 5000), SocketAddr::v6(any6, 5000), SocketAddr::v4(127, 0, 0, 1, 0)}) {
    auto r = agent.add_local_host(a);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Code::invalid_argument);
    CHECK(std::string(r.error().detail).find("0.0.0.0") != std::string::npos);
  }
  CHECK(agent.local_candidates().empty());
  CHECK(agent.add_local_host(SocketAddr::v4(127, 0, 0, 1, 5000)).ok());
}

TEST_CASE("an agent without an Rng reports failure instead of crashing") {
  Config c;
  Agent agent(c);
  CHECK(agent.state() == AgentState::failed);
  std::vector<uint8_t> scratch(100);
  Output o = agent.poll_output(Timestamp::zero(), scratch);
  CHECK(o.kind == Output::Kind::event);
  CHECK(o.event.kind == EventKind::failed);
  CHECK(o.event.error.code == Code::invalid_argument);
  CHECK(std::string(o.event.error.detail).find("rng") != std::string::npos);
  CHECK(agent.poll_output(Timestamp::zero(), scratch).kind == Output::Kind::timeout);
}

TEST_CASE("responses matching no transaction, non-STUN and non-Binding datagrams are discarded") {
  Fixture f;
  std::vector<uint8_t> buf(128);
  stun::TransactionId tx{};
  stun::Builder b(buf, stun::message_type(stun::kMethodBinding, stun::Class::success), tx);
  b.add_xor_address(stun::attr::kXorMappedAddress, kLocal);
  auto resp = b.finish();
  CHECK(f.agent.handle_datagram(f.now, *resp, kRemote, kLocal) == Verdict::discarded);
  CHECK(f.agent.stats().unknown_transactions == 1);
  uint8_t dtls[] = {22, 0xfe, 0xfd, 0, 0};
  CHECK(f.agent.handle_datagram(f.now, dtls, kRemote, kLocal) == Verdict::discarded);
  CHECK(f.agent.stats().malformed == 1);
  stun::Builder alloc(buf, stun::message_type(0x003, stun::Class::request), tx);
  CHECK(f.agent.handle_datagram(f.now, *alloc.finish(), kRemote, kLocal) == Verdict::discarded);
}

TEST_CASE("server-reflexive gathering through a caller-named STUN server") {
  using namespace sim;
  Network net;
  Peer a("A", Config{}, 71);
  net.attach(a);
  net.bind(a, SocketAddr::v4(192, 168, 1, 10, 5000));
  const SocketAddr server = SocketAddr::v4(198, 51, 100, 1, 3478);
  const SocketAddr mapped = SocketAddr::v4(203, 0, 113, 9, 41000);
  int requests = 0;
  net.stun_server = [&](Network& n, const Packet& p) {
    if (!(p.to == server)) return;
    ++requests;
    if (requests < 3) return;  // the first two are lost: retransmission must happen
    auto req = stun::Message::parse(p.bytes);
    REQUIRE(req.ok());
    std::vector<uint8_t> buf(128);
    stun::Builder b(buf, stun::message_type(stun::kMethodBinding, stun::Class::success), req->transaction_id());
    b.add_xor_address(stun::attr::kXorMappedAddress, mapped);
    b.add_fingerprint();
    auto out = b.finish();
    n.inject(Packet{n.now + n.latency, server, p.from, std::vector<uint8_t>(out->begin(), out->end())});
  };
  REQUIRE(a.agent->add_stun_server(server).ok());
  REQUIRE(net.run_until([&] { return a.has(EventKind::gathering_complete); }, Duration::seconds(10)));
  CHECK(requests == 3);
  REQUIRE(a.agent->local_candidates().size() == 2);
  const CandidateCore& srflx = a.agent->local_candidates()[1];
  CHECK(srflx.type == CandidateType::srflx);
  CHECK(srflx.address == mapped);
  CHECK(srflx.related == SocketAddr::v4(192, 168, 1, 10, 5000));
  CHECK(a.count(EventKind::new_local_candidate) == 2);
  std::string line = a.events[1].kind == EventKind::new_local_candidate ? a.events[1].text : "";
  CHECK(line.find("typ srflx raddr 192.168.1.10 rport 5000") != std::string::npos);
}

TEST_CASE("poll_output names the reason for its deadline") {
  Fixture f;
  f.drain();
  CHECK(std::string(f.agent.last_timeout_reason()) == "none");
  REQUIRE(f.agent.add_remote_candidate("candidate:1 1 udp 2130706431 10.0.0.2 6000 typ host").ok());
  auto out = f.drain();
  CHECK(out.size() == 1);  // one check, then wait
  CHECK(std::string(f.agent.last_timeout_reason()) == "check retransmit");
}

TEST_CASE("a full pair table prunes its lowest Frozen/Waiting pair for a better one (RFC 8445 §6.1.2.5)") {
  SeededRng rng(4);
  Config c;
  c.rng = &rng;
  c.max_pairs = 2;
  Agent agent(c);
  REQUIRE(agent.add_local_host(kLocal).ok());
  REQUIRE(agent.add_remote_candidate("candidate:1 1 udp 1000 10.0.0.2 1 typ host").ok());
  REQUIRE(agent.add_remote_candidate("candidate:2 1 udp 2000 10.0.0.2 2 typ host").ok());
  REQUIRE(agent.pairs().size() == 2);
  REQUIRE(agent.add_remote_candidate("candidate:3 1 udp 500 10.0.0.2 3 typ host").ok());  // worse: refused
  CHECK(agent.stats().dropped == 1);
  REQUIRE(agent.add_remote_candidate("candidate:4 1 udp 3000 10.0.0.2 4 typ host").ok());  // better: replaces port 1
  REQUIRE(agent.pairs().size() == 2);
  bool has_port1 = false, has_port4 = false;
  for (const auto& p : agent.pairs()) {
    uint16_t port = agent.remote_candidates()[p.remote].address.port;
    has_port1 |= port == 1;
    has_port4 |= port == 4;
  }
  CHECK_FALSE(has_port1);
  CHECK(has_port4);
}

TEST_CASE("a scratch buffer too small for any message never makes the agent spin") {
  // Story: a failed build once left a retransmit deadline in the past, so
  // the caller was told to wake up "now" forever. Every schedule advances.
  SeededRng rng(8);
  Config c;
  c.rng = &rng;
  Agent agent(c);
  REQUIRE(agent.add_local_host(kLocal).ok());
  REQUIRE(agent.add_stun_server(SocketAddr::v4(198, 51, 100, 1, 3478)).ok());
  REQUIRE(agent.set_remote_credentials("REMOTEUFRAG", "remotepasswordremotepassword").ok());
  REQUIRE(agent.add_remote_candidate("candidate:1 1 udp 2130706431 10.0.0.2 6000 typ host").ok());
  agent.end_of_remote_candidates();
  std::vector<uint8_t> tiny(16);
  Timestamp now = Timestamp::from_micros(1000);
  int polls = 0;
  while (agent.state() != AgentState::failed && polls < 10000) {
    Output o = agent.poll_output(now, tiny);
    ++polls;
    CHECK(o.kind != Output::Kind::transmit);
    if (o.kind == Output::Kind::timeout) {
      REQUIRE(!o.deadline.is_never());
      REQUIRE(o.deadline > now);  // always a real step forward
      now = o.deadline;
      agent.handle_timeout(now);
    }
  }
  CHECK(agent.state() == AgentState::failed);
  CHECK(polls < 200);
}

// lib/sans_io.hpp: time never goes backwards. A handle_timeout with an
// earlier time neither sends a check nor moves the deadline.
TEST_CASE("agent: handle_timeout with an earlier time changes nothing") {
  Fixture f;
  REQUIRE(f.agent.add_remote_candidate("candidate:1 1 udp 2130706431 10.0.0.2 6000 typ host").ok());
  const Timestamp t10 = Timestamp::from_micros(10'000'000);
  Output waiting = f.agent.poll_output(t10, f.scratch);
  for (int i = 0; i < 16 && waiting.kind != Output::Kind::timeout; ++i) waiting = f.agent.poll_output(t10, f.scratch);
  REQUIRE(waiting.kind == Output::Kind::timeout);
  uint32_t sent = f.agent.stats().checks_sent;
  f.agent.handle_timeout(Timestamp::from_micros(1));
  Output again = f.agent.poll_output(Timestamp::from_micros(1), f.scratch);
  CHECK(again.kind == Output::Kind::timeout);
  CHECK(again.deadline == waiting.deadline);
  CHECK(f.agent.stats().checks_sent == sent);
}

namespace {

// The success response a peer with the fixture's remote password sends to our
// check `txid` (RFC 8445 §7.2.5.3: XOR-MAPPED-ADDRESS, MESSAGE-INTEGRITY).
std::vector<uint8_t> success_response(const stun::TransactionId& txid) {
  std::vector<uint8_t> buf(512);
  stun::Builder b(buf, stun::message_type(stun::kMethodBinding, stun::Class::success), txid);
  b.add_xor_address(stun::attr::kXorMappedAddress, kLocal);
  b.add_message_integrity(crypto::HmacSha1(test::bytes_of("remotepasswordremotepassword")));
  b.add_fingerprint();
  auto out = b.finish();
  return std::vector<uint8_t>(out->begin(), out->end());
}

// The one Binding request among `sent` (the agent's check), by transaction id.
stun::TransactionId check_txid(const std::vector<std::vector<uint8_t>>& sent) {
  for (const auto& d : sent) {
    auto m = stun::Message::parse(d);
    if (m.ok() && m->message_class() == stun::Class::request) return m->transaction_id();
  }
  FAIL("no check was sent");
  return {};
}

}  // namespace

TEST_CASE("a cancelled check's response still validates the pair after a second cancellation (RFC 8445 §7.3.1.4)") {
  // Story (issue 12): a peer's check cancels our In-Progress check for a
  // triggered one; RFC 8445 §7.3.1.4 says the cancelled one's response still
  // counts for its transaction timeout. The agent remembered one cancelled
  // id per pair, so a second cancellation (the peer's retransmitted check,
  // or a held ClientHello asking peer/ to check again) dropped the first
  // one's answer as an unknown transaction — already on its way — and the
  // DTLS server held the peer's ClientHello a round trip longer.
  Fixture f;
  REQUIRE(f.agent.add_remote_candidate("candidate:1 1 udp 2130706431 10.0.0.2 6000 typ host").ok());
  stun::TransactionId first = check_txid(f.drain());  // our check, In-Progress
  auto peer_check = request("LOCALUFRAG:REMOTEUFRAG", "localpasswordlocalpassword", false);
  REQUIRE(f.agent.handle_datagram(f.now, peer_check, kRemote, kLocal) == Verdict::accepted);
  stun::TransactionId second = check_txid(f.drain());  // our response, and at once the triggered check
  CHECK_FALSE(second == first);
  // The peer repeats its check: the triggered check is cancelled in turn.
  REQUIRE(f.agent.handle_datagram(f.now, peer_check, kRemote, kLocal) == Verdict::accepted);
  f.drain();
  CHECK_FALSE(f.agent.validated_path(kLocal, kRemote).has_value());
  // The answer to the first check arrives.
  uint32_t unknown_before = f.agent.stats().unknown_transactions;
  f.now = f.now + Duration::millis(5);
  CHECK(f.agent.handle_datagram(f.now, success_response(first), kRemote, kLocal) == Verdict::accepted);
  CHECK(f.agent.stats().unknown_transactions == unknown_before);
  CHECK(f.agent.validated_path(kLocal, kRemote).has_value());
}

TEST_CASE("a check the peer's DTLS waits for is retransmitted on the round trip just seen, not the RTO floor") {
  // Story (issue 12): peer/ holds the peer's ClientHello until our check
  // toward it succeeds, and asks for that check again (check_again). When the
  // check was lost, the next try waited for the RTO floor (500 ms here, 250 ms
  // in calls) or for the peer's next ClientHello (its timer doubling): the
  // DTLS server then answered seconds late under loss. The peer has just
  // shown the round trip — it answered us and spoke DTLS — so the check is
  // retransmitted after that time (at least Ta), doubling from there.
  Fixture f;
  const Timestamp t0 = f.now;
  REQUIRE(f.agent.add_remote_candidate("candidate:1 1 udp 2130706431 10.0.0.2 6000 typ host").ok());
  check_txid(f.drain());  // t0: our first check, lost
  f.now = t0 + Duration::millis(25);
  auto peer_check = request("LOCALUFRAG:REMOTEUFRAG", "localpasswordlocalpassword", false);
  REQUIRE(f.agent.handle_datagram(f.now, peer_check, kRemote, kLocal) == Verdict::accepted);
  check_txid(f.drain());  // our response, and at once the triggered check: lost too
  // t0 + 75: the peer's ClientHello arrives and is held; peer/ asks again.
  f.now = t0 + Duration::millis(75);
  f.agent.check_again(kLocal, kRemote);
  stun::TransactionId again = check_txid(f.drain());  // at once (start_triggered_early)
  // 50 ms since we last sent on the pair: retransmitted 50 ms later (the
  // RTO floor is 500 ms here).
  f.now = t0 + Duration::millis(124);
  CHECK(f.drain().empty());
  f.now = t0 + Duration::millis(125);
  auto sent = f.drain();
  REQUIRE(sent.size() == 1);
  CHECK(check_txid(sent) == again);
}

TEST_CASE("a triggered check goes at once, borrowing the next Ta slot, and never more than one (RFC 8445 §14.2)") {
  // Story (issue 12): the peer's check arriving within Ta of our own check
  // waited for the next Ta slot before its triggered check (RFC 8445
  // §7.3.1.4) went out, and DTLS waits for that check's validation. It now
  // takes the next slot at once; the slot after that is then the next, so
  // checks still average one per Ta, and a peer repeating its check (or a
  // replay of it) cannot draw checks faster than that.
  Fixture f;
  const Timestamp t0 = f.now;
  REQUIRE(f.agent.add_remote_candidate("candidate:1 1 udp 2130706431 10.0.0.2 6000 typ host").ok());
  stun::TransactionId first = check_txid(f.drain());  // t0: our check; the next slot is t0 + Ta (50 ms)
  auto peer_check = request("LOCALUFRAG:REMOTEUFRAG", "localpasswordlocalpassword", false);
  f.now = t0 + Duration::millis(10);
  REQUIRE(f.agent.handle_datagram(f.now, peer_check, kRemote, kLocal) == Verdict::accepted);
  auto sent = f.drain();
  REQUIRE(sent.size() == 2);  // the response, and the triggered check (was: the response only, the check at t0 + 50)
  stun::TransactionId triggered = check_txid(sent);
  CHECK_FALSE(triggered == first);
  // The peer repeats its check at t0 + 20: the slot at t0 + 50 is taken, so
  // the next triggered check waits for t0 + 100.
  f.now = t0 + Duration::millis(20);
  REQUIRE(f.agent.handle_datagram(f.now, peer_check, kRemote, kLocal) == Verdict::accepted);
  CHECK(f.drain().size() == 1);  // the response only
  Output o = f.agent.poll_output(f.now, f.scratch);
  REQUIRE(o.kind == Output::Kind::timeout);
  CHECK(o.deadline == t0 + Duration::millis(100));
  f.now = t0 + Duration::millis(100);
  sent = f.drain();
  REQUIRE(sent.size() == 1);
  CHECK_FALSE(check_txid(sent) == triggered);
}
