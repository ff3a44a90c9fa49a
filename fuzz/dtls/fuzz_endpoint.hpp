// SPDX-License-Identifier: Apache-2.0
// Shared setup for the stateful DTLS fuzz targets (dtls_server, dtls_client)
// and their corpus generator: fixed seeds and identities so every run is
// deterministic and a recorded peer flight stays valid.
//
// Input format: a sequence of steps.
//   0x80 | n        advance time by n*10 ms and call handle_timeout
//   0x00..0x7f, u16 len, bytes   a datagram from the peer
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>

#include "keyway/dtls/endpoint.hpp"
#include "keyway/lib/bytes.hpp"
#include "keyway/lib/rng.hpp"

namespace keyway::fuzz {

inline dtls::Identity& fuzz_identity(dtls::Role role) {
  static dtls::Identity ids[2];
  static bool made[2] = {false, false};
  int i = role == dtls::Role::client ? 0 : 1;
  if (!made[i]) {
    SeededRng rng(role == dtls::Role::client ? 701 : 702);
    (void)ids[i].generate(rng, role == dtls::Role::client ? "fuzz-client" : "fuzz-server", 1790000000);
    made[i] = true;
  }
  return ids[i];
}

inline dtls::Config fuzz_config(dtls::Role role, Rng& rng) {
  dtls::Config c;
  c.role = role;
  c.identity = &fuzz_identity(role);
  c.rng = &rng;
  c.srtp_profiles.push(0x0007);
  c.srtp_profiles.push(0x0001);
  c.cookie_exchange = false;  // lets one recorded flight reach the deep states
  c.mtu = 600;
  return c;
}

// An endpoint that expects the other fuzz identity's a=fingerprint, so the
// fingerprint check (RFC 8122 §5) is on the fuzzed path and the handshake
// can reach the exporter.
// (cookie_exchange: for the corpus generator's HelloVerifyRequest flights;
// offer_dtls13: the dtls13_endpoint target, DTLS 1.3 by negotiation.)
inline std::unique_ptr<dtls::Endpoint> make_endpoint(dtls::Role role, Rng& rng, bool cookie_exchange = false,
                                                     bool offer_dtls13 = false) {
  dtls::Config config = fuzz_config(role, rng);
  config.cookie_exchange = cookie_exchange;
  config.offer_dtls13 = offer_dtls13;
  auto ep = std::make_unique<dtls::Endpoint>(config);
  dtls::Role peer = role == dtls::Role::client ? dtls::Role::server : dtls::Role::client;
  ep->set_remote_fingerprint(dtls::fingerprint(dtls::FingerprintHash::sha256, fuzz_identity(peer).certificate_der()));
  return ep;
}

// Records are decrypted in place: the endpoint gets a writable copy of the
// fuzzer's (read-only) input, valid until the next call.
inline MutableBytes writable_copy(Bytes d) {
  static uint8_t copy[65536];
  std::memcpy(copy, d.data(), d.size());
  return MutableBytes(copy, d.size());
}

inline uint64_t fuzz_seed(dtls::Role role) { return role == dtls::Role::client ? 11 : 22; }

// Polls until the endpoint waits for time; uses the keys once they exist and
// echoes application data, so those paths are fuzzed too. A template: the
// DTLS 1.3 endpoint (dtls/v13/endpoint.hpp) has the same shape.
template <typename EndpointT>
void drain(EndpointT& ep, Timestamp now) {
  static uint8_t scratch[2048];
  static uint8_t echo[2048];
  for (int i = 0; i < 256; ++i) {
    dtls::Output o = ep.poll_output(now, scratch);
    if (o.kind == dtls::Output::Kind::timeout) return;
    if (o.kind != dtls::Output::Kind::event) continue;
    if (o.event.kind == dtls::EventKind::handshake_complete) {
      uint8_t keys[60];
      (void)ep.export_keying_material("EXTRACTOR-dtls_srtp", keys);
    } else if (o.event.kind == dtls::EventKind::application_data && o.event.data.size() <= sizeof echo) {
      std::copy(o.event.data.begin(), o.event.data.end(), echo);  // data lives until the next handle_* call
      static uint8_t sealed[2048];
      (void)ep.send_application_data(Bytes(echo, o.event.data.size()), sealed);
    }
  }
}

template <typename EndpointT>
void run_steps(EndpointT& ep, Bytes input) {
  Timestamp now = Timestamp::from_micros(1000000);
  ByteReader r(input);
  drain(ep, now);
  uint8_t op = 0;
  while (r.read_u8(op)) {
    if (op & 0x80) {
      now = now + Duration::millis(10 * (op & 0x7f));
      ep.handle_timeout(now);
    } else {
      uint16_t len = 0;
      Bytes d;
      if (!r.read_u16(len)) return;
      if (!r.read_bytes(len < r.remaining() ? len : r.remaining(), d)) return;
      (void)ep.handle_datagram(now, writable_copy(d));
    }
    drain(ep, now);
  }
}

}  // namespace keyway::fuzz
