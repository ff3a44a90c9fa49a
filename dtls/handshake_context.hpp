// SPDX-License-Identifier: Apache-2.0
// The state only a handshake needs (RFC 6347 §4.2), held apart from the
// Endpoint so that an established association keeps none of it.
//
//   Endpoint (established state, always)      HandshakeContext (heap, handshake only)
//   +------------------------------+          +--------------------------------------+
//   | epoch-1 ciphers, windows,    |  hs_ --> | Config copy, timer, transcripts,     |
//   | seqs, master + randoms,      |          | ECDHE key, premaster, cookie jar,    |
//   | suite/profile/MKI, stats,    |          | reassembler + its pool (bounded by    |
//   | events, final-flight digest  |          | Config), our flight + its buffer     |
//   +------------------------------+          +--------------------------------------+
//
// Allocated by the Endpoint constructor with new (std::nothrow) (a failed
// allocation fails the endpoint with a capacity error, no exception);
// freed at the first handle_* call after the handshake completed or failed.
// The server's final flight (ChangeCipherSpec + Finished) does not need it:
// the Endpoint rebuilds that flight from its 12-byte verify_data.
#pragma once

#include <cstdint>

#include "keyway/dtls/cookie.hpp"
#include "keyway/dtls/endpoint.hpp"
#include "keyway/dtls/flight.hpp"
#include "keyway/dtls/hello_verify.hpp"
#include "keyway/dtls/reassembler.hpp"
#include "keyway/lib/crypto/ecc.hpp"
#include "keyway/lib/crypto/sha.hpp"

namespace keyway::dtls {

struct HandshakeContext {
  explicit HandshakeContext(const Config& c) : config(c) {}
  ~HandshakeContext();
  HandshakeContext(const HandshakeContext&) = delete;
  HandshakeContext& operator=(const HandshakeContext&) = delete;

  // Allocates the flight buffer (sized for our own certificate); the
  // reassembly pool grows from nothing as the peer's messages need it, up to
  // Config::max_reassembly_bytes. False when the heap is exhausted.
  [[nodiscard]] bool allocate_buffers();
  std::size_t heap_bytes() const;

  Config config;
  RetransmitTimer timer;
  const char* timeout_reason = "idle";
  Reassembler reassembler;
  Flight flight;
  uint8_t* pool = nullptr;          // the flight buffer
  std::size_t pool_size = 0;
  uint8_t* reassembly_pool = nullptr;  // grown by grow_reassembly_pool
  std::size_t reassembly_size = 0;
  static MutableBytes grow_reassembly_pool(void* self, std::size_t at_least);
  // RFC 6347 §4.2.4: the first message_seq of the peer flight that our
  // current flight answers; its repetition means our flight was lost.
  bool peer_flight_boundary = true;
  uint16_t peer_flight_first_seq = 0;
  uint16_t retransmit_trigger_seq = 0xFFFF;
  // The largest datagram of the peer's with a record we accepted: a size the
  // path carries (Endpoint::lower_mtu).
  uint16_t peer_datagram_max = 0;
  // What the peer's messages move, in one struct: saved whole as a peer
  // flight begins and restored whole when one of its unauthenticated
  // (epoch-0) messages fails a check (peer_flight.cpp), so a field added
  // here cannot escape the rollback.
  struct Progress {
    uint8_t received = 0;             // messages of the state's expected list so far (handshake_table.hpp)
    bool cert_requested = false;      // client: server sent CertificateRequest
    bool peer_sent_cert = false;
    crypto::Hash transcript256{crypto::HashAlg::sha256};
    crypto::Hash transcript384{crypto::HashAlg::sha384};
  };
  Progress progress;
  // The state as the peer's current flight began: the progress, and what
  // the Endpoint itself holds (its state, whether epoch-1 keys existed).
  struct FlightStart {
    HandshakeState state = HandshakeState::failed;
    bool keys = false;
    Progress progress;
  };
  FlightStart flight_start;
  uint8_t flights_discarded = 0;
  Code last_discard = Code::ok;          // the check the last discarded copy failed
  uint8_t last_discard_digest[32] = {};  // and the SHA-256 of the message that failed it
  uint16_t next_send_seq = 0;
  uint16_t group = 0;
  bool renegotiation_info = false;  // peer signalled RFC 5746 support
  bool client_point_formats = false;
  uint8_t rx_header[kHandshakeHeaderSize] = {};
  uint64_t rx_record_seq = 0;
  crypto::Secret<crypto::kMaxSharedSecretSize> premaster;
  crypto::EcdhKeyPair ecdh;
  CookieJar cookies;                // server
  uint8_t cookie[kMaxCookieSize] = {};  // client: the cookie we echo
  std::size_t cookie_len = 0;
  uint8_t hello_verifies = 0;       // client: HelloVerifyRequests answered
  bool has_expected_fp = false;
  Fingerprint expected_fp;
  // A HelloVerifyRequest waiting for poll_output (server, stateless).
  uint8_t hvr[kHelloVerifyRecordSize] = {};
  uint16_t hvr_len = 0;  // at most kHelloVerifyRecordSize
  // DTLS 1.3 (negotiation.cpp): the 1.3 engine, made for a 1.3 offer
  // (client) or a ClientHello offering 1.3 (server); in charge once it has
  // left client_start (Endpoint::dtls13()). Placed where hvr_len left room:
  // the context keeps its size.
  v13::Endpoint* dtls13 = nullptr;
};

}  // namespace keyway::dtls
