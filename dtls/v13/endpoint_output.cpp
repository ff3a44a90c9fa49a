// SPDX-License-Identifier: Apache-2.0
// DTLS 1.3 endpoint: records out (RFC 9147 §4), flights, ACKs (§7), the
// retransmission timer (§5.8) and events.
#include <cstring>

#include "keyway/dtls/v13/endpoint.hpp"

namespace keyway::dtls::v13 {

namespace {
constexpr Error kNoEpoch = make_error(Layer::dtls, Code::bad_state, "dtls13: no keys for that epoch yet");
constexpr Error kNoRoom = make_error(Layer::dtls, Code::buffer_too_small, "dtls13: no room for the record");
constexpr Error kTimeout = make_error(Layer::dtls, Code::timeout, "dtls13: the peer stopped answering (retransmissions used up)");
constexpr std::size_t kPlainOverhead = kRecordHeaderSize;                     // 13: the 1.2 header
constexpr std::size_t kProtectedOverhead = 5 + 1 + crypto::kAeadTagSize;     // unified header, type, tag
constexpr std::size_t kMaxDatagram = 1500;
}  // namespace

void Endpoint::maybe_start() {
  if (state_ != State::client_start) return;
  Status s = client_send_hello();
  if (!s.ok()) fail(s.error(), AlertDescription::internal_error);
}

void Endpoint::start_flight() {
  received_count_ = 0;  // our flight acknowledges the peer's implicitly
  if (hs_ != nullptr) hs_->ack_deadline = Timestamp::never();
  flight().begin_transmission();
  timer_.arm_new_flight(now_);
}

void Endpoint::fail(const Error& e, AlertDescription alert) {
  if (state_ == State::failed) return;
  alert_due_ = true;
  alert_level_ = static_cast<uint8_t>(AlertLevel::fatal);
  alert_desc_ = static_cast<uint8_t>(alert);
  state_ = State::failed;
  timer_.stop();
  if (Reliability* r = reliability()) r->flight.clear();
  error_ = e;
  Event f;
  f.kind = EventKind::failure;
  f.error = e;
  f.alert = alert;
  push_event(f);
}

void Endpoint::push_event(const Event& e) {
  PendingEvent p;
  if (e.kind == EventKind::application_data) {  // a record's content, in the datagram being read
    const std::size_t offset = static_cast<std::size_t>(e.data.data() - event_base_);
    if (offset > 0xFFFF) {  // not from a UDP datagram (at most 64 KiB)
      ++stats_.events_dropped;
      return;
    }
    p.offset = static_cast<uint16_t>(offset);
    p.len = static_cast<uint16_t>(e.data.size());
  }
  p.kind = e.kind;
  p.level = e.alert_level;
  p.alert = e.alert;
  if (!events_.push(p)) ++stats_.events_dropped;
}

// As 1.2 (dtls/endpoint_output.cpp): application data events point into the
// datagram they came in, which the caller may reuse once handle_datagram returns.
void Endpoint::drop_stale_app_data(MutableBytes datagram) {
  stats_.events_dropped += static_cast<uint32_t>(
      events_.remove_if([](const PendingEvent& e) { return e.kind == EventKind::application_data; }));
  event_base_ = datagram.data();
}

Event Endpoint::pop_event() {
  const PendingEvent p = events_.pop();
  Event e;
  e.kind = p.kind;
  if (p.kind == EventKind::application_data) e.data = Bytes(event_base_ + p.offset, p.len);
  if (p.kind == EventKind::peer_certificate || p.kind == EventKind::handshake_complete) e.data = peer_certificate();
  e.alert_level = p.level;
  e.alert = p.alert;
  if (p.kind == EventKind::handshake_complete) e.srtp_profile = srtp_profile_;
  if (p.kind == EventKind::failure) e.error = error_;
  return e;
}

uint8_t Endpoint::highest_write_epoch() const {
  if (write_application_.ready()) return static_cast<uint8_t>(write_application_.epoch());
  if (hs_ && hs_->write_handshake.ready()) return 2;
  return 0;
}

Status Endpoint::seal_record(ByteWriter& w, uint8_t epoch, uint8_t type, Bytes content, RecordNumber& rn) {
  // Epochs 0 and 2 only while the handshake state is held; without it, a
  // failure's plaintext alert before any handshake message (no heap) is record 0.
  uint64_t no_handshake_state = 0;
  uint64_t& seq = epoch >= 3 ? write_seq_
                  : hs_ == nullptr ? no_handshake_state
                  : epoch == 2 ? hs_->write_seq_handshake : hs_->write_seq_plain;
  rn = RecordNumber{epoch, seq};
  if (epoch == 0) {
    write_plain_record(w, static_cast<ContentType>(type), kVersionDtls12, seq++, content);
    ENSURE(!w.failed(), kNoRoom);
    return ok_status();
  }
  ENSURE(epoch != 2 || hs_, kNoEpoch);
  RecordProtection& p = epoch == 2 ? hs_->write_handshake : write_application_;
  ENSURE(p.ready() && p.epoch() == epoch, kNoEpoch);
  return p.seal(w, seq++, type, content);
}

// One datagram of the flight: a record per fragment, packed up to the MTU.
std::size_t Endpoint::write_flight_datagram(MutableBytes out) {
  ByteWriter w(out.first(out.size() < mtu_ ? out.size() : mtu_));
  uint8_t content[kMaxDatagram];
  Flight& flight = this->flight();  // only while sending_flight()
  Flight::Piece piece;
  while (flight.sending()) {
    const std::size_t overhead = kHandshakeHeaderSize + kPlainOverhead + kProtectedOverhead;  // either kind fits
    const std::size_t room = w.available() > overhead ? w.available() - overhead : 0;
    if (!flight.next_piece(room, w.size() == 0, piece)) break;
    const Flight::Message& m = flight.message(piece.index);
    ByteWriter cw(MutableBytes(content, sizeof content));
    write_handshake_header(cw, m.type, m.length, m.msg_seq, piece.offset, piece.length);
    cw.write_bytes(flight.body(piece.index).subspan(piece.offset, piece.length));
    RecordNumber rn;
    Status s = seal_record(w, m.epoch, static_cast<uint8_t>(ContentType::handshake), cw.written(), rn);
    if (!s.ok()) {
      fail(s.error(), AlertDescription::internal_error);
      return 0;
    }
    flight.record_sent(piece, rn);
  }
  return w.size();
}

// RFC 9147 §7: the record numbers of the peer's handshake records we hold.
std::size_t Endpoint::write_ack(MutableBytes out) {
  uint8_t body[2 + HandshakeState::kMaxReceivedRecords * kRecordNumberSize];
  ByteWriter bw(MutableBytes(body, sizeof body));
  v13::write_ack(bw, std::span<const RecordNumber>(received().data(), received_count_));
  ByteWriter w(out);
  RecordNumber rn;
  const uint8_t epoch = highest_write_epoch();
  if (epoch == 0 || bw.failed()) return 0;
  if (!seal_record(w, epoch, kContentTypeAck, bw.written(), rn).ok()) return 0;
  return w.size();
}

std::size_t Endpoint::write_alert(MutableBytes out) {
  const uint8_t alert[2] = {alert_level_, alert_desc_};
  ByteWriter w(out);
  RecordNumber rn;
  if (!seal_record(w, highest_write_epoch(), static_cast<uint8_t>(ContentType::alert), Bytes(alert, 2), rn).ok())
    return 0;
  return w.size();
}

void Endpoint::handle_timeout(Timestamp now) {
  clamp_time(now_, now);
  release_handshake();
  if (state_ == State::failed || state_ == State::closed) return;
  if (hs_ != nullptr && !hs_->ack_deadline.is_never() && now_ >= hs_->ack_deadline) {
    hs_->ack_deadline = Timestamp::never();
    if (state_ != State::established && received_count_ > 0) ack_due_ = true;  // RFC 9147 §7.1
  }
  if (now_ < timer_.deadline) return;
  const bool waiting = state_ != State::established;
  if (!flight_acknowledged()) {
    // RFC 9147 §5.8.1: resend what the peer has not acknowledged. A client
    // whose last flight was never ACKed still has its keys: it stops
    // resending rather than end an association that may well be working.
    if (!timer_.backoff(now_)) {
      if (state_ == State::established) return timer_.stop();
      return fail(kTimeout, AlertDescription::handshake_failure);
    }
    ++stats_.retransmissions;
    flight().begin_transmission();
  } else if (waiting && received_count_ > 0) {
    // RFC 9147 §7.1: a partly received flight is acknowledged, so the peer
    // resends only the rest.
    if (!timer_.backoff(now_)) return fail(kTimeout, AlertDescription::handshake_failure);
    ack_due_ = true;
  } else if (waiting) {
    if (!timer_.backoff(now_)) return fail(kTimeout, AlertDescription::handshake_failure);
  } else {
    timer_.stop();
  }
}

Output Endpoint::poll_output(Timestamp now, MutableBytes scratch) {
  clamp_time(now_, now);
  maybe_start();
  Output out;
  std::size_t n = 0;
  if (alert_due_) {
    alert_due_ = false;
    n = write_alert(scratch);
  }
  if (n == 0 && sending_flight()) n = write_flight_datagram(scratch);
  if (n == 0 && ack_due_) {
    ack_due_ = false;
    n = write_ack(scratch);
    if (n > 0) release_after_repeated_flight();
  }
  if (n > 0) {
    out.kind = Output::Kind::transmit;
    out.transmit = Bytes(scratch.data(), n);
    return out;
  }
  if (!events_.empty()) {
    out.kind = Output::Kind::event;
    out.event = pop_event();
    return out;
  }
  out.kind = Output::Kind::timeout;
  const Timestamp ack_deadline = hs_ != nullptr ? hs_->ack_deadline : Timestamp::never();
  out.deadline = ack_deadline < timer_.deadline ? ack_deadline : timer_.deadline;
  return out;
}

}  // namespace keyway::dtls::v13
