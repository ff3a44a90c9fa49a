// SPDX-License-Identifier: Apache-2.0
// mbedTLS's own DTLS 1.2 handshake (client and server in one process,
// datagrams through memory), the anchor for `keyway-bench dtls`.
#pragma once

#include <cstdint>
#include <span>
#include <time.h>

namespace keyway::bench {

// CPU time of this thread in microseconds: the machine running the bench is
// shared, so wall time would count other processes.
inline double cpu_micros() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

struct AnchorIdentity {
  std::span<const uint8_t> cert_der;
  std::span<const uint8_t> p256_scalar;  // 32 bytes, big-endian
};

// Runs `count` full handshakes (mutual ECDSA P-256 certificates,
// ECDHE secp256r1, TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, use_srtp,
// no cookie) and returns CPU microseconds per handshake, or -1 on failure.
double mbedtls_handshake_us(const AnchorIdentity& client, const AnchorIdentity& server, int count);

}  // namespace keyway::bench
