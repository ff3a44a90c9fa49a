// SPDX-License-Identifier: Apache-2.0
// Damaged hellos in DTLS 1.3: the same repair as 1.2's (dtls/peer_flight.cpp).
//
// In 1.3 only the hellos travel in the clear (ClientHello, ServerHello,
// HelloRetryRequest; RFC 9147 §4): a damaged protected record fails to open
// and is dropped, and the flight is resent. A bit flipped in a hello either
//
//   - makes it fail a check (decode, a value not offered, a point not on the
//     curve): the copy is set aside, what processing it changed is put back
//     (discard_damaged_hello), and the peer's retransmission is taken as if
//     it were the first. The same hello failing the same check twice (or
//     kMaxRepairs repairs) is fatal, as in 1.2: a peer that really sends it
//     sends the same bytes again (RFC 9147 §4.5.2: invalid input is dropped);
//
//   - or still parses: the two ends then hash different hellos, their
//     handshake keys differ and nothing protected opens on either side. In
//     1.2 that is beyond repair; in 1.3 the keys tell it at once
//     (retake_hello):
//
//       Client                                Server
//       ClientHello ---- damaged, parses -->  answers it: ServerHello, {...}
//       keys differ: every {record} fails     the client's {ACK} fails too
//       ServerHello copy, same bytes:         ClientHello copy, other bytes
//         our hello must have been damaged:     than the one we answered:
//         resend it, wait for a ServerHello     start again from this copy
//       ServerHello copy, other bytes:
//         take this copy instead
//
//     Only before any record under the handshake keys opened and after at
//     least one failed to: then the hello we answered cannot have been the
//     peer's. A repeat with the same bytes goes on as a plain
//     retransmission. A copy in fragments (the browsers' 1.4-1.5 KB
//     ClientHellos) is put together first, in the reassembler, which holds
//     nothing else then (collect_hello_copy); a record that opens under the
//     handshake keys ends that. An attacker who can send as the
//     peer's address can stall a handshake this way, as it can with any
//     plaintext hello; it cannot end an association or learn anything.
#include <cstring>

#include "keyway/dtls/peer_flight.hpp"
#include "keyway/dtls/v13/endpoint.hpp"
#include "keyway/lib/crypto/sha.hpp"

