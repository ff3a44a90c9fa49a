// SPDX-License-Identifier: Apache-2.0
#include "keyway/dtls/handshake_context.hpp"

#include <cstring>
#include <new>

#include "keyway/dtls/v13/endpoint.hpp"
#include "keyway/lib/crypto/ct.hpp"

namespace keyway::dtls {

HandshakeContext::~HandshakeContext() {
  if (profile::kDtls13) delete dtls13;  // never made without 1.3 in the build
  crypto::wipe_and_free(pool, pool_size);
  crypto::wipe_and_free(reassembly_pool, reassembly_size);
}

// Never past Config::max_reassembly_bytes (the reassembler asks for no more).
MutableBytes HandshakeContext::grow_reassembly_pool(void* self, std::size_t at_least) {
  auto& hs = *static_cast<HandshakeContext*>(self);
  return Reassembler::grow_heap_pool(hs.reassembly_pool, hs.reassembly_size, at_least, hs.config.max_reassembly_bytes);
}

bool HandshakeContext::allocate_buffers() {
  std::size_t cert = config.identity ? config.identity->certificate_der().size() : 0;
  std::size_t flight_bytes = cert + Flight::kBytesBesidesCertificate;
  pool_size = flight_bytes;
  pool = new (std::nothrow) uint8_t[pool_size];
  if (pool == nullptr) {
    pool_size = 0;
    return false;
  }
  reassembler.init_growing({}, config.max_reassembly_bytes, config.max_handshake_message, grow_reassembly_pool, this);
  flight.init(MutableBytes(pool, flight_bytes));
  return true;
}

}  // namespace keyway::dtls
