// SPDX-License-Identifier: Apache-2.0
// Issue 7, corruption: bits flipped in transit (sim::Netem corrupt, one
// random bit in 5..20% of datagrams; 300 seeds per case, 50 under ASan,
// KEYWAY_CORRUPT_SEEDS=n for more) never produce an accepted record or
// packet with wrong content, and what can be recovered is recovered by
// retransmission.
//
// Epoch-1 records carry a MAC: a damaged one is dropped and the flight is
// resent, so with corruption confined to them every run completes.
//
// DTLS 1.2 epoch 0 (the handshake up to ChangeCipherSpec) has no integrity
// of its own (UDP's checksum is what normally catches a flipped bit). A
// damaged copy that fails to decode or to verify (signature, a=fingerprint,
// DER) is discarded with its flight and the retransmission is used
// (dtls/peer_flight.cpp); a damaged record number cannot stall the epoch-0
// window; a damaged cookie exchange is redone (RFC 6347 §4.2.1). What no
// DTLS 1.2 stack can repair is damage that still parses and that the peer
// then commits to: a flipped ClientHello random signed into the
// ServerKeyExchange, a CertificateRequest or ServerHello byte that changes
// one side's transcript (CertificateVerify or Finished fails on every copy).
// Those runs end in a clean fatal alert; the floors below keep the rest.
//
// DTLS 1.3 (issue 18), the same seeds and rates: every record after the
// hellos is protected (RFC 9147 §4), so a damaged one is dropped and resent
// (ACKs, RFC 9147 §7). The plaintext hellos get 1.2's repair
// (dtls/v13/peer_flight.cpp): one that fails a check is set aside, and one
// whose damage still parsed (the two ends hashed different hellos) shows as
// handshake keys that open nothing: the hello is taken again from the peer's
// copy. Before that repair 263 of 300 runs completed here (34 failures were
// split transcripts, ended by the timer after 183 s); now 297, the 3 left are
// damage the peer answered with a choice (no common SRTP profile or signature
// scheme, a ClientHello whose 1.3 offer was flipped away: the sentinel).
//
// Replay one seed: KEYWAY_SWEEP_SEED=<seed> ./test_robustness_corrupt -tc='<case>'
#include <doctest/doctest.h>
#include <fmt/core.h>

#include <cstring>
#include <map>
#include <set>
#include <string>

#include "keyway/dtls/v13/hello_extensions.hpp"
#include "keyway/dtls/v13/record.hpp"
#include "tests/robustness/chain_run.hpp"
#include "tests/support/dtls_sim.hpp"

using namespace keyway;
using namespace keyway::robustness;

