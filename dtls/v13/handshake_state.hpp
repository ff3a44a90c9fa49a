// SPDX-License-Identifier: Apache-2.0
// What only the DTLS 1.3 handshake needs, held apart from the v13::Endpoint
// so that an established association keeps none of it (the 1.2 endpoint's
// HandshakeContext, dtls/handshake_context.hpp, is the same idea).
//
//   v13::Endpoint (always)                   HandshakeState (heap, handshake only)
//   +------------------------------+         +--------------------------------------+
//   | epoch-3+ record slots both   |  hs_ -> | Config copy, epoch-2 write keys,     |
//   | ways, replay windows,        |         | key schedule, transcript, handshake  |
//   | sequence numbers, exporter   |         | and first application secrets, the  |
//   | and application traffic      |         | ECDHE key (own heap, until used),    |
//   | secrets (KeyUpdate), timer,  |         | peer certificate, our flight's bytes |
//   | a flight and a reassembler   |         | and sent log, the reassembly pool,   |
//   | for one KeyUpdate, stats,    |         | the peer records to ACK              |
//   | events                       |         |                                      |
//   +------------------------------+         +--------------------------------------+
//
// Allocated by the Endpoint's constructor with new (std::nothrow); released
// at the first handle_* call once the handshake is over and nothing still
// points into it: established, our last flight acknowledged (RFC 9147 §5.8.3:
// the client keeps it until the server's ACK), the peer certificate accepted
// and every event polled. Then the application AEADs go too (keyed again by
// the first record each way, RecordProtection::defer), and the server keeps
// the client handshake traffic secret a while longer, in the Endpoint, to
// open and ACK a repeated client flight (RFC 9147 §7).
#pragma once

#include <cstdint>

#include "keyway/dtls/endpoint.hpp"
#include "keyway/dtls/v13/flight.hpp"
#include "keyway/dtls/v13/key_schedule.hpp"
#include "keyway/dtls/v13/record.hpp"
#include "keyway/dtls/v13/transcript.hpp"
#include "keyway/lib/crypto/ecc.hpp"

namespace keyway::dtls::v13 {

struct HandshakeState {
  explicit HandshakeState(const Config& c) : config(c) {}
  ~HandshakeState();
  HandshakeState(const HandshakeState&) = delete;
  HandshakeState& operator=(const HandshakeState&) = delete;

  // The flight buffer, sized for our own certificate; false when the heap is exhausted.
  [[nodiscard]] bool allocate_flight_buffer();
  // Grows the reassembly pool (Reassembler::Grow): doubling, at most kMaxReassemblyPool.
  static MutableBytes grow_reassembly_pool(void* self, std::size_t at_least);
  std::size_t heap_bytes() const;

  static constexpr std::size_t kMaxReassemblyPool = 8192;
  static constexpr std::size_t kFlightBytesBesidesCertificate = 1024;  // hellos, EE, CR, CV, Finished
  static constexpr std::size_t kMaxReceivedRecords = 32;  // handshake records of the peer's flight, for ACKs

  Config config;
  RecordProtection write_handshake;  // epoch 2
  // Our record sequence numbers in epochs 0 and 2 (1, early data, is not
  // used); the application epochs' is the Endpoint's.
  uint64_t write_seq_plain = 0;
  uint64_t write_seq_handshake = 0;
  KeySchedule schedule{crypto::HashAlg::sha256, LabelPrefix::dtls13};
  Transcript transcript;
  SecretBytes client_handshake_secret;
  SecretBytes server_handshake_secret;
  SecretBytes client_application_secret;
  SecretBytes server_application_secret;
  // Our ECDHE key pair, on the heap from our key share until the shared
  // secret is computed: the peak of the handshake (the peer's signature
  // checked, the flights, the AEADs) comes after and does not hold it.
  crypto::EcdhKeyPair* ecdh = nullptr;
  [[nodiscard]] crypto::EcdhKeyPair* new_key_pair();  // replaces any; null when the heap is exhausted
  void drop_key_pair();
  Reliability reliability;  // our flight and the peer's, over this storage:
  uint8_t* flight_buffer = nullptr;
  std::size_t flight_buffer_size = 0;
  Flight::SentRecord flight_log[Flight::kMaxRecords];
  uint8_t* reassembly_pool = nullptr;
  std::size_t reassembly_size = 0;
  RecordNumber received[kMaxReceivedRecords];
  // RFC 9147 §7.1: when a partly received flight is ACKed (only before
  // the handshake is complete).
  Timestamp ack_deadline = Timestamp::never();
  // HelloRetryRequest (RFC 8446 §4.1.4), server: ClientHello2 must bring the
  // Listener's cookie, or the key share of the group we asked for.
  bool awaiting_cookie = false;
  bool has_retry_group = false;
  crypto::NamedGroup retry_group = crypto::NamedGroup::x25519;
  bool cert_requested = false;  // client: the server sent CertificateRequest
  uint8_t request_context_len = 0;
  uint8_t request_context[255] = {};
  // Damaged hellos (dtls/v13/peer_flight.cpp), in what was padding: copies
  // set aside, the check the last one failed and the start of its SHA-256,
  // and whether a record under the handshake keys failed to open.
  uint8_t hellos_discarded = 0;
  uint8_t last_discard = 0;  // a Code
  uint8_t last_discard_digest[4] = {};
  bool handshake_keys_failed = false;
  uint8_t* peer_cert = nullptr;  // exact-size copy of the DER
  uint16_t peer_cert_len = 0;
  bool has_expected_fp = false;
  uint8_t accepted_hello_digest[4] = {};  // the peer's hello we answered (peer_flight.cpp)
  // Server: the random of the ClientHello answered last, which names the
  // association in the key log (dtls/key_log.cpp); a retaken hello replaces it.
  bool has_client_random = false;
  bool collecting_hello = false;  // a fragmented copy of the peer's hello is being put together (peer_flight.cpp)
  uint8_t client_random[kRandomSize] = {};
  Fingerprint expected_fp;
  MutableBytes handed_over;  // the hello dtls::Endpoint handed over (new[]), until read
};

}  // namespace keyway::dtls::v13
