// SPDX-License-Identifier: Apache-2.0
// The steady state allocates nothing (style.md §5): the counting allocator
// (tests/support/counting_alloc.cpp) watches every agent call over 10,000 consent round trips
// and datagrams after two agents connected. (Its own executable, because
// that replaces operator new.)
#include <doctest/doctest.h>

#include "keyway/ice/turn/client.hpp"
#include "tests/ice/sim.hpp"
#include "tests/support/counting_alloc.hpp"
#include "tests/support/turn_model.hpp"

using namespace keyway;
using namespace keyway::ice;

TEST_CASE("no allocation in the agent after connection: 10,000 consent exchanges and checks") {
  SeededRng ra(1), rb(2);
  Config ca, cb;
  ca.rng = &ra;
  cb.rng = &rb;
  cb.controlling = false;
  ca.timing.consent_interval = Duration::millis(100);  // many consent round trips, quickly
  cb.timing.consent_interval = Duration::millis(100);
  Agent a(ca), b(cb);
  const SocketAddr la = SocketAddr::v4(10, 0, 0, 1, 5000), lb = SocketAddr::v4(10, 0, 0, 2, 6000);
  REQUIRE(a.add_local_host(la).ok());
  REQUIRE(b.add_local_host(lb).ok());
  REQUIRE(a.set_remote_credentials(b.local_credentials().ufrag_view(), b.local_credentials().pwd_view()).ok());
  REQUIRE(b.set_remote_credentials(a.local_credentials().ufrag_view(), a.local_credentials().pwd_view()).ok());
  REQUIRE(a.add_remote_candidate(b.local_candidates()[0]).ok());
  REQUIRE(b.add_remote_candidate(a.local_candidates()[0]).ok());

  // A tiny zero-latency loop with fixed buffers: the harness allocates nothing either.
  uint8_t scratch[1500];
  uint8_t held[2][1500];
  std::size_t held_len[2] = {0, 0};
  Timestamp now = Timestamp::from_micros(1000000);
  Agent* agents[2] = {&a, &b};
  const SocketAddr addrs[2] = {la, lb};
  std::size_t datagrams = 0;
  bool warm = false;
  uint64_t allocations_at_warm = 0;
  for (int step = 0; step < 200000 && datagrams < 10000; ++step) {
    if (!warm && a.state() == AgentState::connected && b.state() == AgentState::connected) {
      warm = true;
      allocations_at_warm = keyway::testing::allocation_count();
    }
    Timestamp next = Timestamp::never();
    for (int s = 0; s < 2; ++s) {
      for (;;) {
        Output o = agents[s]->poll_output(now, scratch);
        if (o.kind == Output::Kind::timeout) {
          next = earliest(next, o.deadline);
          break;
        }
        if (o.kind == Output::Kind::transmit && held_len[1 - s] == 0) {
          std::copy(o.transmit.bytes.begin(), o.transmit.bytes.end(), held[1 - s]);
          held_len[1 - s] = o.transmit.bytes.size();
        }
      }
    }
    for (int s = 0; s < 2; ++s) {
      if (held_len[s] == 0) continue;
      agents[s]->handle_datagram(now, Bytes(held[s], held_len[s]), addrs[1 - s], addrs[s]);
      held_len[s] = 0;
      if (warm) ++datagrams;
      next = now;
    }
    if (next > now) now = next;
    a.handle_timeout(now);
    b.handle_timeout(now);
  }
  const uint64_t allocations = keyway::testing::allocation_count() - allocations_at_warm;
  CHECK(warm);
  CHECK(datagrams >= 10000);
  CHECK(allocations == 0);
  CHECK(a.state() == AgentState::connected);
}

// Issue 14: relayed media costs no allocation in the TURN client. After the
// allocation, permission and channel exist (set up with the heap-using test
// model), 10,000 packets are wrapped as ChannelData and Send indications and
// 10,000 ChannelData and Data indications are read back, with refreshes
// falling due on the way.
TEST_CASE("no allocation in the TURN client: 10,000 packets relayed each way") {
  SeededRng rng(3);
  keyway::test::TurnModel server;
  const SocketAddr local = SocketAddr::v4(127, 0, 0, 1, 40000), peer = SocketAddr::v4(127, 0, 0, 1, 50000);
  turn::ClientConfig config;
  config.server = server.addr;
  config.local = local;
  config.username = "alice";
  config.password = "s3cret";
  turn::Client client(config, rng);
  uint8_t scratch[1500];
  Timestamp now = Timestamp::from_micros(1000000);
  auto pump = [&] {
    for (;;) {
      turn::Output o = client.poll_output(now, scratch);
      if (o.kind == turn::Output::Kind::timeout) return o.deadline;
      if (o.kind != turn::Output::Kind::transmit) continue;
      auto answer = server.handle(o.transmit.bytes, local);
      if (!answer.empty()) (void)client.handle_datagram(now, answer, server.addr);
    }
  };
  REQUIRE(client.start(now).ok());
  REQUIRE(client.add_peer(now, peer).ok());
  pump();
  REQUIRE(client.can_send_to(peer));
  const uint8_t media[160] = {0x80};
  auto from_peer_cd = server.channel_data_from(peer, Bytes(media, sizeof media));
  auto from_peer_ind = server.data_indication(peer, Bytes(media, sizeof media));
  server.check_integrity = true;
  // The model answers refreshes with the heap: measure only the client's own calls.
  const uint64_t before = keyway::testing::allocation_count();
  uint64_t model_allocations = 0;
  for (int i = 0; i < 10000; ++i) {
    now = now + Duration::millis(20);  // 200 s in all: a permission refresh falls due
    auto t = client.wrap(now, peer, Bytes(media, sizeof media), scratch);
    REQUIRE(t.ok());
    auto r1 = client.handle_datagram(now, i % 2 ? from_peer_cd : from_peer_ind, server.addr);
    REQUIRE(r1.verdict == Verdict::accepted);
    client.handle_timeout(now);
    turn::Output o = client.poll_output(now, scratch);
    if (o.kind == turn::Output::Kind::transmit) {
      uint64_t m0 = keyway::testing::allocation_count();
      auto answer = server.handle(o.transmit.bytes, local);
      if (!answer.empty()) (void)client.handle_datagram(now, answer, server.addr);
      model_allocations += keyway::testing::allocation_count() - m0;
    }
  }
  CHECK(keyway::testing::allocation_count() - before - model_allocations == 0);
  CHECK(client.stats().relayed_bytes_received == 10000u * sizeof media);
}
