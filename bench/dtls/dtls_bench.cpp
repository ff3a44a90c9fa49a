// SPDX-License-Identifier: Apache-2.0
// keyway-bench dtls: full DTLS 1.2 handshakes, client and server in one
// process (sans-IO, datagrams handed over in memory, no sockets): mutual
// ECDSA P-256 certificates, ECDHE secp256r1, AES-128-GCM, use_srtp, no
// cookie. Compared in the same run with mbedTLS's own DTLS 1.2 (the
// anchor) and with the public-key floor: per side one ECDHE key
// generation + shared secret, one ECDSA sign and one ECDSA verify.
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

  dtls::Config config(dtls::Role role) {
    dtls::Config c;
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

bool keyway_handshake(Setup& s, Measure* m) {
  if (m) HeapMeter::start();
  std::unique_ptr<dtls::Endpoint> client, server;
  {
    ChargeTo c(0);
    client = std::make_unique<dtls::Endpoint>(s.config(dtls::Role::client));
  }
  {
    ChargeTo c(1);
    server = std::make_unique<dtls::Endpoint>(s.config(dtls::Role::server));
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
  bool ok = c_done && s_done && !failed && client->srtp_profile() == 0x0001 &&
            client->export_keying_material("EXTRACTOR-dtls_srtp", km).ok();
  if (m) {
    client.reset();
    server.reset();
    HeapMeter::stop();
  }
  return ok;
}

// Per side: ECDHE generate + shared secret, one ECDSA sign, one verify.
bool floor_one_side(crypto::DrbgRng& rng, crypto::EcdsaKey& signer, std::span<const uint8_t> peer_public) {
  crypto::EcdhKeyPair kx;
  uint8_t shared[crypto::kMaxSharedSecretSize];
  uint8_t digest[32] = {1, 2, 3};
  uint8_t sig[64];
  return kx.generate(crypto::NamedGroup::secp256r1, rng).ok() && kx.compute_shared(peer_public, shared, rng).ok() &&
         signer.sign_digest(digest, sig, rng).ok() &&
         crypto::ecdsa_verify_digest(crypto::EcCurve::p256, signer.public_key(), digest, sig).ok();
}

double floor_us(Setup& s, int count) {
  crypto::EcdhKeyPair peer;
  if (!peer.generate(crypto::NamedGroup::secp256r1, s.rng).ok()) return -1;
  double start = cpu_micros();
  for (int i = 0; i < count; ++i)
    if (!floor_one_side(s.rng, s.client_id.key(), peer.public_key()) ||
        !floor_one_side(s.rng, s.server_id.key(), peer.public_key()))
      return -1;
  return micros_since(start) / count;
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
  Measure m;
  // A warm-up first: process-wide one-time allocations (curve tables) are
  // not per-session memory.
  if (!keyway_handshake(*setup, nullptr) || !keyway_handshake(*setup, &m)) {
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
  if (mbed < 0 || floor < 0) std::printf("dtls bench: anchor or floor failed (reported as 0)\n");
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
  return 0;
}

}  // namespace keyway::bench
