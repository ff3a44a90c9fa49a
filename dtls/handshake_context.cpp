// SPDX-License-Identifier: Apache-2.0
#include "keyway/dtls/handshake_context.hpp"

#include <new>

#include "keyway/dtls/v13/endpoint.hpp"
#include "keyway/lib/crypto/ct.hpp"

namespace keyway::dtls {

HandshakeContext::~HandshakeContext() {
  delete dtls13;
  if (pool) {
    crypto::secure_zero(pool, pool_size);
    delete[] pool;
  }
}

bool HandshakeContext::allocate_buffers() {
  std::size_t reassembly = config.max_reassembly_bytes;
  std::size_t cert = config.identity ? config.identity->certificate_der().size() : 0;
  std::size_t flight_bytes = cert + Flight::kBytesBesidesCertificate;
  pool_size = reassembly + flight_bytes;
  pool = new (std::nothrow) uint8_t[pool_size];
  if (pool == nullptr) {
    pool_size = 0;
    return false;
  }
  reassembler.init(MutableBytes(pool, reassembly), config.max_handshake_message);
  flight.init(MutableBytes(pool + reassembly, flight_bytes));
  return true;
}

}  // namespace keyway::dtls
