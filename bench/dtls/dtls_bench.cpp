// SPDX-License-Identifier: Apache-2.0
// keyway-bench dtls: full DTLS 1.2 handshakes, client and server in one
// process (sans-IO, datagrams handed over in memory, no sockets): mutual
// ECDSA P-256 certificates, ECDHE secp256r1, AES-128-GCM, use_srtp, no
// cookie. Compared in the same run with mbedTLS's own DTLS 1.2 (the
// anchor) and with the public-key floor: per side one ECDHE key
// generation + shared secret, one ECDSA sign and one ECDSA verify.
//
// DTLS 1.3 beside it (issue 18; both sides with Config.offer_dtls13):
// TLS_AES_128_GCM_SHA256, x25519 (keyway's ClientHello offers that share),
// the same certificates; its floor is the same public-key work with x25519.
// mbedTLS's DTLS has no 1.3, so no anchor. Then the round trips to keys of
// both versions through sim::Netem (virtual time, 50 ms RTT, 0% and 10%
// loss, the timer seeded with the RTT as ICE seeds it).
#include <algorithm>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <memory>
#include <vector>

#include "bench/benches.hpp"
#include "bench/dtls/anchor.hpp"
#include "bench/dtls/heap_meter.hpp"
#include "keyway/dtls/endpoint.hpp"
#include "keyway/lib/crypto/drbg.hpp"
#include "keyway/lib/crypto/ecc.hpp"
#include "keyway/lib/crypto/sha.hpp"
#include "tests/support/dtls_pair.hpp"
#include "tests/support/dtls_sim.hpp"

namespace keyway::bench {
namespace {

double micros_since(double start) { return cpu_micros() - start; }

struct Setup {
  crypto::DrbgRng rng;
  dtls::Identity client_id, server_id;
  uint8_t client_scalar[32] = {}, server_scalar[32] = {};

  bool init() {
    static constexpr uint8_t kSeed[48] = {7};
    if (!rng.instantiate(kSeed, {}).ok()) return false;
    int64_t now = static_cast<int64_t>(std::time(nullptr));  // mbedTLS checks the validity period
    return client_id.generate(rng, "bench-client", now).ok() && server_id.generate(rng, "bench-server", now).ok() &&
           client_id.key().export_private(client_scalar).ok() && server_id.key().export_private(server_scalar).ok();
  }

