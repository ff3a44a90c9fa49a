// SPDX-License-Identifier: Apache-2.0
#include "keyway/dtls/handshake_context.hpp"

#include <cstring>
#include <new>

#include "keyway/dtls/v13/endpoint.hpp"
#include "keyway/lib/crypto/ct.hpp"

namespace keyway::dtls {

namespace {
void wipe_and_free(uint8_t* p, std::size_t n) {
  if (p == nullptr) return;
  crypto::secure_zero(p, n);
  delete[] p;
}
}  // namespace

HandshakeContext::~HandshakeContext() {
  if (profile::kDtls13) delete dtls13;  // never made without 1.3 in the build
  wipe_and_free(pool, pool_size);
  wipe_and_free(reassembly_pool, reassembly_size);
}

// Doubling (few copies over a handshake), at least what is asked, never past
// Config::max_reassembly_bytes (the reassembler asks for no more).
MutableBytes HandshakeContext::grow_reassembly_pool(void* self, std::size_t at_least) {
  auto& hs = *static_cast<HandshakeContext*>(self);
  std::size_t size = hs.reassembly_size * 2;
  size = size < at_least ? at_least : size;
  size = size > hs.config.max_reassembly_bytes ? hs.config.max_reassembly_bytes : size;
  if (size < at_least) return {};
  auto* fresh = new (std::nothrow) uint8_t[size];
  if (fresh == nullptr) return {};
  if (hs.reassembly_size != 0) std::memcpy(fresh, hs.reassembly_pool, hs.reassembly_size);
  wipe_and_free(hs.reassembly_pool, hs.reassembly_size);
  hs.reassembly_pool = fresh;
  hs.reassembly_size = size;
  return MutableBytes(fresh, size);
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
