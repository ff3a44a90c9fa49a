// keyway-bench dtls: full DTLS 1.2 handshakes, client and server in one
// process (sans-IO, datagrams handed over in memory, no sockets): mutual
// ECDSA P-256 certificates, ECDHE secp256r1, AES-128-GCM, use_srtp, no
// cookie. Compared in the same run with mbedTLS's own DTLS 1.2 (the
// anchor) and with the public-key floor: per side one ECDHE key
// generation + shared secret, one ECDSA sign and one ECDSA verify.
#include <malloc.h>

#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <memory>
#include <vector>

#include "bench/benches.hpp"
#include "bench/dtls/anchor.hpp"
#include "dtls/endpoint.hpp"
#include "lib/crypto/drbg.hpp"
#include "lib/crypto/ecc.hpp"
#include "lib/crypto/sha.hpp"

namespace keyway::bench {
namespace {

double micros_since(double start) { return cpu_micros() - start; }

// Heap bytes in use (glibc), sampled between handshake steps.
std::size_t heap_in_use() { return mallinfo2().uordblks; }

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
  std::size_t peak_heap = 0;      // above the baseline, both sides
  std::size_t established_heap = 0;
};

// Hands every datagram `from` emits to `to`; true once `from` has nothing left.
bool pump(dtls::Endpoint& from, dtls::Endpoint& to, bool& complete, bool& failed) {
  static uint8_t scratch[2048];
  for (int guard = 0; guard < 1000; ++guard) {
    dtls::Output o = from.poll_output(Timestamp::zero(), scratch);
    if (o.kind == dtls::Output::Kind::timeout) return true;
    if (o.kind == dtls::Output::Kind::transmit) {
      to.handle_datagram(Timestamp::zero(), o.transmit);
    } else if (o.event.type == dtls::EventType::peer_certificate) {
      from.accept_peer_certificate();
    } else if (o.event.type == dtls::EventType::handshake_complete) {
      complete = true;
    } else if (o.event.type == dtls::EventType::failure) {
      failed = true;
    }
  }
  return false;
}

bool keyway_handshake(Setup& s, Measure* m) {
  auto client = std::make_unique<dtls::Endpoint>(s.config(dtls::Role::client));
  auto server = std::make_unique<dtls::Endpoint>(s.config(dtls::Role::server));
  std::size_t base = m ? heap_in_use() : 0;  // the endpoints themselves are counted by sizeof
  bool c_done = false, s_done = false, failed = false;
  for (int step = 0; step < 50 && !(c_done && s_done) && !failed; ++step) {
    pump(*client, *server, c_done, failed);
    if (m) m->peak_heap = std::max(m->peak_heap, heap_in_use() - base);
    pump(*server, *client, s_done, failed);
    if (m) m->peak_heap = std::max(m->peak_heap, heap_in_use() - base);
  }
  if (m) m->established_heap = heap_in_use() - base;
  uint8_t km[60];
  return c_done && s_done && !failed && client->srtp_profile() == 0x0001 &&
         client->export_keying_material("EXTRACTOR-dtls_srtp", km).ok();
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
  if (!keyway_handshake(*setup, &m)) {  // warm-up, and the memory sample
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
  // Per session: the Endpoint object (fixed arrays, no allocation of its
  // own) plus half the heap the crypto layer held between steps (sampled).
  std::size_t per_side = sizeof(dtls::Endpoint);
  std::printf("dtls memory handshake_peak_bytes=%zu established_bytes=%zu\n", per_side + m.peak_heap / 2,
              per_side + m.established_heap / 2);
  std::printf("  (sizeof(dtls::Endpoint)=%zu; heap sampled between steps: peak %zu, established %zu, both sides; "
              "%d handshakes each, thread CPU time)\n",
              sizeof(dtls::Endpoint), m.peak_heap, m.established_heap, count);
  return 0;
}

}  // namespace keyway::bench
