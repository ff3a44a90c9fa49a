// SPDX-License-Identifier: Apache-2.0
// A peer flight whose unauthenticated messages fail a check.
//
// Until Finished, nothing the peer sends in epoch 0 is authenticated: a bit
// flipped in transit (UDP checksums are optional and not always checked)
// turns a good flight into one that fails to decode or to verify. DTLS
// discards invalid input rather than failing on it (RFC 6347 §4.1.2.7) and
// the peer retransmits a flight that got no answer (§4.2.4), so such a
// flight is dropped whole: the handshake state goes back to where the
// flight began and the next copy is processed as if it were the first.
//
// A peer that really sends something wrong sends it again, byte for byte:
// the same message failing with the same error code on the next copy (or
// kMaxDiscardedFlights discarded copies) is fatal, with that failure as the
// reason. Refusals that are a choice rather than damage (no common suite,
// version, an out-of-order message) stay fatal at once.
#include <cstring>

#include "keyway/dtls/endpoint.hpp"
#include "keyway/dtls/handshake_context.hpp"
#include "keyway/dtls/peer_flight.hpp"

namespace keyway::dtls {

// Failures that a damaged copy of a well-behaved peer's message produces.
bool failure_may_be_damage(Code code) {
  switch (code) {
    case Code::malformed:
    case Code::truncated:
    case Code::decode_error:
    case Code::auth_failed:        // a signature
    case Code::crypto_failure:     // a point not on the curve
    case Code::bad_certificate:    // DER, or the a=fingerprint check
    case Code::illegal_parameter:  // a value we did not offer
    case Code::unsupported:        // e.g. an unknown key type in the certificate
      return true;
    default: return false;
  }
}

void Endpoint::save_flight_start(uint16_t first_seq) {
  HandshakeContext& hs = *hs_;
  if (first_seq != hs.peer_flight_first_seq) hs.last_discard = Code::ok;  // a new flight, not another copy
  hs.peer_flight_first_seq = first_seq;
  hs.peer_flight_boundary = false;
  hs.flight_start.state = state_;
  hs.flight_start.keys = read_cipher_.ready();
  hs.flight_start.progress = hs.progress;
}

bool Endpoint::discard_peer_flight(const Error& e, Bytes message) {
  HandshakeContext& hs = *hs_;
  if (!failure_may_be_damage(e.code) || hs.flights_discarded >= kMaxDiscardedFlights) return false;
  uint8_t digest[crypto::Sha256::kDigestSize];
  crypto::Sha256 h;
  h.update(message);
  h.finish(digest);
  bool same_message = std::memcmp(digest, hs.last_discard_digest, sizeof digest) == 0;
  if (same_message && e.code == hs.last_discard) return false;  // confirmed by a second copy
  state_ = hs.flight_start.state;
  hs.progress = hs.flight_start.progress;
  if (!hs.flight_start.keys) forget_keys();
  hs.reassembler.reset(hs.peer_flight_first_seq);  // the next copy refills every message
  hs.peer_flight_boundary = true;
  hs.last_discard = e.code;
  std::memcpy(hs.last_discard_digest, digest, sizeof digest);
  ++hs.flights_discarded;
  ++stats_.flights_discarded;
  tracef(trace_, Layer::dtls, "peer flight discarded, waiting for its retransmission (RFC 6347 §4.1.2.7): %s",
         e.detail);
  return true;
}

// The flight derived keys (a ClientKeyExchange) that go with it: whoever
// chose that ClientKeyExchange knows them, so nothing they authenticated
// may stay behind (the epoch-1 replay window, a ChangeCipherSpec seen).
void Endpoint::forget_keys() {
  read_cipher_.clear();
  write_.cipher.clear();
  write_.next_seq[1] = 0;
  read_window_[1].reset();
  peer_ccs_ = false;
  write_epoch_ = 0;
  crypto::secure_zero(secret_->master, sizeof secret_->master);
}

}  // namespace keyway::dtls
