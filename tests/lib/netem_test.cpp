// SPDX-License-Identifier: Apache-2.0
#include <doctest/doctest.h>

#include "tests/support/netem.hpp"

using namespace keyway;
using namespace keyway::sim;

namespace {
std::vector<std::vector<uint8_t>> run(uint64_t seed, const LinkConfig& cfg, int n) {
  Netem net(seed);
  net.configure(0, 1, cfg);
  Timestamp now = Timestamp::zero();
  for (int i = 0; i < n; ++i) {
    uint8_t b[4] = {uint8_t(i >> 8), uint8_t(i), 0xaa, 0x55};
    net.send(now, 0, 1, b, sizeof b);
    now = now + Duration::millis(1);
  }
  std::vector<std::vector<uint8_t>> got;
  now = now + Duration::seconds(10);
  while (auto d = net.receive(now)) got.push_back(d->bytes);
  return got;
}
}  // namespace

TEST_CASE("Netem replays exactly from its seed") {
  LinkConfig cfg;
  cfg.loss = 0.1;
  cfg.duplicate = 0.05;
  cfg.reorder = 0.1;
  cfg.corrupt = 0.02;
  cfg.jitter = Duration::millis(5);
  auto a = run(11, cfg, 2000), b = run(11, cfg, 2000), c = run(12, cfg, 2000);
  CHECK(a == b);
  CHECK(a != c);
  // Loss near 10%, duplicates present.
  CHECK(a.size() > 1700);
  CHECK(a.size() < 1950);
}

TEST_CASE("Netem delivers in time order and honours the MTU") {
  Netem net(1);
  LinkConfig cfg;
  cfg.mtu = 3;
  net.configure(0, 1, cfg);
  uint8_t big[4] = {}, small[2] = {};
  net.send(Timestamp::zero(), 0, 1, big, 4);
  net.send(Timestamp::zero(), 0, 1, small, 2);
  CHECK(net.stats(0, 1).too_big == 1);
  CHECK_FALSE(net.receive(Timestamp::from_micros(9000)).has_value());
  CHECK(net.next_delivery() == Timestamp::from_micros(10000));
  CHECK(net.receive(Timestamp::from_micros(10000)).has_value());
  CHECK(net.idle());
}
