// SPDX-License-Identifier: Apache-2.0
// sim::CallDriver (tests/support/call_driver.hpp), the one driver of
// peer::Connections shared by tests, `keyway demo` and `keyway-bench call`
// (issue 12): what its hooks report matches what the netem link did, and a
// `wire` takes deliveries away from the connections (the real-socket mode).
#include <doctest/doctest.h>

#include "tests/peer/call_sim.hpp"

using namespace keyway;
using keyway::peer_test::CallSim;
using keyway::peer_test::Options;

TEST_CASE("call driver: on_sent reports exactly what the netem link lost") {
  Options opt;
  opt.seed = 5;
  opt.link.loss = 0.3;
  opt.media_interval = Duration::millis(20);  // send_rtp's Transmits are routed too
  CallSim c(opt);
  uint64_t sent = 0, lost = 0;
  c.driver().on_sent = [&](int node, const peer::Transmit&, bool gone) {
    if (node != 1) return;
    sent++;
    if (gone) lost++;
  };
  REQUIRE(c.negotiate());
  REQUIRE(c.run_until([&] { return c.connected(); }, Duration::seconds(30)));
  c.run_until([] { return false; }, Duration::seconds(2));
  CHECK(sent == c.net().stats(1, 2).sent);
  CHECK(lost == c.net().stats(1, 2).lost);
  MESSAGE("A sent " << sent << ", the link lost " << lost);
  CHECK(lost > 0);
  CHECK(c.a().bytes_to_strangers == 0);
}

TEST_CASE("call driver: with a wire set, due datagrams go to it and never to the connections") {
  Options opt;
  CallSim c(opt);
  uint64_t wired = 0;
  c.driver().wire = [&](const sim::Datagram& d) {
    CHECK((d.from == 1 || d.from == 2));
    wired++;
  };
  REQUIRE(c.negotiate());
  c.run_until([] { return false; }, Duration::seconds(1));
  CHECK(wired > 0);
  CHECK(wired == c.net().stats(1, 2).delivered + c.net().stats(2, 1).delivered);
  CHECK(c.a().conn->ice().stats().checks_sent > 0);
  CHECK_FALSE(c.connected());  // no check ever reached the other side
  CHECK(c.a().ice_connected_at.is_never());
  CHECK(c.b().ice_connected_at.is_never());
}
