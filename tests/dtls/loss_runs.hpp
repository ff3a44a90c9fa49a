// SPDX-License-Identifier: Apache-2.0
// DTLS 1.3 handshakes through a lossy link over fixed seeds
// (v13_negotiation_test, v13_retry_test), on the fixture's configurations.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <string>

#include "keyway/dtls/v13/hello_extensions.hpp"
#include "tests/dtls/fixture.hpp"

namespace keyway::test {

// Handshakes through a lossy link (tests/support/netem.hpp), one per seed
// 1..runs: both ends offer DTLS 1.3 (no cookie, 200 ms first timer), with
// `setup` changing the fixture further. A completed run must be 1.3 with
// equal exporters; a run that did not complete is named with both ends'
// errors.
struct LossRuns {
  int completed = 0;
  uint64_t retransmissions = 0;  // both ends, all runs
};
template <class Setup>
LossRuns dtls13_through_loss(int runs, const sim::LinkConfig& link, Setup setup) {
  LossRuns r;
  for (uint64_t seed = 1; seed <= static_cast<uint64_t>(runs); ++seed) {
    Fixture f;
    f.client.offer_dtls13 = f.server.offer_dtls13 = true;
    f.server.cookie_exchange = false;
    f.client.initial_timeout = f.server.initial_timeout = Duration::millis(200);
    setup(f);
    Pair p(f.client, f.server, seed, link);
    p.run();
    if (!p.client().failed && !p.server().failed && p.client().complete && p.server().complete) {
      ++r.completed;
      CHECK(p.client().ep->version() == dtls::v13::kVersionDtls13);
      accept_both(p);
      CHECK(exporter(*p.client().ep) == exporter(*p.server().ep));
    } else {
      MESSAGE("seed " << seed << ": client " << std::string(p.client().error.detail) << " "
                      << p.client().complete << " / server " << std::string(p.server().error.detail)
                      << " " << p.server().complete);
    }
    r.retransmissions += p.client().ep->stats().retransmissions + p.server().ep->stats().retransmissions;
  }
  return r;
}

}  // namespace keyway::test
