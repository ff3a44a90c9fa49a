// SPDX-License-Identifier: Apache-2.0
// Issue 7 sweep, DTLS alone: two dtls::Endpoints over sim::Netem, 1,000 seeds
// (100 under ASan) per role and loss rate, reordering and duplication on, the
// MTU drawn per seed from 576..1500. At <= 10% loss every run completes; at
// 30% every run completes or fails cleanly within the retransmission budget;
// never a hang, never different keys.
//
// The same sweep with DTLS 1.3 (issue 18): both sides offer 1.3 and must
// speak it; the seeds, links and MTUs are the 1.2 ones. A 1.3 server has no
// 1.2 cookie round (dtls/negotiation.cpp: server_speaks_dtls13), so these
// runs go without HelloVerifyRequest.
//
// Replay one seed: KEYWAY_SWEEP_SEED=<seed> ./test_robustness_sweep -tc='*dtls*'
// (adds KEYWAY_SWEEP_VERBOSE=1 for every datagram).
#include <doctest/doctest.h>
#include <fmt/core.h>

#include <cstring>

#include "keyway/dtls/v13/hello_extensions.hpp"
#include "tests/robustness/sweep_common.hpp"
#include "tests/support/dtls_sim.hpp"

using namespace keyway;
using namespace keyway::robustness;

namespace {

// RFC 6347 §4.2.4.1 timer with keyway's defaults (1 s, doubling, 60 s cap,
// 7 retransmissions): one flight gives up after 1+2+4+8+16+32+60+60 = 183 s,
// and a side waits on at most three flights. A run still undecided at
// kHangCap (three times the budget) is a hang.
constexpr Duration kBudget = Duration::seconds(600);
constexpr Duration kHangCap = Duration::seconds(1800);

bool same_keys(sim::DtlsSim& s) {
  uint8_t ka[60], kb[60];
  if (!s.a().ep->export_keying_material("EXTRACTOR-dtls_srtp", ka).ok()) return false;
  if (!s.b().ep->export_keying_material("EXTRACTOR-dtls_srtp", kb).ok()) return false;
  return std::memcmp(ka, kb, sizeof ka) == 0 && s.a().ep->srtp_profile() == s.b().ep->srtp_profile() &&
         s.a().ep->srtp_profile() != 0;
}

// One seed; returns what happened to the tally.
void run_seed(uint64_t seed, bool a_client, double loss, SweepTally& t, bool verbose, bool dtls13) {
  SweepLink l = sweep_link(seed, loss);
  sim::DtlsSimOptions o;
  o.seed = a_client ? seed : seed ^ 0x5E4E5E4E0000ull;  // each role its own loss patterns
  o.link = l.link;
  o.mtu = l.mtu;
  o.a_is_client = a_client;
  o.cookie_exchange = !dtls13 && (seed & 1) == 0;  // half the 1.2 seeds with HelloVerifyRequest
  o.offer_dtls13 = dtls13;
  o.verbose = verbose;
  sim::DtlsSim s(o);
  bool done = s.run_handshake(kHangCap);
  t.seeds++;
  auto id = fmt::format("seed={} mtu={}", seed, l.mtu);
  if (!done) {
    t.hung++;
    t.problem(fmt::format("{} hung (stalled={}) client={} server={}", id, s.stalled(),
                       static_cast<int>(s.client().ep->state()), static_cast<int>(s.server().ep->state())));
    return;
  }
  if (s.a().complete && s.b().complete) {
    const uint16_t want = dtls13 ? dtls::v13::kVersionDtls13 : dtls::kVersionDtls12;
    if (s.a().ep->version() != want || s.b().ep->version() != want) {
      t.key_mismatch++;
      t.problem(fmt::format("{} spoke version {:04x}/{:04x}", id, s.a().ep->version(), s.b().ep->version()));
      return;
    }
    if (!same_keys(s)) {
      t.key_mismatch++;
      t.problem(id + " key mismatch");
      return;
    }
    t.completed++;
    Timestamp both = s.a().complete_at > s.b().complete_at ? s.a().complete_at : s.b().complete_at;
    t.ms_to_keys.push_back(static_cast<double>((both - sim::DtlsSim::start()).as_micros()) / 1000.0);
    return;
  }
  // A clean failure: a failure event, within the budget.
  Timestamp last = sim::DtlsSim::start();
  for (auto* side : {&s.a(), &s.b()})
    if (side->failed && side->failed_at > last) last = side->failed_at;
  if (last - sim::DtlsSim::start() > kBudget) {
    t.hung++;
    t.problem(fmt::format("{} failed only after {} s", id, (last - sim::DtlsSim::start()).as_millis() / 1000));
    return;
  }
  t.failed_clean++;
  if (s.a().complete || s.b().complete) t.one_side_done++;
  const auto& f = s.a().failed ? s.a() : s.b();
  t.note(fmt::format("{} failed at {} ms: {}", id, (f.failed_at - sim::DtlsSim::start()).as_millis(), f.error.detail));
}

void sweep(bool a_client, double loss, bool dtls13 = false) {
  const char* one = std::getenv("KEYWAY_SWEEP_SEED");
  SweepTally t;
  if (one) {
    run_seed(std::strtoull(one, nullptr, 10), a_client, loss, t, std::getenv("KEYWAY_SWEEP_VERBOSE") != nullptr, dtls13);
  } else {
    uint64_t n = sweep_seeds();
    for (uint64_t seed = 1; seed <= n; ++seed) run_seed(seed, a_client, loss, t, false, dtls13);
  }
  fmt::print("sweep {} role={} loss={} seeds={}{} completed={} failed_clean={} hung={} key_mismatch={} "
             "p50_ms={:.0f} p95_ms={:.0f} failed_with_one_side_complete={}\n",
             dtls13 ? "dtls13" : "dtls", a_client ? "client" : "server", loss, t.seeds, build_note(), t.completed, t.failed_clean, t.hung,
             t.key_mismatch, percentile(t.ms_to_keys, 50), percentile(t.ms_to_keys, 95), t.one_side_done);
  for (const auto& n : t.notes) fmt::print("  {}\n", n);
  CHECK(t.hung == 0);
  CHECK(t.key_mismatch == 0);
  CHECK(t.completed + t.failed_clean == t.seeds);
  if (loss <= 0.10) CHECK(t.completed == t.seeds);
}

}  // namespace

// role = the DTLS role of side A (node 1). Both roles run in every handshake
// and the link is symmetric, so the two cases differ by their network draws
// (the role is mixed into the netem seed): 2,000 distinct runs per loss rate.
TEST_CASE("sweep dtls client 0%") { sweep(true, 0.0); }
TEST_CASE("sweep dtls client 10%") { sweep(true, 0.1); }
TEST_CASE("sweep dtls client 30%") { sweep(true, 0.3); }
TEST_CASE("sweep dtls server 0%") { sweep(false, 0.0); }
TEST_CASE("sweep dtls server 10%") { sweep(false, 0.1); }
TEST_CASE("sweep dtls server 30%") { sweep(false, 0.3); }

// DTLS 1.3, the same seeds and links (issue 18).
TEST_CASE("sweep dtls13 client 0%") { sweep(true, 0.0, true); }
TEST_CASE("sweep dtls13 client 10%") { sweep(true, 0.1, true); }
TEST_CASE("sweep dtls13 client 30%") { sweep(true, 0.3, true); }
TEST_CASE("sweep dtls13 server 0%") { sweep(false, 0.0, true); }
TEST_CASE("sweep dtls13 server 10%") { sweep(false, 0.1, true); }
TEST_CASE("sweep dtls13 server 30%") { sweep(false, 0.3, true); }
