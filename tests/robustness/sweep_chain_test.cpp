// SPDX-License-Identifier: Apache-2.0
// Issue 7 sweep, the whole chain: two peer::Connections (SDP, ICE, DTLS,
// exporter, SRTP) over sim::Netem via tests/peer/call_sim.hpp, 1,000 seeds
// (100 under ASan) per answerer DTLS role (a=setup:active: the answerer is
// the DTLS client; passive: the offerer is) and loss rate, with reordering,
// duplication and an MTU from 576..1500 (the DTLS mtu too). At <= 10% loss
// every call connects; at 30% every call connects or fails cleanly (a
// failed event naming the layer) within the setup timeout; never a hang,
// never different keys; once connected, SRTP media flows both ways and
// arrives intact.
//
// Replay one seed: KEYWAY_SWEEP_SEED=<seed> ./test_robustness_sweep -tc='sweep chain active 30%'
// (KEYWAY_SWEEP_VERBOSE=1 prints every datagram).
#include <doctest/doctest.h>
#include <fmt/core.h>

#include "tests/robustness/chain_run.hpp"

using namespace keyway;
using namespace keyway::robustness;

namespace {

void sweep(sdp::Setup setup, double loss) {
  const char* one = std::getenv("KEYWAY_SWEEP_SEED");
  SweepTally t;
  ChainTotals tot;
  if (one) {
    run_chain(std::strtoull(one, nullptr, 10), {setup, loss, 0.0}, t, tot, std::getenv("KEYWAY_SWEEP_VERBOSE") != nullptr);
  } else {
    uint64_t n = sweep_seeds();
    for (uint64_t seed = 1; seed <= n; ++seed) run_chain(seed, {setup, loss, 0.0}, t, tot, false);
  }
  fmt::print("sweep chain setup={} loss={} seeds={}{} completed={} failed_clean={} hung={} key_mismatch={} "
             "media_bad={} p50_ms={:.0f} p95_ms={:.0f} failed_with_one_side_connected={} half_open_after_45s={}\n",
             sdp::to_string(setup), loss, t.seeds, build_note(), t.completed, t.failed_clean, t.hung,
             t.key_mismatch, t.media_bad, percentile(t.ms_to_keys, 50), percentile(t.ms_to_keys, 95), t.one_side_done, t.half_open);
  for (const auto& n : t.notes) fmt::print("  {}\n", n);
  CHECK(t.hung == 0);
  CHECK(t.half_open == 0);  // consent on the valid pair media uses (RFC 7675 §5.1)
  CHECK(t.key_mismatch == 0);
  CHECK(t.media_bad == 0);
  CHECK(t.completed + t.failed_clean == t.seeds);
  if (loss <= 0.10) CHECK(t.completed == t.seeds);
}

}  // namespace

// setup = the answerer's a=setup for the offer's actpass (RFC 8842 §3).
TEST_CASE("sweep chain active 0%") { sweep(sdp::Setup::active, 0.0); }
TEST_CASE("sweep chain active 10%") { sweep(sdp::Setup::active, 0.1); }
TEST_CASE("sweep chain active 30%") { sweep(sdp::Setup::active, 0.3); }
TEST_CASE("sweep chain passive 0%") { sweep(sdp::Setup::passive, 0.0); }
TEST_CASE("sweep chain passive 10%") { sweep(sdp::Setup::passive, 0.1); }
TEST_CASE("sweep chain passive 30%") { sweep(sdp::Setup::passive, 0.3); }