namespace {

constexpr Duration kHangCap = Duration::seconds(1800);

double corrupt_rate(uint64_t seed) {
  SeededRng r(seed ^ 0xC0AA0000ull);
  return 0.05 + 0.15 * static_cast<double>(r.uniform(1001)) / 1000.0;
}

// Flips one random bit inside a protected record (header or body), if the
// datagram has one: a DTLS 1.2 record of epoch >= 1, type(1) version(2)
// epoch(2) seq(6) len(2), or a DTLS 1.3 DTLSCiphertext (RFC 9147 §4: first
// byte 0b001CSLEE, sequence number 1 or 2 bytes, length 2 bytes if L).
void corrupt_epoch1(std::vector<uint8_t>& d, SeededRng& rng, double p) {
  if (static_cast<double>(rng.next_u32()) >= p * 4294967296.0) return;
  std::size_t off = 0;
  std::vector<std::pair<std::size_t, std::size_t>> spans;
  while (off < d.size()) {
    if (dtls::v13::is_ciphertext_record(d[off])) {
      std::size_t h = off + 1 + ((d[off] & dtls::v13::kBitSeq16) ? 2 : 1);
      std::size_t end = d.size();
      if ((d[off] & dtls::v13::kBitLength) && h + 2 <= d.size())
        end = std::min(d.size(), h + 2 + ((std::size_t{d[h]} << 8) | d[h + 1]));
      spans.emplace_back(off, end);
      off = end;
      continue;
    }
    if (off + 13 > d.size()) break;
    std::size_t len = (std::size_t{d[off + 11]} << 8) | d[off + 12];
    std::size_t end = std::min(d.size(), off + 13 + len);
    uint16_t epoch = static_cast<uint16_t>((d[off + 3] << 8) | d[off + 4]);
    if (epoch >= 1) spans.emplace_back(off, end);
    off = end;
  }
  if (spans.empty()) return;
  auto [b, e] = spans[rng.uniform(static_cast<uint32_t>(spans.size()))];
  uint32_t bit = rng.uniform(static_cast<uint32_t>((e - b) * 8));
  d[b + bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
}

struct DtlsTally {
  SweepTally t;
  uint64_t app_sent = 0, app_received = 0, app_wrong = 0, app_twice = 0;
  uint64_t auth_failed = 0, malformed = 0, corrupted = 0, bad_cert_events = 0, flights_discarded = 0;
  std::map<std::string, int> reasons;  // the failing side's own reason, per failed run
};

void dtls_seed(uint64_t seed, bool epoch1_only, DtlsTally& r, bool dtls13) {
  SweepLink l = sweep_link(seed, 0.0);
  double p = corrupt_rate(seed);
  SeededRng tamper_rng(seed ^ 0x7A3Bull);
  sim::DtlsSimOptions o;
  o.seed = seed;
  o.link = l.link;
  o.mtu = l.mtu;
  o.a_is_client = (seed & 1) == 1;
  o.cookie_exchange = !dtls13 && (seed & 2) == 0;  // a 1.3 server has no 1.2 cookie round
  o.offer_dtls13 = dtls13;
  o.verbose = std::getenv("KEYWAY_SWEEP_VERBOSE") != nullptr;
  if (epoch1_only)
    o.tamper = [&](int, std::vector<uint8_t>& d) { corrupt_epoch1(d, tamper_rng, p); };
  else
    o.link.corrupt = p;
  sim::DtlsSim s(o);
  SweepTally& t = r.t;
  t.seeds++;
  auto id = fmt::format("seed={} corrupt={:.3f}", seed, p);
  bool done = s.run_handshake(kHangCap);
  auto tally_side = [&](sim::DtlsSide& x) {
    r.auth_failed += x.ep->stats().records_auth_failed;
    r.malformed += x.ep->stats().records_malformed;
    r.flights_discarded += x.ep->stats().flights_discarded;
    r.bad_cert_events += x.bad_peer_certificate;
  };
  if (!done) {
    t.hung++;
    t.problem(id + " hung");
  } else if (s.a().complete && s.b().complete) {
    uint8_t ka[60], kb[60];
    bool same = s.a().ep->export_keying_material("EXTRACTOR-dtls_srtp", ka).ok() &&
                s.b().ep->export_keying_material("EXTRACTOR-dtls_srtp", kb).ok() && std::memcmp(ka, kb, 60) == 0;
    const uint16_t want = dtls13 ? dtls::v13::kVersionDtls13 : dtls::kVersionDtls12;
    if (!same || s.a().ep->version() != want || s.b().ep->version() != want) {
      t.key_mismatch++;
      t.problem(id + (same ? " spoke the wrong version" : " key mismatch"));
    } else {
      t.completed++;
      Timestamp both = std::max(s.a().complete_at, s.b().complete_at);
      t.ms_to_keys.push_back(static_cast<double>((both - sim::DtlsSim::start()).as_micros()) / 1000.0);
      // 20 distinct messages each way; every one received must be one sent, once.
      std::set<std::string> sent[3];
      for (int i = 0; i < 20; ++i)
        for (auto* x : {&s.a(), &s.b()}) {
          std::string m = fmt::format("seed {} node {} message {} {}", seed, x->node, i, std::string(40 + i, 'x'));
          if (s.send_application_data(*x, {reinterpret_cast<const uint8_t*>(m.data()), m.size()})) {
            sent[x->node].insert(m);
            r.app_sent++;
          }
        }
      s.run_until([] { return false; }, Duration::seconds(2));
      for (auto* x : {&s.a(), &s.b()}) {
        std::set<std::string> seen;
        for (const auto& m : x->app_data) {
          std::string str(m.begin(), m.end());
          r.app_received++;
          if (!sent[3 - x->node].count(str)) r.app_wrong++;
          if (!seen.insert(str).second) r.app_twice++;
        }
      }
    }
  } else {
    t.failed_clean++;
    const auto& f = s.a().failed ? s.a() : s.b();
    t.note(fmt::format("{} failed at {} ms: {}", id, (f.failed_at - sim::DtlsSim::start()).as_millis(), f.error.detail));
    // The side that failed first names the cause; the other one mostly
    // reports its alert.
    const auto& first = s.a().failed && (!s.b().failed || s.a().failed_at <= s.b().failed_at) ? s.a() : s.b();
    r.reasons[fmt::format("{}{}: {}", &first == &s.client() ? "client" : "server",
                          o.cookie_exchange ? "" : " (no cookie)", first.error.detail)]++;
  }
  tally_side(s.a());
  tally_side(s.b());
  r.corrupted += s.net().stats(1, 2).corrupted + s.net().stats(2, 1).corrupted;
}

void dtls_corruption(bool epoch1_only, bool dtls13 = false) {
  DtlsTally r;
  if (const char* one = std::getenv("KEYWAY_SWEEP_SEED")) {
    dtls_seed(std::strtoull(one, nullptr, 10), epoch1_only, r, dtls13);
  } else {
    for (uint64_t seed = 1, n = corrupt_seeds(); seed <= n; ++seed) dtls_seed(seed, epoch1_only, r, dtls13);
  }
  const SweepTally& t = r.t;
  fmt::print("corrupt {} where={} rate=0.05-0.2 seeds={}{} completed={} failed_clean={} hung={} key_mismatch={} "
             "p50_ms={:.0f} p95_ms={:.0f} records_auth_failed={} records_malformed={} flights_discarded={} app_sent={} "
             "app_received={} app_wrong={} app_twice={}\n",
             dtls13 ? "dtls13" : "dtls", epoch1_only ? (dtls13 ? "protected" : "epoch1") : "all", t.seeds, build_note(), t.completed, t.failed_clean, t.hung,
             t.key_mismatch, percentile(t.ms_to_keys, 50), percentile(t.ms_to_keys, 95), r.auth_failed, r.malformed,
             r.flights_discarded, r.app_sent, r.app_received, r.app_wrong, r.app_twice);
  for (const auto& [reason, n] : r.reasons) fmt::print("  failed_first {:4} {}\n", n, reason);
  for (const auto& n : t.notes) fmt::print("  {}\n", n);
  CHECK(t.hung == 0);
  CHECK(t.key_mismatch == 0);
  CHECK(r.app_wrong == 0);
  CHECK(r.app_twice == 0);
  CHECK(r.bad_cert_events == 0);
  CHECK(t.completed + t.failed_clean == t.seeds);
  if (epoch1_only) CHECK(t.completed == t.seeds);
  // Damage that fails a check is repaired by the retransmission: 92% of
  // runs complete at these rates (68% when every damaged epoch-0 message
  // was fatal). The seeds are fixed, so this is a regression floor.
  if (!dtls13 && !epoch1_only && t.seeds >= 50) CHECK(t.completed * 100 >= t.seeds * 85);
  if (!dtls13 && !epoch1_only && t.seeds >= 20) CHECK(r.flights_discarded > 0);
  // DTLS 1.3: 297 of the 300 fixed seeds complete with every record exposed
  // (263 before damaged hellos were repaired). A floor.
  if (dtls13 && !epoch1_only && t.seeds >= 50) CHECK(t.completed * 100 >= t.seeds * 95);
  if (dtls13 && !epoch1_only && t.seeds >= 20) CHECK(r.flights_discarded > 0);
  if (t.seeds >= 20) CHECK(r.auth_failed > 0);  // the MAC is what stopped them
}

}  // namespace

TEST_CASE("corrupt dtls all records") { dtls_corruption(false); }
TEST_CASE("corrupt dtls epoch 1 records") { dtls_corruption(true); }
TEST_CASE("corrupt dtls13 all records") { dtls_corruption(false, true); }
TEST_CASE("corrupt dtls13 protected records") { dtls_corruption(true, true); }

// The whole chain with corruption: STUN (MESSAGE-INTEGRITY, FINGERPRINT),
// DTLS and SRTP/SRTCP each drop what was flipped; every media packet that is
// accepted is exactly what was sent.
TEST_CASE("corrupt chain") {
  SweepTally t;
  ChainTotals tot;
  auto one = [&](uint64_t seed) {
    ChainCase cc;
    cc.setup = (seed & 1) ? sdp::Setup::active : sdp::Setup::passive;
    cc.corrupt = corrupt_rate(seed);
    run_chain(seed, cc, t, tot, std::getenv("KEYWAY_SWEEP_VERBOSE") != nullptr);
  };
  if (const char* s = std::getenv("KEYWAY_SWEEP_SEED")) one(std::strtoull(s, nullptr, 10));
  else
    for (uint64_t seed = 1, n = corrupt_seeds(); seed <= n; ++seed) one(seed);
  fmt::print("corrupt chain rate=0.05-0.2 setup=active|passive seeds={}{} completed={} failed_clean={} hung={} "
             "key_mismatch={} media_bad={} p50_ms={:.0f} p95_ms={:.0f} datagrams_corrupted={} "
             "ice_integrity_failures={} dtls_records_dropped={} dtls_flights_discarded={} srtp_auth_failures={} rtp_accepted={} "
             "rtcp_accepted={} media_wrong={} half_open_after_45s={}\n",
             t.seeds, build_note(), t.completed, t.failed_clean, t.hung, t.key_mismatch, t.media_bad,
             percentile(t.ms_to_keys, 50), percentile(t.ms_to_keys, 95), tot.corrupted, tot.ice_integrity_failures,
             tot.dtls_records_dropped, tot.dtls_flights_discarded, tot.srtp_auth_failures, tot.rtp_received, tot.rtcp_received, tot.media_wrong, t.half_open);
  for (const auto& n : t.notes) fmt::print("  {}\n", n);
  CHECK(t.hung == 0);
  CHECK(t.key_mismatch == 0);
  CHECK(t.media_bad == 0);
  CHECK(tot.media_wrong == 0);
  CHECK(t.half_open == 0);  // consent on the valid pair media uses (RFC 7675 §5.1)
  CHECK(t.completed + t.failed_clean == t.seeds);
  if (t.seeds >= 50) CHECK(t.completed * 100 >= t.seeds * 85);  // as for DTLS alone: a regression floor
  if (t.seeds >= 20) CHECK(tot.srtp_auth_failures > 0);
}
