// SPDX-License-Identifier: Apache-2.0
// keyway-bench call: time from the offer to the first decrypted media packet
// (issue 6), keyway <-> keyway.
//
//   * virtual time through sim::Netem, 50 ms RTT, 0% / 10% / 30% loss, 200
//     seeds each: `call setup loss=<p> rtt_ms=50 p50_ms=<n> p95_ms=<n>` (a
//     contract other tools parse). The answer is signalled instantly; both
//     sides send a 20 ms RTP packet stream from the moment SRTP is ready;
//     the figure is when the offerer decrypts its first packet.
//   * real time over two UDP sockets on 127.0.0.1 (tools/call.cpp's loop):
//     `call setup loopback runs=<n> p50_ms=<x> min_ms=<x> max_ms=<x>`.
//   * relayed, virtual time (issue 14, bench/peer/relay_sim.hpp): the
//     offerer relay-only behind a TURN model, 50 ms RTT over the relay:
//     `call setup relay=udp loss=<p> rtt_ms=50 p50_ms=<n> p95_ms=<n>`, with
//     the direct figures of the same run beside it.
//   * --seeds <n>, --per-seed (each seed's figure, to compare two builds
//     seed by seed; relayed ones too), --replay <loss> <seed> (one call,
//     every datagram), --replay-relay <loss> <seed> (the same, relayed),
//     --relay (the relayed lines only). A relayed seed that
//     fails is printed with the reason. --dtls 1.2: both sides pin DTLS 1.2
//     (peer::Config::dtls_offer_dtls13 = false; the default negotiates 1.3),
//     to compare with builds from before DTLS 1.3; the direct lines only.
#include <fmt/core.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bench/benches.hpp"
#include "bench/peer/relay_sim.hpp"
#include "tests/peer/call_sim.hpp"
#include "tools/call.hpp"
#include "tools/identity.hpp"
#include "tools/os.hpp"
#include "tools/udp.hpp"