namespace keyway::dtls::v13 {

namespace {
constexpr uint8_t kMaxRepairs = 4;  // hellos set aside or taken again in one handshake

// The start of the hello's SHA-256: enough to tell a copy from another.
void short_digest(Bytes body, uint8_t out[4]) {
  uint8_t digest[crypto::Sha256::kDigestSize];
  crypto::Sha256 h;
  h.update(body);
  h.finish(digest);
  std::memcpy(out, digest, 4);
}
}  // namespace

void Endpoint::save_hello_start(HelloStart& s) const {
  s.state = state_;
  s.suite = suite();
  s.transcript = hs_->transcript;
  s.retried = retried_;
  s.awaiting_cookie = hs_->awaiting_cookie;
  s.has_retry_group = hs_->has_retry_group;
  s.retry_group = hs_->retry_group;
  s.next_send_seq = next_send_seq_;
  s.srtp_profile = srtp_profile_;
}

void Endpoint::note_hello_accepted(Bytes body) { short_digest(body, hs_->accepted_hello_digest); }

bool Endpoint::discard_damaged_hello(const Error& e, Bytes body, const HelloStart& start, uint16_t seq) {
  if (state_ == State::failed || !failure_may_be_damage(e.code) || hs_->hellos_discarded >= kMaxRepairs) return false;
  uint8_t digest[4];
  short_digest(body, digest);
  const bool same_message = std::memcmp(digest, hs_->last_discard_digest, sizeof digest) == 0;
  if (same_message && static_cast<uint8_t>(e.code) == hs_->last_discard) return false;  // confirmed by a second copy
  state_ = start.state;
  set_suite(start.suite);
  hs_->transcript = start.transcript;
  retried_ = start.retried;
  hs_->awaiting_cookie = start.awaiting_cookie;
  hs_->has_retry_group = start.has_retry_group;
  hs_->retry_group = start.retry_group;
  next_send_seq_ = start.next_send_seq;
  srtp_profile_ = start.srtp_profile;
  reassembler().reset(seq);  // the next copy is taken as the first
  hs_->last_discard = static_cast<uint8_t>(e.code);
  std::memcpy(hs_->last_discard_digest, digest, sizeof digest);
  ++hs_->hellos_discarded;
  ++stats_.flights_discarded;
  return true;
}

namespace {
bool whole(const HandshakeFragment& f) { return f.frag_offset == 0 && f.body.size() == f.length; }
}  // namespace

// Whether a copy of the peer's first hello may replace the one we answered.
bool Endpoint::may_retake_hello(const HandshakeFragment& f) const {
  // Where each side waits once it answered a hello, until something opens.
  const State answered = role_ == Role::client ? State::client_wait_encrypted_extensions : State::server_wait_certificate;
  return hs_ != nullptr && state_ == answered && !retried_ && f.msg_seq == 0 && hs_->handshake_keys_failed &&
         read_epochs_[2].next_expected() == 0 && hs_->hellos_discarded < kMaxRepairs;
}

// A fragment of a copy of the peer's first hello (delivered already, so
// message_seq 0 is behind the reassembler): while retake_hello may apply,
// the reassembler goes back to message 0 and puts the copy together; it
// holds nothing else then (no record opens under the handshake keys).
// True when the fragment went to that copy.
bool Endpoint::collect_hello_copy(const HandshakeFragment& f, bool repeat) {
  if (hs_ == nullptr) return false;
  if (!hs_->collecting_hello) {
    if (!repeat || whole(f) || !may_retake_hello(f)) return false;
    reassembler().reset(0);
    hs_->collecting_hello = true;
    if (!reassembler().add(f).ok()) {
      end_hello_copy();
      return true;
    }
  }
  if (!reassembler().ready()) return true;
  hs_->collecting_hello = false;
  const HandshakeFragment copy{reassembler().ready_type(), static_cast<uint32_t>(reassembler().ready_body().size()), 0, 0,
                               reassembler().ready_body()};
  if (retake_hello(copy, true)) return true;
  reassembler().reset(1);  // the same bytes: a plain repeat of the hello we answered
  on_peer_repeat();
  return true;
}

// A record opened under the handshake keys, or the copy was inconsistent:
// the reassembler waits for message 1 again (the hello was message 0).
void Endpoint::end_hello_copy() {
  if (hs_ == nullptr || !hs_->collecting_hello) return;
  hs_->collecting_hello = false;
  reassembler().reset(1);
}

// f: a copy of the peer's first hello, whole: one the reassembler already
// delivered, or (in_reassembler) one it put together and holds ready.
bool Endpoint::retake_hello(const HandshakeFragment& f, bool in_reassembler) {
  const bool client = role_ == Role::client;
  if (!whole(f) || !may_retake_hello(f)) return false;
  uint8_t digest[4];
  short_digest(f.body, digest);
  const bool same = std::memcmp(digest, hs_->accepted_hello_digest, sizeof digest) == 0;
  if (same && !client) return false;  // the client resends: it did not get our flight
  if (client && (flight().empty() || flight().body_space().size() < flight().body(0).size())) return false;
  // Back to before the hello: its keys and what came under them go.
  ++hs_->hellos_discarded;
  ++stats_.flights_discarded;
  hs_->handshake_keys_failed = false;
  read_handshake().reset();
  received_count_ = 0;
  ack_due_ = false;
  hs_->ack_deadline = Timestamp::never();
  if (!in_reassembler) reassembler().reset(0);
  hs_->transcript = Transcript{};
  if (client) {
    state_ = State::client_wait_server_hello;
    hs_->transcript.add(static_cast<uint8_t>(MessageType::client_hello), flight().body(0));
    if (same) {
      reassembler().reset(0);  // the ServerHello that answers our hello again is awaited
      // The server answered another ClientHello than ours: ours goes again
      // (unacknowledged), and the ServerHello that answers it is awaited.
      const Bytes hello = flight().body(0);
      const MutableBytes space = flight().body_space();
      std::memcpy(space.data(), hello.data(), hello.size());  // room checked above
      if (!flight().replace_with_last(MessageType::client_hello, 0, 0, hello.size()).ok()) return false;
      start_flight();
      tracef(hs_->config.trace, Layer::dtls, "dtls13: handshake keys open nothing and the ServerHello is the same: our ClientHello goes again");
      return true;
    }
  } else {
    state_ = State::server_wait_client_hello;
    read_epochs_[3].reset();
    srtp_profile_ = 0;
    flight().clear();
    timer_.stop();
  }
  tracef(hs_->config.trace, Layer::dtls, "dtls13: handshake keys open nothing and the peer's hello copy differs: taken again");
  if (!in_reassembler) (void)reassembler().add(f);
  return true;
}

}  // namespace keyway::dtls::v13
