// SPDX-License-Identifier: Apache-2.0
// Handshake records, fragment by fragment (RFC 6347 §4.2.3):
//
//   record ──> fragments ──> placed? ──> reassembled ──> messages in order ──> client/server
//              (§4.2.3)      epoch,       (reassembler,    (§4.2.2; the        state machine;
//                            role,        a repeat of the   transcript sees     a failure is a
//                            cookie       peer's flight     them unfragmented,  damaged flight or
//                                         resends ours)     §4.2.6)             fatal (peer_flight.cpp)
//
// After the handshake, a fragment only tells whether the client repeated its
// last flight or tries to renegotiate (watch_final_flight).
#include "keyway/dtls/endpoint.hpp"
#include "keyway/dtls/handshake_context.hpp"
#include "keyway/dtls/handshake_header.hpp"
#include "keyway/dtls/handshake_table.hpp"

namespace keyway::dtls {

namespace {
constexpr Error kEpoch1NotFinished = make_error(Layer::dtls, Code::unexpected_message, "dtls: a handshake message other than Finished under the new keys");

// The alert that matches a handshake error (RFC 5246 §7.2.2).
AlertDescription alert_for(Code code) {
  switch (code) {
    case Code::malformed:
    case Code::truncated:
    case Code::decode_error: return AlertDescription::decode_error;
    case Code::auth_failed: return AlertDescription::decrypt_error;
    case Code::unexpected_message: return AlertDescription::unexpected_message;
    case Code::bad_certificate: return AlertDescription::bad_certificate;
    case Code::protocol_version: return AlertDescription::protocol_version;
    case Code::illegal_parameter:
    case Code::crypto_failure: return AlertDescription::illegal_parameter;
    case Code::handshake_failure:
    case Code::unsupported: return AlertDescription::handshake_failure;
    default: return AlertDescription::internal_error;
  }
}
}  // namespace

void Endpoint::process_handshake_record(uint16_t epoch, Bytes payload) {
  ByteReader r(payload);
  bool peer_repeated = false;
  while (!r.at_end() && state_ != HandshakeState::failed) {
    auto f = read_handshake_fragment(r);
    if (!f.ok()) {  // RFC 6347 §4.1.2.7: invalid records are discarded silently
      ++stats_.fragments_ignored;
      return;
    }
    if (state_ == HandshakeState::established) {
      watch_final_flight(epoch, *f);
      continue;
    }
    if (!hs_) return;
    Status s = process_fragment(epoch, *f, peer_repeated);
    if (!s.ok()) return;  // fail() already called
  }
  if (peer_repeated) on_peer_retransmission();
}

// After the handshake: a repeated client flight means our final flight was
// lost (RFC 6347 §4.2.4); a new handshake under the session keys is
// renegotiation, which is refused (RFC 5746 §4.5).
void Endpoint::watch_final_flight(uint16_t epoch, const HandshakeFragment& f) {
  bool finished = f.type == static_cast<uint8_t>(HandshakeType::finished);
  if (epoch == 1 && !finished) {
    if (f.frag_offset == 0) queue_alert(AlertLevel::warning, AlertDescription::no_renegotiation);
    return;
  }
  if (final_.held && now_ > final_.hold_until) final_.held = false;
  if (final_.held && f.frag_offset == 0 && f.msg_seq == final_.trigger_seq && !final_.sending) {
    ++stats_.retransmissions;
    tracef(trace_, Layer::dtls, "peer repeated its flight: retransmitting our final flight (RFC 6347 §4.2.4)");
    final_.sending = true;
    return;
  }
  ++stats_.fragments_ignored;
}

// One fragment during the handshake. `peer_repeated` is set when it shows
// that the peer repeated the flight our current flight answers.
Status Endpoint::process_fragment(uint16_t epoch, const HandshakeFragment& f, bool& peer_repeated) {
  switch (place_fragment(epoch, f)) {
    case Placement::ignore:
      ++stats_.fragments_ignored;
      return ok_status();
    case Placement::fatal:
      fail(kEpoch1NotFinished, AlertDescription::unexpected_message);
      return kEpoch1NotFinished;
    case Placement::reassemble:
      break;
  }
  Bytes cookie = client_fresh_cookie(f);  // hello_verify.cpp: taken before the reassembler
  if (!cookie.empty()) return client_answer_hello_verify(cookie, true);
  if (!is_client()) server_follow_hello_seq(f);
  if (!reassemble(f, peer_repeated)) return ok_status();
  return deliver_messages(epoch);
}

// Whether a fragment may reach the reassembler, from its type, its epoch and our role.
Endpoint::Placement Endpoint::place_fragment(uint16_t epoch, const HandshakeFragment& f) const {
  auto type = static_cast<HandshakeType>(f.type);
  // RFC 5246 §7.4.1.1: a client ignores HelloRequest while negotiating (and
  // we never renegotiate); it takes no message_seq and stays out of the transcript.
  if (is_client() && type == HandshakeType::hello_request) return Placement::ignore;
  // Authenticated by the new keys, yet not the Finished that must come first
  // under them (RFC 5246 §7.4.9): the peer broke the protocol.
  if (epoch == 1 && epoch_of(type) != 1) return Placement::fatal;
  // A Finished in plaintext: unauthenticated and out of place, so dropped,
  // never failed on (RFC 6347 §4.1.2.7).
  if (epoch != epoch_of(type)) return Placement::ignore;
  return Placement::reassemble;
}

// RFC 6347 §4.2.3: into the reassembler. False when the fragment is dropped:
// inconsistent or oversized, and unauthenticated, so counted, never failed on.
// RFC 6347 §4.2.4: an old first fragment of the peer flight our current
// flight answers is a repeat of it, so our flight was lost.
bool Endpoint::reassemble(const HandshakeFragment& f, bool& peer_repeated) {
  HandshakeContext& hs = *hs_;
  auto added = hs.reassembler.add(f);
  if (!added.ok()) {
    ++stats_.fragments_ignored;
    return false;
  }
  if (*added == Reassembler::Added::ignored) ++stats_.fragments_ignored;
  if (*added == Reassembler::Added::old && f.frag_offset == 0 && f.msg_seq == hs.retransmit_trigger_seq)
    peer_repeated = true;
  return true;
}

// RFC 6347 §4.2.2: the messages complete in message_seq order go to the
// state machine one by one, until the handshake is over.
Status Endpoint::deliver_messages(uint16_t epoch) {
  HandshakeContext& hs = *hs_;
  while (hs.reassembler.ready() && state_ != HandshakeState::failed && state_ != HandshakeState::established) {
    uint16_t seq = hs.reassembler.next_seq();
    if (hs.peer_flight_boundary) save_flight_start(seq);  // a peer flight begins (peer_flight.cpp)
    auto type = static_cast<HandshakeType>(hs.reassembler.ready_type());
    Bytes body = take_ready_message();
    Status s = is_client() ? client_on_message(type, body) : server_on_message(type, body, seq);
    if (!s.ok()) return on_message_failure(epoch, s.error(), body);
  }
  return ok_status();
}

// The next complete message's body; its header, as if unfragmented, goes to
// rx_header for the transcript (RFC 6347 §4.2.6). The body stays intact
// until the next add(): the reassembler advances first, so a handler may
// reset it.
Bytes Endpoint::take_ready_message() {
  HandshakeContext& hs = *hs_;
  Bytes body = hs.reassembler.ready_body();
  ByteWriter hw(hs.rx_header);
  write_handshake_header(hw, hs.reassembler.ready_type(), static_cast<uint32_t>(body.size()), hs.reassembler.next_seq(),
                         0, static_cast<uint32_t>(body.size()));
  hs.reassembler.advance();
  return body;
}

// A message failed a check. Unauthenticated (epoch 0), it may be a damaged
// copy: its flight is discarded and the retransmission awaited
// (peer_flight.cpp). Otherwise the handshake fails with the alert that
// matches (RFC 5246 §7.2.2), unless the handler failed it already.
Status Endpoint::on_message_failure(uint16_t epoch, const Error& e, Bytes message) {
  if (state_ == HandshakeState::failed) return e;
  if (epoch == 0 && discard_peer_flight(e, message)) return ok_status();
  fail(e, alert_for(e.code));
  return e;
}

}  // namespace keyway::dtls
