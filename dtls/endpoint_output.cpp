// SPDX-License-Identifier: Apache-2.0
// Endpoint outputs (RFC 6347 §4.2.4): queued alerts, the HelloVerifyRequest,
// flights and the server's final flight, events, retransmission timers, and
// the release of the handshake's memory once it is over.
#include <cstring>

#include "keyway/dtls/endpoint.hpp"
#include "keyway/dtls/handshake_context.hpp"
#include "keyway/dtls/handshake_header.hpp"
#include "keyway/dtls/v13/endpoint.hpp"

namespace keyway::dtls {

namespace {
constexpr Error kTimeout = make_error(Layer::dtls, Code::timeout, "dtls: handshake timed out after the retransmission limit");
constexpr Error kNotEstablished = make_error(Layer::dtls, Code::bad_state, "dtls: handshake not complete");
constexpr Error kNotAccepted = make_error(Layer::dtls, Code::bad_state, "dtls: peer certificate not accepted yet (set a fingerprint or accept it)");
constexpr Error kExporterReleased = make_error(Layer::dtls, Code::bad_state, "dtls: the exporter secret was released (release_exporter)");
constexpr Error kTooLong = make_error(Layer::dtls, Code::invalid_argument, "dtls: application data longer than the MTU allows");
constexpr Error kOutSmall = make_error(Layer::dtls, Code::buffer_too_small, "dtls: output buffer cannot hold the record");
}  // namespace

// ---- failure, events, alerts -------------------------------------------------

void Endpoint::fail(const Error& e, AlertDescription alert) {
  if (state_ == HandshakeState::failed) return;
  tracef(trace_, Layer::dtls, "failing: %s", e.detail);
  queue_alert(AlertLevel::fatal, alert);
  state_ = HandshakeState::failed;
  if (hs_) {
    hs_->timer.stop();
    hs_->flight.clear();
  }
  error_ = e;
  push_event(EventKind::failure, 0, 0, AlertLevel::fatal, alert);
}

void Endpoint::push_event(EventKind kind, uint16_t offset, uint16_t len, AlertLevel level, AlertDescription alert) {
  if (!events_.push(PendingEvent{offset, len, kind, level, alert})) ++stats_.events_dropped;
}

// Removes the queued events of one kind (a certificate event whose
// certificate was replaced before the caller polled it).
void Endpoint::withdraw_events(EventKind kind) {
  events_.remove_if([kind](const PendingEvent& e) { return e.kind == kind; });
}

void Endpoint::queue_alert(AlertLevel level, AlertDescription desc) {
  if (alert_count_ == kMaxAlerts) {
    if (level != AlertLevel::fatal) return;  // a flood of warnings: the rest are dropped
    --alert_count_;                          // a fatal alert always goes out
  }
  alerts_[alert_count_++] = PendingAlert{static_cast<uint8_t>(level), static_cast<uint8_t>(desc),
                                         static_cast<uint8_t>(write_epoch_)};
  push_event(EventKind::alert_sent, 0, 0, level, desc);
}

// Application data events point into the datagram they came in; one still
// pending when the next datagram arrives (poll_output not called in
// between) may have been overwritten, so it is dropped and counted.
void Endpoint::drop_stale_app_data(MutableBytes datagram) {
  stats_.events_dropped += static_cast<uint32_t>(
      events_.remove_if([](const PendingEvent& e) { return e.kind == EventKind::application_data; }));
  event_base_ = datagram.data();
}

// Seals the oldest queued alert into out (in the epoch it was queued in).
std::size_t Endpoint::write_alert(MutableBytes out) {
  PendingAlert a = alerts_[0];
  for (std::size_t i = 1; i < alert_count_; ++i) alerts_[i - 1] = alerts_[i];
  --alert_count_;
  uint8_t body[2] = {a.level, a.desc};
  ByteWriter w(out.first(out.size() < mtu_ ? out.size() : mtu_));
  if (a.epoch == 0) write_plain_record(w, ContentType::alert, kVersionDtls12, write_.next_seq[0]++, body);
  else if (write_.cipher.ready()) write_.cipher.seal(w, ContentType::alert, 1, write_.next_seq[1]++, body);
  return w.failed() ? 0 : w.size();
}

// RFC 6347 §4.2.4 flight 6: ChangeCipherSpec (epoch 0) + Finished (epoch 1).
std::size_t Endpoint::write_final_flight(MutableBytes out) {
  final_.sending = false;
  ByteWriter w(out.first(out.size() < mtu_ ? out.size() : mtu_));
  uint8_t ccs[1] = {1};
  write_plain_record(w, ContentType::change_cipher_spec, kVersionDtls12, write_.next_seq[0]++, ccs);
  uint8_t msg[kHandshakeHeaderSize + kVerifyDataSize];
  ByteWriter m(msg);
  write_handshake_header(m, static_cast<uint8_t>(HandshakeType::finished), kVerifyDataSize, final_.msg_seq, 0,
                         kVerifyDataSize);
  m.write_bytes(final_.verify_data);
  write_.cipher.seal(w, ContentType::handshake, 1, write_.next_seq[1]++, m.written());
  return w.failed() ? 0 : w.size();
}

// ---- application data, close, exporter ------------------------------------

Result<Bytes> Endpoint::send_application_data(Bytes data, MutableBytes out) {
  if (v13::Endpoint* e = dtls13()) return e->send_application_data(data, out);
  ENSURE(state_ == HandshakeState::established, kNotEstablished);
  ENSURE(cert_accepted_, kNotAccepted);
  ENSURE(data.size() + kMaxRecordOverhead <= mtu_, kTooLong);
  ByteWriter w(out);
  write_.cipher.seal(w, ContentType::application_data, 1, write_.next_seq[1], data);
  ENSURE(!w.failed(), kOutSmall);
  ++write_.next_seq[1];
  return Bytes(out.data(), w.size());
}

void Endpoint::close() {
  if (v13::Endpoint* e = dtls13()) {
    e->close();
    sync_dtls13_state();
    return;
  }
  if (state_ == HandshakeState::closed || state_ == HandshakeState::failed) return;
  queue_alert(AlertLevel::warning, AlertDescription::close_notify);
  state_ = HandshakeState::closed;
  if (hs_) hs_->timer.stop();
}

Status Endpoint::export_keying_material(const char* label, MutableBytes out) const {
  if (v13::Endpoint* e = dtls13()) return e->export_keying_material(label, out);
  ENSURE(state_ == HandshakeState::established, kNotEstablished);
  ENSURE(cert_accepted_, kNotAccepted);
  ENSURE(secret_ != nullptr, kExporterReleased);
  dtls::export_keying_material(suite_->prf_hash, Bytes(secret_->master, kMasterSecretSize), label, secret_->client_random, secret_->server_random, out);
  return ok_status();
}

void Endpoint::release_exporter() {
  bool over = state_ == HandshakeState::established || state_ == HandshakeState::closed ||
              state_ == HandshakeState::failed;
  if (!over || secret_ == nullptr) return;
  crypto::secure_zero(secret_, sizeof *secret_);
  delete secret_;
  secret_ = nullptr;
}

// ---- memory ------------------------------------------------------------------

// Called on entry to handle_*: the data of events already polled is valid
// until then.
void Endpoint::release_handshake_memory() {
  bool over = state_ == HandshakeState::established || state_ == HandshakeState::failed ||
              state_ == HandshakeState::closed;
  if (!over) return;
  if (hs_) {
    delete hs_;  // the server's final flight lives on in final_
    hs_ = nullptr;
  }
  // Issue 13: a DTLS-SRTP association is quiet once SRTP has its keys: the
  // record AEADs are released once, after the server's final flight went
  // out; the first record that needs one keys it again, and it stays.
  if (state_ == HandshakeState::established && !record_aeads_released_ && !final_.sending) {
    record_aeads_released_ = true;
    read_cipher_.release_aead();
    write_.cipher.release_aead();
  }
  bool delivered = state_ != HandshakeState::established || (complete_polled_ && cert_accepted_);
  if (peer_cert_ && events_.empty() && delivered) {
    crypto::secure_zero(peer_cert_, peer_cert_len_);
    delete[] peer_cert_;
    peer_cert_ = nullptr;
    peer_cert_len_ = 0;
  }
}

const char* Endpoint::last_timeout_reason() const {
  if (hs_) return hs_->timeout_reason;
  if (state_ == HandshakeState::failed && error_.code == Code::timeout)
    return "dtls handshake retransmission limit reached";
  return "idle";
}

int Endpoint::record_aeads_held() const {
  if (const v13::Endpoint* e = dtls13()) return e->record_aeads_held();
  return (read_cipher_.holds_aead() ? 1 : 0) + (write_.cipher.holds_aead() ? 1 : 0);
}

std::size_t Endpoint::heap_bytes() const {
  const v13::Endpoint* e = dtls13_engine();
  const std::size_t dtls13_bytes = e ? sizeof(v13::Endpoint) + e->heap_bytes() : 0;
  return (hs_ ? sizeof(HandshakeContext) + hs_->pool_size + hs_->reassembly_size : 0) + peer_cert_len_ + dtls13_bytes +
         (secret_ ? kExporterSecretBytes : 0);
}

// ---- timers and output -----------------------------------------------------

void Endpoint::maybe_start() {
  if (state_ != HandshakeState::client_start || !hs_) return;
  Status s = client_send_hello(Bytes{});
  if (!s.ok()) fail(s.error(), AlertDescription::internal_error);
}

void Endpoint::start_flight(Timestamp now, bool expects_reply) {
  HandshakeContext& hs = *hs_;
  hs.flight.rewind();
  hs.retransmit_trigger_seq = hs.peer_flight_first_seq;
  hs.peer_flight_boundary = true;
  if (expects_reply) hs.timer.arm_new_flight(now);
  else hs.timer.stop();
}

void Endpoint::on_peer_retransmission() {
  // RFC 6347 §4.2.4: the peer repeated its previous flight, so ours was lost.
  if (!hs_ || hs_->flight.empty() || hs_->flight.sending()) return;
  if (state_ == HandshakeState::failed || state_ == HandshakeState::closed) return;
  if (!hs_->timer.allow_early_resend(now_)) return;
  ++stats_.retransmissions;
  tracef(trace_, Layer::dtls, "peer repeated its flight: retransmitting ours (RFC 6347 §4.2.4)");
  hs_->flight.rewind();
}

void Endpoint::handle_timeout(Timestamp now) {
  clamp_time(now_, now);
  if (v13::Endpoint* e = dtls13()) {
    e->handle_timeout(now_);
    sync_dtls13_state();
    return;
  }
  release_handshake_memory();
  maybe_start();
  if (!hs_) return;
  RetransmitTimer& timer = hs_->timer;
  if (timer.deadline.is_never() || now_ < timer.deadline) return;
  if (!timer.backoff(now_)) {
    hs_->timeout_reason = "dtls handshake retransmission limit reached";
    fail(kTimeout, AlertDescription::handshake_failure);
    return;
  }
  hs_->timeout_reason = "dtls flight retransmission";
  ++stats_.retransmissions;
  if (timer.retransmits >= kRetransmitsBeforeMtuStep) lower_mtu();
  tracef(trace_, Layer::dtls, "timer expired: retransmitting the flight, next timeout in %lld ms",
         static_cast<long long>((timer.deadline - now_).as_millis()));
  hs_->flight.rewind();
}

// RFC 6347 §4.1.1.1: repeated timeouts may mean datagrams of this size do
// not get through; the flight is cut again for a smaller PMTU, in steps
// (1000, then 576 minus IPv4 and UDP headers), never below that floor.
// The back-off is for a PMTU that is unknown: the largest datagram the peer
// got through to us in this handshake is a size the path carries (the other
// way), so it is tried before the floor. Story (issue 12): at 30% loss two
// chance losses cut a 557-byte flight 5 in two at 548 bytes, and both halves
// then had to arrive (keyway-bench call loss=0.3 p95 1,775 ms).
void Endpoint::lower_mtu() {
  uint16_t next = mtu_ > kMtuStep ? kMtuStep : mtu_ > kMtuFloor ? kMtuFloor : mtu_;
  const uint16_t carried = hs_ ? hs_->peer_datagram_max : 0;
  if (next < carried && carried < mtu_) next = carried;
  if (next >= mtu_) return;
  tracef(trace_, Layer::dtls, "repeated timeouts: lowering the MTU from %u to %u (RFC 6347 §4.1.1.1)",
         static_cast<unsigned>(mtu_), static_cast<unsigned>(next));
  mtu_ = next;
}

Output Endpoint::poll_output(Timestamp now, MutableBytes scratch) {
  clamp_time(now_, now);
  if (v13::Endpoint* e = dtls13()) {
    Output o = e->poll_output(now_, scratch);
    sync_dtls13_state();
    return o;
  }
  maybe_start();
  Output out;
  out.kind = Output::Kind::transmit;
  std::size_t n = write_hello_verify(scratch);
  while (n == 0 && alert_count_ > 0) n = write_alert(scratch);
  if (n == 0 && hs_ && hs_->flight.sending() && state_ != HandshakeState::failed) {
    auto sent = hs_->flight.next_datagram(scratch, mtu_, write_);
    if (!sent.ok()) fail(sent.error(), AlertDescription::internal_error);
    else n = *sent;
  }
  if (n == 0 && final_.sending && state_ == HandshakeState::established) n = write_final_flight(scratch);
  if (n > 0) {
    out.transmit = Bytes(scratch.data(), n);
    return out;
  }
  if (!events_.empty()) {
    const PendingEvent p = events_.pop();
    out.kind = Output::Kind::event;
    out.event.kind = p.kind;
    if (p.kind == EventKind::application_data) out.event.data = Bytes(event_base_ + p.offset, p.len);
    if (p.kind == EventKind::peer_certificate || p.kind == EventKind::handshake_complete)
      out.event.data = peer_certificate();
    out.event.alert_level = p.level;
    out.event.alert = p.alert;
    if (suite_) out.event.suite = suite_->suite;
    out.event.srtp_profile = srtp_profile_;
    out.event.extended_master_secret = ems_;
    if (p.kind == EventKind::failure) out.event.error = error_;
    if (p.kind == EventKind::handshake_complete) complete_polled_ = true;
    return out;
  }
  out.kind = Output::Kind::timeout;
  out.deadline = hs_ ? hs_->timer.deadline : Timestamp::never();
  return out;
}

}  // namespace keyway::dtls
