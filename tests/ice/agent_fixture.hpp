// SPDX-License-Identifier: Apache-2.0
// One controlled ICE agent that a test feeds hand-made datagrams (agent_test,
// memory_test, unauthenticated_test): a host candidate at `local`, the local
// credentials LOCALUFRAG / localpasswordlocalpassword (and the remote ones,
// REMOTEUFRAG / remotepasswordremotepassword, if asked), randomness from a
// seed, and time standing still.
#pragma once

#include <cstdint>
#include <vector>

#include <doctest/doctest.h>

#include "keyway/ice/agent.hpp"
#include "keyway/lib/rng.hpp"

namespace keyway::ice::fixture {

struct ControlledAgent {
  SeededRng rng;
  Agent agent;
  std::vector<uint8_t> scratch = std::vector<uint8_t>(1500);
  Timestamp now = Timestamp::from_micros(1000);

  enum class Remote { credentials, unknown };
  // `software`: the SOFTWARE attribute, as peer::Connection configures it.
  ControlledAgent(uint64_t seed, SocketAddr local, Remote remote, const char* software = nullptr)
      : rng(seed), agent(config(rng, software)) {
    REQUIRE(agent.add_local_host(local).ok());
    REQUIRE(agent.set_local_credentials("LOCALUFRAG", "localpasswordlocalpassword").ok());
    if (remote == Remote::credentials)
      REQUIRE(agent.set_remote_credentials("REMOTEUFRAG", "remotepasswordremotepassword").ok());
  }

  // Every datagram poll_output gives until its timeout.
  std::vector<std::vector<uint8_t>> drain() {
    std::vector<std::vector<uint8_t>> out;
    for (int i = 0; i < 100; ++i) {
      Output o = agent.poll_output(now, scratch);
      if (o.kind == Output::Kind::timeout) break;
      if (o.kind == Output::Kind::transmit) out.emplace_back(o.transmit.bytes.begin(), o.transmit.bytes.end());
    }
    return out;
  }

 private:
  static Config config(SeededRng& rng, const char* software) {
    Config c;
    c.controlling = false;
    c.rng = &rng;
    c.software = software;
    return c;
  }
};

}  // namespace keyway::ice::fixture