  dtls::Config config(dtls::Role role, bool dtls13 = false) {
    dtls::Config c;
    c.offer_dtls13 = dtls13;
    c.role = role;
    c.identity = role == dtls::Role::client ? &client_id : &server_id;
    c.rng = &rng;
    c.srtp_profiles.push(0x0001);  // SRTP_AES128_CM_HMAC_SHA1_80
    c.cipher_suites.push(static_cast<uint16_t>(dtls::CipherSuite::ecdhe_ecdsa_aes128_gcm_sha256));
    c.groups.push(static_cast<uint16_t>(crypto::NamedGroup::secp256r1));
    c.cookie_exchange = false;  // as after ICE; the mbedTLS anchor runs without cookies too
    return c;
  }
};

struct Measure {
  std::size_t peak = 0;         // per side, the larger of the two sides
  std::size_t established = 0;
  std::size_t own_peak = 0;     // of that: the Endpoint and the heap keyway itself asked for
};

// Hands every datagram side `from` emits to side `to`, charging each
// endpoint's allocations to its own side.
void pump(dtls::Endpoint* eps[2], int from, bool& complete, bool& failed) {
  static uint8_t scratch[2048];
  int to = 1 - from;
  for (int guard = 0; guard < 1000; ++guard) {
    dtls::Output o;
    {
      ChargeTo c(from);
      o = eps[from]->poll_output(Timestamp::zero(), scratch);
    }
    if (o.kind == dtls::Output::Kind::timeout) return;
    if (o.kind == dtls::Output::Kind::transmit) {
      ChargeTo c(to);
      eps[to]->handle_datagram(Timestamp::zero(), MutableBytes(scratch, o.transmit.size()));
    } else if (o.event.kind == dtls::EventKind::peer_certificate) {
      (void)eps[from]->accept_peer_certificate(o.event.data);  // the certificate the event shows
    } else if (o.event.kind == dtls::EventKind::handshake_complete) {
      complete = true;
    } else if (o.event.kind == dtls::EventKind::failure) {
      failed = true;
    }
  }
}

std::size_t own_bytes(const dtls::Endpoint& ep) { return sizeof(dtls::Endpoint) + ep.heap_bytes(); }

// One endpoint's memory: its object plus everything it holds on the heap
// (the meter charges make_unique's allocation of the object too).
std::size_t side_bytes(int side, const dtls::Endpoint& ep, bool peak) {
  if (HeapMeter::available()) return peak ? HeapMeter::peak(side) : HeapMeter::live(side);
  return own_bytes(ep);  // ASan build: our own allocations only
}

bool keyway_handshake(Setup& s, Measure* m, bool dtls13 = false) {
  if (m) HeapMeter::start();
  std::unique_ptr<dtls::Endpoint> client, server;
  {
    ChargeTo c(0);
    client = std::make_unique<dtls::Endpoint>(s.config(dtls::Role::client, dtls13));
  }
  {
    ChargeTo c(1);
    server = std::make_unique<dtls::Endpoint>(s.config(dtls::Role::server, dtls13));
  }
  dtls::Endpoint* eps[2] = {client.get(), server.get()};
  bool c_done = false, s_done = false, failed = false;
  std::size_t peak_no_meter = 0;
  for (int step = 0; step < 50 && !(c_done && s_done) && !failed; ++step) {
    pump(eps, 0, c_done, failed);
    pump(eps, 1, s_done, failed);
    for (int i = 0; i < 2; ++i) peak_no_meter = std::max(peak_no_meter, own_bytes(*eps[i]));
  }
  // The next call after the handshake_complete event releases the
  // handshake context (RFC 6347 §4.2.4: the server keeps its final flight
  // as 12 bytes of verify_data, in the established state).
  for (int i = 0; i < 2; ++i) {
    ChargeTo c(i);
    eps[i]->handle_timeout(Timestamp::zero());
  }
  if (m) {
    m->peak = HeapMeter::available() ? std::max(HeapMeter::peak(0), HeapMeter::peak(1)) : peak_no_meter;
    m->own_peak = peak_no_meter;
    m->established = std::max(side_bytes(0, *client, false), side_bytes(1, *server, false));
  }
  uint8_t km[60];
  const uint16_t version = dtls13 ? 0xFEFC : 0xFEFD;
  bool ok = c_done && s_done && !failed && client->srtp_profile() == 0x0001 && client->version() == version &&
            server->version() == version && client->export_keying_material("EXTRACTOR-dtls_srtp", km).ok();
  if (m) {
    client.reset();
    server.reset();
    HeapMeter::stop();
  }
  return ok;
}

// Per side: ECDHE generate + shared secret, one ECDSA sign, one verify.
bool floor_one_side(crypto::DrbgRng& rng, crypto::EcdsaKey& signer, std::span<const uint8_t> peer_public,
                    crypto::NamedGroup group) {
  crypto::EcdhKeyPair kx;
  uint8_t shared[crypto::kMaxSharedSecretSize];
  uint8_t digest[32] = {1, 2, 3};
  uint8_t sig[64];
  return kx.generate(group, rng).ok() && kx.compute_shared(peer_public, shared, rng).ok() &&
         signer.sign_digest(digest, sig, rng).ok() &&
         crypto::ecdsa_verify_digest(crypto::EcCurve::p256, signer.public_key(), digest, sig).ok();
}

double floor_us(Setup& s, int count, crypto::NamedGroup group = crypto::NamedGroup::secp256r1) {
  crypto::EcdhKeyPair peer;
  if (!peer.generate(group, s.rng).ok()) return -1;
  double start = cpu_micros();
  for (int i = 0; i < count; ++i)
    if (!floor_one_side(s.rng, s.client_id.key(), peer.public_key(), group) ||
        !floor_one_side(s.rng, s.server_id.key(), peer.public_key(), group))
      return -1;
  return micros_since(start) / count;
}

// Round trips to keys: from the client's first datagram until both sides
// completed, in RTTs (one decimal), over `runs` seeds.
struct RoundTrips {
  std::vector<double> rtts;
  int failed = 0;
};

RoundTrips round_trips(bool dtls13, double loss, int runs) {
  constexpr Duration kRtt = Duration::millis(50);
  RoundTrips out;
  for (int seed = 1; seed <= runs; ++seed) {
    sim::LinkConfig link;
    link.delay = Duration::millis(25);  // each way
    link.loss = loss;
    dtls::Config c[2];
    for (int i = 0; i < 2; ++i) {
      c[i].role = i == 0 ? dtls::Role::client : dtls::Role::server;
      c[i].identity = &sim::dtls_sim_identity(i);
      c[i].cookie_exchange = false;  // as after ICE
      c[i].offer_dtls13 = dtls13;
      c[i].srtp_profiles.push(0x0001);
    }
    sim::DtlsPair pair(c[0], c[1], static_cast<uint64_t>(seed) + static_cast<uint64_t>(loss * 1000) * 100000, link);
    for (int i = 0; i < 2; ++i) {
      sim::DtlsSide& side = i == 0 ? pair.a() : pair.b();
      side.ep->set_rtt_estimate(kRtt);
      side.ep->set_remote_fingerprint(
          dtls::fingerprint(dtls::FingerprintHash::sha256, sim::dtls_sim_identity(1 - i).certificate_der()));
    }
    pair.run(Duration::seconds(60));
    const Timestamp done = std::max(pair.a().complete_at, pair.b().complete_at);
    if (!pair.a().complete || !pair.b().complete || pair.a().ep->version() != (dtls13 ? 0xFEFC : 0xFEFD)) {
      ++out.failed;
      continue;
    }
    out.rtts.push_back(static_cast<double>((done - sim::DtlsPair::start()).as_micros()) /
                       static_cast<double>(kRtt.as_micros()));
  }
  std::sort(out.rtts.begin(), out.rtts.end());
  return out;
}

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  return sorted[static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5)];
}

}  // namespace