namespace keyway::bench {
namespace {

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  std::size_t i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

// --dtls 1.2 (see the top of the file).
bool g_pin_dtls12 = false;

struct SimFigures {
  std::vector<double> offerer_ms, both_ms, ice_ms, keys_ms;
  int failed = 0;
  uint64_t dtls_retransmissions = 0, ice_retransmits = 0;
};

// per_seed: print each seed's figure (to compare two builds seed by seed).
SimFigures run_sim(double loss, int seeds, int only_seed = 0, int ice_min_rto_ms = 0, bool per_seed = false) {
  SimFigures f;
  for (int seed = 1; seed <= seeds; ++seed) {
    if (only_seed > 0 && seed != only_seed) continue;
    peer_test::Options opt;
    opt.seed = static_cast<uint64_t>(seed) + static_cast<uint64_t>(loss * 1000) * 100000;
    opt.link.delay = Duration::millis(25);
    opt.link.loss = loss;
    opt.record_events = false;
    opt.media_interval = Duration::millis(20);
    opt.verbose = only_seed > 0;
    if (ice_min_rto_ms > 0) opt.ice_timing.min_rto = Duration::millis(ice_min_rto_ms);
    if (g_pin_dtls12) opt.configure = [](int, peer::Config& c) { c.dtls_offer_dtls13 = false; };
    peer_test::CallSim c(opt);
    Timestamp t0 = c.now();
    if (!c.negotiate()) {
      f.failed++;
      continue;
    }
    bool ok = c.run_until(
        [&] { return (c.a().rtp_received > 0 && c.b().rtp_received > 0) || c.any_failed(); },
        Duration::seconds(120));
    if (!ok || c.a().first_media_at.is_never() || c.b().first_media_at.is_never()) {
      f.failed++;
      continue;
    }
    auto ms = [&](Timestamp t) { return static_cast<double>((t - t0).as_micros()) / 1000.0; };
    f.offerer_ms.push_back(ms(c.a().first_media_at));
    if (per_seed) fmt::print("  seed loss={} seed={} offerer_ms={:.0f}\n", loss, seed, ms(c.a().first_media_at));
    if (only_seed == 0 && ice_min_rto_ms == 0 && loss > 0 && loss < 0.2 && ms(c.a().first_media_at) > 600)
      fmt::print("  slow: loss={} seed={} {:.0f} ms (replay: keyway-bench call --replay {} {})\n", loss, seed,
                 ms(c.a().first_media_at), loss, seed);
    f.both_ms.push_back(ms(std::max(c.a().first_media_at, c.b().first_media_at)));
    f.ice_ms.push_back(ms(std::min(c.a().ice_connected_at, c.b().ice_connected_at)));
    f.keys_ms.push_back(ms(std::max(c.a().srtp_ready_at, c.b().srtp_ready_at)));
    f.dtls_retransmissions += c.a().conn->summary().dtls_retransmissions + c.b().conn->summary().dtls_retransmissions;
    f.ice_retransmits += c.a().conn->ice().stats().retransmits + c.b().conn->ice().stats().retransmits;
  }
  return f;
}

const sdp::Codec kCodecs[] = {{"opus", 48000, 2, 111, "minptime=10;useinbandfec=1", {}}};

// One real call over 127.0.0.1; milliseconds from offer to the offerer's
// first decrypted RTP packet, or a negative value on failure.
double run_loopback_once(dtls::Identity& id_a, dtls::Identity& id_b) {
  std::string error;
  tools::Randomness ra, rb;
  if (!tools::seed_randomness(ra, error) || !tools::seed_randomness(rb, error)) return -1;
  tools::UdpSocket sa, sb;
  auto lo = ice::SocketAddr::v4(127, 0, 0, 1, 0);
  if (!sa.open(lo).ok() || !sb.open(lo).ok()) return -1;
  auto config = [&](peer::Role role, dtls::Identity& id, tools::Randomness& r, uint32_t ssrc) {
    peer::Config c;
    c.role = role;
    c.identity = &id;
    c.public_rng = &r.public_rng;
    c.secret_rng = &r.secret_rng;
    c.audio_codecs = kCodecs;
    c.audio_ssrc = ssrc;
    return c;
  };
  peer::Connection a(config(peer::Role::offerer, id_a, ra, 0x1111));
  peer::Connection b(config(peer::Role::answerer, id_b, rb, 0x2222));
  Timestamp t0 = tools::monotonic_now();
  char ob[8192], ab[8192];
  if (!a.add_local_address(sa.local()).ok() || !b.add_local_address(sb.local()).ok()) return -1;
  auto offer = a.create_offer(ob);
  if (!offer.ok()) return -1;
  auto answer = b.accept_offer(*offer, ab);
  if (!answer.ok() || !a.set_remote_answer(*answer).ok()) return -1;
  tools::Party pa{"A", &a, &sa}, pb{"B", &b, &sb};
  pa.audio.ssrc = 0x1111;
  pb.audio.ssrc = 0x2222;
  tools::CallLoop loop(1, tools::Impairment{});
  loop.add(&pa);
  loop.add(&pb);
  Timestamp first = Timestamp::never();
  loop.on_event = [&](tools::Party& p, const peer::Event& e) {
    if (&p == &pa && e.kind == peer::EventKind::rtp_received && first.is_never()) first = tools::monotonic_now();
  };
  Timestamp until = t0 + Duration::seconds(10);
  loop.run(until, [&] { return !first.is_never(); }, until);
  if (first.is_never()) return -1;
  return static_cast<double>((first - t0).as_micros()) / 1000.0;
}

}  // namespace

int run_call(int argc, char** argv) {
  int seeds = 200, loopback_runs = 20;
  bool per_seed = false;
  for (int i = 1; i < argc; ++i) per_seed = per_seed || std::strcmp(argv[i], "--per-seed") == 0;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--seeds") == 0) seeds = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--loopback-runs") == 0) loopback_runs = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--dtls") == 0) g_pin_dtls12 = std::strcmp(argv[i + 1], "1.2") == 0;
  }
  if (seeds < 1) seeds = 1;
  // --replay <loss> <seed>: one simulated call, every datagram printed.
  for (int i = 1; i + 2 < argc; ++i)
    if (std::strcmp(argv[i], "--replay") == 0) {
      SimFigures f = run_sim(std::atof(argv[i + 1]), seeds, std::atoi(argv[i + 2]));
      fmt::print("replay: offerer first media at {:.0f} ms\n", f.offerer_ms.empty() ? -1.0 : f.offerer_ms[0]);
      return 0;
    }
  bool relay_only = false;  // --relay: the relayed lines only (with their direct figures)
  for (int i = 1; i < argc; ++i) relay_only = relay_only || std::strcmp(argv[i], "--relay") == 0;
  if (g_pin_dtls12) {  // the direct lines, as builds from before DTLS 1.3 printed them
    for (double loss : {0.0, 0.10, 0.30}) {
      SimFigures f = run_sim(loss, seeds, 0, 0, per_seed);
      fmt::print("call setup dtls=1.2 loss={} rtt_ms=50 p50_ms={:.0f} p95_ms={:.0f}\n", loss,
                 percentile(f.offerer_ms, 0.5), percentile(f.offerer_ms, 0.95));
    }
    return 0;
  }
  // --replay-relay <loss> <seed>: one relayed call, every datagram printed.
  for (int i = 1; i + 2 < argc; ++i)
    if (std::strcmp(argv[i], "--replay-relay") == 0) {
      double loss = std::atof(argv[i + 1]);
      uint64_t seed = static_cast<uint64_t>(std::atoi(argv[i + 2])) + static_cast<uint64_t>(loss * 1000) * 100000;
      const char* why = nullptr;
      double ms = run_relay_once(loss, seed, &why, true);
      fmt::print("replay relay: offerer first media at {:.0f} ms{}{}\n", ms, why != nullptr ? ": " : "",
                 why != nullptr ? why : "");
      return 0;
    }
  for (double loss : {0.0, 0.10, 0.30}) {
    if (relay_only) break;
    SimFigures f = run_sim(loss, seeds, 0, 0, per_seed);
    fmt::print("call setup loss={} rtt_ms=50 p50_ms={:.0f} p95_ms={:.0f}\n", loss, percentile(f.offerer_ms, 0.5),
               percentile(f.offerer_ms, 0.95));
    fmt::print("  detail loss={}: runs={} failed={} both-sides-media p50={:.0f} p95={:.0f} ms; ice connected "
               "p50={:.0f} p95={:.0f} ms; keys p50={:.0f} p95={:.0f} ms; retransmissions ice={} dtls={}\n",
               loss, seeds, f.failed, percentile(f.both_ms, 0.5), percentile(f.both_ms, 0.95),
               percentile(f.ice_ms, 0.5), percentile(f.ice_ms, 0.95), percentile(f.keys_ms, 0.5),
               percentile(f.keys_ms, 0.95), f.ice_retransmits, f.dtls_retransmissions);
  }
  // Relayed (issue 14): the allocation's round trips come first.
  for (double loss : {0.0, 0.10}) {
    std::vector<double> relayed;
    int failed = 0;
    for (int seed = 1; seed <= seeds; ++seed) {
      const char* why = nullptr;
      double ms = run_relay_once(loss, static_cast<uint64_t>(seed) + static_cast<uint64_t>(loss * 1000) * 100000, &why);
      if (per_seed) fmt::print("  seed relay=udp loss={} seed={} offerer_ms={:.0f}\n", loss, seed, ms);
      if (ms < 0) {
        failed++;
        fmt::print("  failed: relay=udp loss={} seed={}: {}\n", loss, seed, why != nullptr ? why : "no media in 60 s");
      } else {
        relayed.push_back(ms);
      }
    }
    SimFigures direct = run_sim(loss, seeds);
    fmt::print("call setup relay=udp loss={} rtt_ms=50 p50_ms={:.0f} p95_ms={:.0f}\n", loss, percentile(relayed, 0.5),
               percentile(relayed, 0.95));
    fmt::print("  detail relay=udp loss={}: runs={} failed={}; direct in this run p50={:.0f} p95={:.0f} ms\n", loss,
               seeds, failed, percentile(direct.offerer_ms, 0.5), percentile(direct.offerer_ms, 0.95));
  }
  if (relay_only) return 0;
  // What-if (not the contract line): ICE's check RTO floor at RFC 8445's
  // 500 ms default (peer::call_ice_timing() uses 250 ms) and lower still.
  for (int rto : {500, 150}) {
    SimFigures f = run_sim(0.10, seeds, 0, rto);
    fmt::print("  what-if ice min_rto={}ms loss=0.1: p50_ms={:.0f} p95_ms={:.0f} failed={}\n", rto,
               percentile(f.offerer_ms, 0.5), percentile(f.offerer_ms, 0.95), f.failed);
  }
  std::string error;
  tools::Randomness r;
  dtls::Identity id_a, id_b;
  if (!tools::seed_randomness(r, error) || !tools::make_identity(id_a, r.secret_rng, error) ||
      !tools::make_identity(id_b, r.secret_rng, error)) {
    fmt::print("call setup loopback: {}\n", error);
    return 0;
  }
  std::vector<double> real;
  int failed = 0;
  for (int i = 0; i < loopback_runs; ++i) {
    double ms = run_loopback_once(id_a, id_b);
    if (ms < 0) failed++;
    else real.push_back(ms);
  }
  if (real.empty()) {
    fmt::print("call setup loopback runs={} failed={}\n", loopback_runs, failed);
    return 0;
  }
  fmt::print("call setup loopback runs={} failed={} p50_ms={:.2f} min_ms={:.2f} max_ms={:.2f}\n", loopback_runs, failed,
             percentile(real, 0.5), *std::min_element(real.begin(), real.end()),
             *std::max_element(real.begin(), real.end()));
  return 0;
}

}  // namespace keyway::bench
