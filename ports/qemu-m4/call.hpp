// SPDX-License-Identifier: Apache-2.0
// The call both images run: two peer::Connections in one program, a fixed
// in-memory wire between them and a virtual clock that jumps to the next
// deadline (the shape of examples/in_memory_call.cpp, without std::deque or
// printf). Every allocation is charged to the endpoint whose code runs
// (heap::set_owner), so each endpoint's memory is known exactly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "keyway/dtls/x509/certificate.hpp"
#include "keyway/lib/crypto/drbg.hpp"

namespace m4 {

// An endpoint's long-lived identity: its DRBG (seeded from the TEST-ONLY
// entropy) and its certificate, made once at boot.
struct Identity {
  keyway::crypto::DrbgRng rng;
  keyway::dtls::Identity cert;
};

// Seeds the DRBG and generates the self-signed ECDSA P-256 certificate.
bool make_identity(Identity& id, uint32_t stream, const char* name);
// Seeds the DRBG and loads a stored certificate and its P-256 private scalar
// (dtls::Identity::load; docs/embedding.md section 7), generating nothing.
bool load_identity(Identity& id, uint32_t stream, std::span<const uint8_t> p256_private_scalar,
                   std::span<const uint8_t> certificate_der);

struct CallOptions {
  int rtp_each_way = 200;
  int rtcp_each_way = 200;
};

struct CallResult {
  bool ok = false;
  const char* failure = "";        // where it stopped, when !ok
  uint32_t handshake_ms = 0;       // tick: from the first ICE check to both sides' SRTP keys
  std::size_t established_bytes[2] = {};  // per endpoint: object + heap it holds, after media
  std::size_t handshake_peak_bytes[2] = {};
  std::size_t object_bytes = 0;    // sizeof(peer::Connection)
  const char* cipher_suite = "";   // as negotiated (IANA / RFC 5764 names)
  const char* srtp_profile = "";
  int rtp_received[2] = {}, rtcp_received[2] = {};
};

// offer/answer, ICE, DTLS (fingerprint checked), exporter and SRTP keys,
// media both ways, close on both sides, everything destroyed.
CallResult run_call(Identity& alice, Identity& bob, const CallOptions& options);

}  // namespace m4
