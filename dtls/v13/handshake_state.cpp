// SPDX-License-Identifier: Apache-2.0
#include "keyway/dtls/v13/handshake_state.hpp"

#include <cstring>
#include <new>

#include "keyway/dtls/reassembler.hpp"
#include "keyway/lib/crypto/ct.hpp"

namespace keyway::dtls::v13 {

HandshakeState::~HandshakeState() {
  drop_key_pair();
  crypto::wipe_and_free(handed_over.data(), handed_over.size());
  crypto::wipe_and_free(flight_buffer, flight_buffer_size);
  crypto::wipe_and_free(reassembly_pool, reassembly_size);
  crypto::wipe_and_free(peer_cert, peer_cert_len);
}

crypto::EcdhKeyPair* HandshakeState::new_key_pair() {
  drop_key_pair();
  ecdh = new (std::nothrow) crypto::EcdhKeyPair;
  return ecdh;
}

void HandshakeState::drop_key_pair() {
  delete ecdh;  // its destructor frees and wipes the key
  ecdh = nullptr;
}

bool HandshakeState::allocate_flight_buffer() {
  const std::size_t cert = config.identity ? config.identity->certificate_der().size() : 0;
  flight_buffer_size = cert + kFlightBytesBesidesCertificate;
  flight_buffer = new (std::nothrow) uint8_t[flight_buffer_size];
  if (flight_buffer == nullptr) flight_buffer_size = 0;
  return flight_buffer != nullptr;
}

// As the 1.2 context's pool (dtls/handshake_context.cpp): it decides as a
// fixed pool of kMaxReassemblyPool bytes would.
MutableBytes HandshakeState::grow_reassembly_pool(void* self, std::size_t at_least) {
  auto& hs = *static_cast<HandshakeState*>(self);
  return dtls::Reassembler::grow_heap_pool(hs.reassembly_pool, hs.reassembly_size, at_least, kMaxReassemblyPool);
}

std::size_t HandshakeState::heap_bytes() const {
  return sizeof(HandshakeState) + flight_buffer_size + reassembly_size + peer_cert_len +
         (ecdh ? sizeof(crypto::EcdhKeyPair) : 0);
}

}  // namespace keyway::dtls::v13