int run_dtls(int argc, char** argv) {
  int count = argc >= 2 ? std::atoi(argv[1]) : 30;
  if (count <= 0) count = 30;
  auto setup = std::make_unique<Setup>();
  if (!setup->init()) {
    std::printf("dtls bench: setup failed\n");
    return 1;
  }
  Measure m, m13;
  // A warm-up first: process-wide one-time allocations (curve tables) are
  // not per-session memory.
  if (!keyway_handshake(*setup, nullptr) || !keyway_handshake(*setup, &m) || !keyway_handshake(*setup, nullptr, true) ||
      !keyway_handshake(*setup, &m13, true)) {
    std::printf("dtls bench: keyway handshake failed\n");
    return 1;
  }
  double start = cpu_micros();
  for (int i = 0; i < count; ++i)
    if (!keyway_handshake(*setup, nullptr)) return 1;
  double keyway = micros_since(start) / count;
  double mbed = mbedtls_handshake_us({setup->client_id.certificate_der(), setup->client_scalar},
                                     {setup->server_id.certificate_der(), setup->server_scalar}, count);
  double floor = floor_us(*setup, count);
  start = cpu_micros();
  for (int i = 0; i < count; ++i)
    if (!keyway_handshake(*setup, nullptr, true)) return 1;
  double keyway13 = micros_since(start) / count;
  double floor13 = floor_us(*setup, count, crypto::NamedGroup::x25519);
  if (mbed < 0 || floor < 0 || floor13 < 0) std::printf("dtls bench: anchor or floor failed (reported as 0)\n");
  floor13 = std::max(floor13, 0.0);
  mbed = std::max(mbed, 0.0);
  floor = std::max(floor, 0.0);
  std::printf("dtls handshake keyway_us=%.0f mbedtls_us=%.0f floor_us=%.0f ratio_mbedtls=%.2f ratio_floor=%.2f\n",
              keyway, mbed, floor, mbed > 0 ? keyway / mbed : 0.0, floor > 0 ? keyway / floor : 0.0);
  // Per side: the Endpoint object plus all the heap it holds (handshake
  // context, peer certificate, mbedTLS's own allocations such as the AES
  // key schedules and transient ECC scratch), peak at any allocation.
  std::printf("dtls memory handshake_peak_bytes=%zu established_bytes=%zu\n", m.peak, m.established);
  std::printf("  (per side, larger side; sizeof(dtls::Endpoint)=%zu, keyway-owned peak %zu (object + handshake "
              "context + buffers + peer certificate), the rest mbedTLS's heap; heap %s; %d handshakes each, thread CPU time)\n",
              sizeof(dtls::Endpoint), m.own_peak,
              HeapMeter::available() ? "metered at every allocation" : "not metered (ASan): keyway's own only", count);
  std::printf("dtls handshake version=1.3 keyway_us=%.0f floor_us=%.0f ratio_floor=%.2f\n", keyway13, floor13,
              floor13 > 0 ? keyway13 / floor13 : 0.0);
  std::printf("dtls memory version=1.3 handshake_peak_bytes=%zu established_bytes=%zu\n", m13.peak, m13.established);
  std::printf("  (as above, both sides offering DTLS 1.3: TLS_AES_128_GCM_SHA256, x25519; floor: x25519 instead of "
              "secp256r1; keyway-owned peak %zu)\n",
              m13.own_peak);
  constexpr int kRuns = 200;
  for (bool dtls13 : {false, true})
    for (double loss : {0.0, 0.1}) {
      RoundTrips r = round_trips(dtls13, loss, kRuns);
      std::printf("dtls round_trips version=%s loss=%g p50=%.1f p95=%.1f runs=%d failed=%d\n", dtls13 ? "1.3" : "1.2",
                  loss, percentile(r.rtts, 0.5), percentile(r.rtts, 0.95), kRuns, r.failed);
    }
  std::printf("  (round trips from the client's first datagram until both sides have keys, 50 ms RTT through "
              "sim::Netem, retransmission timer seeded with the RTT, no cookie; one decimal)\n");
  return 0;
}

}  // namespace keyway::bench
