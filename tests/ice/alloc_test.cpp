// SPDX-License-Identifier: Apache-2.0
// The steady state allocates nothing (style.md §5): the counting allocator
// (tests/support/counting_alloc.cpp) watches every agent call over 10,000 consent round trips
// and datagrams after two agents connected. (Its own executable, because
// that replaces operator new.)
#include <doctest/doctest.h>

#include "tests/ice/sim.hpp"
#include "tests/support/counting_alloc.hpp"

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
