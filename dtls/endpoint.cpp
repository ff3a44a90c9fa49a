// Endpoint: record input, outputs, events, timers (RFC 6347 §4.1, §4.2.4).
// The handshake logic lives in client.cpp, server.cpp, handshake_common.cpp.
#include "dtls/endpoint.hpp"

#include <cstring>

#include "dtls/handshake_header.hpp"

namespace keyway::dtls {

namespace {
constexpr Error kTimeout = make_error(Layer::dtls, Code::timeout, "dtls: handshake timed out after the retransmission limit");
constexpr Error kPeerAlert = make_error(Layer::dtls, Code::handshake_failure, "dtls: peer sent a fatal alert");
constexpr Error kNotEstablished = make_error(Layer::dtls, Code::bad_state, "dtls: handshake not complete");
constexpr Error kNotAccepted = make_error(Layer::dtls, Code::bad_state, "dtls: peer certificate not accepted yet (set a fingerprint or accept it)");
constexpr Error kQueueFull = make_error(Layer::dtls, Code::capacity, "dtls: outgoing queue is full");
constexpr Error kTooLong = make_error(Layer::dtls, Code::invalid_argument, "dtls: application data longer than the MTU allows");
constexpr Error kAlertDecode = make_error(Layer::dtls, Code::decode_error, "dtls alert: record is not a 2-byte alert");
constexpr Error kEpoch1NotFinished = make_error(Layer::dtls, Code::unexpected_message, "dtls: a handshake message other than Finished under the new keys");
constexpr Error kEventsFull = make_error(Layer::dtls, Code::capacity, "dtls: event queue overflow (poll_output not called)");

// The alert that matches a handshake error (RFC 5246 §7.2.2).
AlertDescription alert_for(Code code) {
  switch (code) {
    case Code::malformed:
    case Code::truncated:
    case Code::decode_error: return AlertDescription::decode_error;
    case Code::auth_failed: return AlertDescription::decrypt_error;
    case Code::unexpected_message: return AlertDescription::unexpected_message;
    case Code::bad_certificate: return AlertDescription::bad_certificate;
    case Code::illegal_parameter:
    case Code::crypto_failure: return AlertDescription::illegal_parameter;
    case Code::handshake_failure:
    case Code::unsupported: return AlertDescription::handshake_failure;
    default: return AlertDescription::internal_error;
  }
}

constexpr uint16_t kDefaultSuites[] = {0xC02B, 0xC02C, 0xCCA9, 0xC02F, 0xC030, 0xCCA8};
constexpr uint16_t kDefaultGroups[] = {29, 23, 24};
}  // namespace

Endpoint::Endpoint(const Config& config)
    : config_(config),
      state_(config.role == Role::client ? HandshakeState::client_start : HandshakeState::server_wait_client_hello) {
  if (config_.cipher_suites.count == 0)
    for (uint16_t s : kDefaultSuites) config_.cipher_suites.push(s);
  if (config_.groups.count == 0)
    for (uint16_t g : kDefaultGroups) config_.groups.push(g);
  if (config_.mtu < 128) config_.mtu = 128;
  if (config_.mtu > 1500) config_.mtu = 1500;
  timer_.initial = config_.initial_timeout;
  timer_.maximum = config_.max_timeout;
  timer_.max_retransmits = config_.max_retransmits;
  if (config_.role == Role::server && config_.rng) cookies_.init(*config_.rng);
  reassembler_.reset(0);
}

void Endpoint::set_remote_fingerprint(const Fingerprint& fp) {
  expected_fp_ = fp;
  has_expected_fp_ = true;
}

void Endpoint::accept_peer_certificate() {
  if (peer_cert_len_ > 0) cert_accepted_ = true;
}

void Endpoint::set_rtt_estimate(Duration rtt) {
  Duration t = rtt * 2;
  if (t < Duration::millis(50)) t = Duration::millis(50);
  if (t > Duration::seconds(3)) t = Duration::seconds(3);
  timer_.initial = t;
}

// ---- input -----------------------------------------------------------------

Verdict Endpoint::handle_datagram(Timestamp now, Bytes datagram) {
  if (now > now_) now_ = now;  // time never goes backwards
  if (event_count_ == 0) event_buf_used_ = 0;
  if (state_ == HandshakeState::failed || state_ == HandshakeState::closed) return Verdict::discard;
  maybe_start();
  ByteReader r(datagram);
  bool any = false;
  while (!r.at_end() && state_ != HandshakeState::failed) {
    auto rec = read_record(r);
    if (!rec.ok()) {  // the rest of the datagram cannot be framed
      ++stats_.records_malformed;
      break;
    }
    ++stats_.records_received;
    if (rec->epoch > 1 || (rec->epoch == 1 && !read_[1].cipher.ready())) {
      ++stats_.records_unknown_epoch;
      continue;
    }
    ReadEpoch& re = read_[rec->epoch];
    if (re.window.should_discard(rec->seq)) {  // before authentication
      ++stats_.records_replayed;
      continue;
    }
    Bytes payload = rec->fragment;
    if (rec->epoch == 1) {
      auto n = re.cipher.open(*rec, record_buf_);
      if (!n.ok()) {
        ++stats_.records_auth_failed;
        continue;
      }
      payload = Bytes(record_buf_, *n);
    }
    re.window.mark(rec->seq);  // only after authentication
    rx_record_seq_ = rec->seq;
    any = true;
    process_record(*rec, payload);
  }
  if (state_ == HandshakeState::failed) return Verdict::fatal;
  return any ? Verdict::accept : Verdict::discard;
}

void Endpoint::process_record(const Record& rec, Bytes payload) {
  switch (static_cast<ContentType>(rec.type)) {
    case ContentType::handshake:
      process_handshake_record(rec.epoch, payload);
      return;
    case ContentType::alert:
      // Plaintext alerts are ignored once the peer switched to epoch 1 (or
      // proved it did, with its Finished): they could be forged.
      if (rec.epoch == 0 && (peer_ccs_ || state_ == HandshakeState::established)) return;
      process_alert(payload);
      return;
    case ContentType::change_cipher_spec:
      process_ccs(rec.epoch, payload);
      return;
    case ContentType::application_data:
      if (rec.epoch == 1) process_app_data(payload);
      return;
  }
}

void Endpoint::process_handshake_record(uint16_t epoch, Bytes payload) {
  ByteReader r(payload);
  bool retransmit = false;
  while (!r.at_end() && state_ != HandshakeState::failed) {
    auto f = read_handshake_fragment(r);
    if (!f.ok()) {  // RFC 6347 §4.1.2.7: invalid records are discarded silently
      ++stats_.fragments_ignored;
      return;
    }
    Status s = process_fragment(epoch, *f, retransmit);
    if (!s.ok()) return;  // fail() already called
  }
  if (retransmit) on_peer_retransmission();
}

Status Endpoint::process_fragment(uint16_t epoch, const HandshakeFragment& f, bool& retransmit_ours) {
  // Finished travels in epoch 1, everything else in epoch 0 (no renegotiation).
  bool finished = f.type == static_cast<uint8_t>(HandshakeType::finished);
  if (epoch == 1 && !finished && state_ == HandshakeState::established) {
    // A new handshake under the session's keys: renegotiation is refused (RFC 5746 §4.5).
    if (f.frag_offset == 0) queue_alert(AlertLevel::warning, AlertDescription::no_renegotiation);
    return ok_status();
  }
  // RFC 5246 §7.4.1.1: a client ignores HelloRequest while negotiating (and
  // we never renegotiate); it takes no message_seq and stays out of the transcript.
  if (config_.role == Role::client && f.type == static_cast<uint8_t>(HandshakeType::hello_request)) {
    ++stats_.fragments_ignored;
    return ok_status();
  }
  // Authenticated by the new keys, yet not the Finished that must come first
  // under them (RFC 5246 §7.4.9): the peer broke the protocol.
  if (epoch == 1 && !finished) {
    fail(kEpoch1NotFinished, AlertDescription::unexpected_message);
    return kEpoch1NotFinished;
  }
  if (finished != (epoch == 1)) {  // unauthenticated and out of place: drop, never fail on it
    ++stats_.fragments_ignored;
    return ok_status();
  }
  // A listening server follows whatever message_seq a new ClientHello carries.
  if (state_ == HandshakeState::server_wait_client_hello && f.type == 1 && f.msg_seq != reassembler_.next_seq())
    reassembler_.reset(f.msg_seq);
  auto added = reassembler_.add(f);
  if (!added.ok()) {  // inconsistent or oversized: unauthenticated, so dropped and counted
    ++stats_.fragments_ignored;
    return ok_status();
  }
  if (*added == Reassembler::Added::ignored) ++stats_.fragments_ignored;
  if (*added == Reassembler::Added::old && f.frag_offset == 0 && f.msg_seq == retransmit_trigger_seq_)
    retransmit_ours = true;
  while (reassembler_.ready() && state_ != HandshakeState::failed) {
    auto type = static_cast<HandshakeType>(reassembler_.ready_type());
    Bytes body = reassembler_.ready_body();
    uint16_t seq = reassembler_.next_seq();
    if (peer_flight_boundary_) {
      peer_flight_first_seq_ = seq;
      peer_flight_boundary_ = false;
    }
    // The transcript holds the message as if unfragmented (RFC 6347 §4.2.6).
    ByteWriter hw(rx_header_);
    write_handshake_header(hw, static_cast<uint8_t>(type), static_cast<uint32_t>(body.size()), seq, 0,
                           static_cast<uint32_t>(body.size()));
    // The slot's bytes stay intact until the next add(): advance first so a
    // handler may reset the reassembler.
    reassembler_.advance();
    Status s = config_.role == Role::client ? client_on_message(type, body) : server_on_message(type, body, seq);
    if (!s.ok()) {
      if (state_ != HandshakeState::failed) fail(s.error(), alert_for(s.error().code));
      return s;
    }
  }
  return ok_status();
}

void Endpoint::process_alert(Bytes payload) {
  ByteReader r(payload);
  uint8_t level = 0, desc = 0;
  if (!r.read_u8(level) || !r.read_u8(desc) || !r.at_end()) {
    fail(kAlertDecode, AlertDescription::decode_error);
    return;
  }
  Event e;
  e.type = EventType::alert_received;
  e.alert_level = static_cast<AlertLevel>(level);
  e.alert = static_cast<AlertDescription>(desc);
  push_event(e);
  if (desc == static_cast<uint8_t>(AlertDescription::close_notify)) {
    state_ = HandshakeState::closed;
    timer_.stop();
    Event c;
    c.type = EventType::closed;
    push_event(c);
    return;
  }
  if (level == static_cast<uint8_t>(AlertLevel::fatal)) {
    state_ = HandshakeState::failed;
    timer_.stop();
    Event f;
    f.type = EventType::failure;
    f.error = kPeerAlert;
    f.alert = e.alert;
    push_event(f);
  }
}

void Endpoint::process_ccs(uint16_t epoch, Bytes payload) {
  // RFC 5246 §7.1: a single byte of value 1, sent in the old epoch.
  if (epoch != 0 || payload.size() != 1 || payload[0] != 1) return;
  if (read_[1].cipher.ready()) peer_ccs_ = true;
}

void Endpoint::process_app_data(Bytes payload) {
  // Application data before our handshake completed cannot be trusted yet.
  if (state_ != HandshakeState::established) return;
  if (event_buf_used_ + payload.size() > sizeof event_buf_) return;  // dropped: caller not polling
  std::memcpy(event_buf_ + event_buf_used_, payload.data(), payload.size());
  Event e;
  e.type = EventType::application_data;
  e.data = Bytes(event_buf_ + event_buf_used_, payload.size());
  event_buf_used_ += payload.size();
  push_event(e);
}

// ---- failure, events, queued records --------------------------------------

void Endpoint::fail(const Error& e, AlertDescription alert) {
  if (state_ == HandshakeState::failed) return;
  tracef(config_.trace, Layer::dtls, "failing: %s", e.detail);
  queue_alert(AlertLevel::fatal, alert);
  state_ = HandshakeState::failed;
  timer_.stop();
  flight_.clear();
  Event ev;
  ev.type = EventType::failure;
  ev.error = e;
  ev.alert = alert;
  push_event(ev);
}

void Endpoint::push_event(const Event& e) {
  if (event_count_ == kMaxEvents) {
    // Keep the newest failure visible: overwrite the last slot.
    Event& last = events_[(event_head_ + kMaxEvents - 1) % kMaxEvents];
    last = Event{};
    last.type = EventType::failure;
    last.error = kEventsFull;
    return;
  }
  events_[(event_head_ + event_count_) % kMaxEvents] = e;
  ++event_count_;
}

void Endpoint::queue_alert(AlertLevel level, AlertDescription desc) {
  uint8_t body[2] = {static_cast<uint8_t>(level), static_cast<uint8_t>(desc)};
  if (!queue_record(ContentType::alert, body, 0, false).ok()) return;
  Event e;
  e.type = EventType::alert_sent;
  e.alert_level = level;
  e.alert = desc;
  push_event(e);
}

Status Endpoint::queue_record(ContentType type, Bytes payload, uint64_t forced_seq, bool use_forced_seq) {
  if (queue_count_ == 0) { queue_used_ = 0; queue_head_ = 0; }
  std::size_t need = payload.size() + kMaxRecordOverhead;
  ENSURE(queue_count_ < kMaxQueued && queue_used_ + need <= kQueueBytes, kQueueFull);
  ByteWriter w(MutableBytes(queue_buf_ + queue_used_, need));
  WriteEpoch& we = write_[write_epoch_];
  uint64_t seq = use_forced_seq ? forced_seq : we.next_seq++;
  if (use_forced_seq && we.next_seq <= forced_seq) we.next_seq = forced_seq + 1;
  if (write_epoch_ == 0) write_plain_record(w, type, kVersionDtls12, seq, payload);
  else we.cipher.seal(w, type, write_epoch_, seq, payload);
  ENSURE(!w.failed(), kQueueFull);
  std::size_t slot = (queue_head_ + queue_count_) % kMaxQueued;
  queue_off_[slot] = queue_used_;
  queue_len_[slot] = w.size();
  queue_used_ += w.size();
  ++queue_count_;
  return ok_status();
}

Status Endpoint::send_application_data(Bytes data) {
  ENSURE(state_ == HandshakeState::established, kNotEstablished);
  ENSURE(data.size() + kMaxRecordOverhead <= config_.mtu, kTooLong);
  return queue_record(ContentType::application_data, data, 0, false);
}

void Endpoint::close() {
  if (state_ == HandshakeState::closed || state_ == HandshakeState::failed) return;
  queue_alert(AlertLevel::warning, AlertDescription::close_notify);
  state_ = HandshakeState::closed;
  timer_.stop();
}

Status Endpoint::export_keying_material(const char* label, MutableBytes out) const {
  ENSURE(state_ == HandshakeState::established, kNotEstablished);
  ENSURE(cert_accepted_, kNotAccepted);
  dtls::export_keying_material(suite_->prf_hash, master_.view(), label, client_random_, server_random_, out);
  return ok_status();
}

// ---- timers and output -----------------------------------------------------

void Endpoint::maybe_start() {
  if (state_ != HandshakeState::client_start) return;
  Status s = client_send_hello(Bytes{});
  if (!s.ok()) fail(s.error(), AlertDescription::internal_error);
}

void Endpoint::start_flight(Timestamp now, bool expects_reply) {
  flight_.rewind();
  flight_expects_reply_ = expects_reply;
  retransmit_trigger_seq_ = peer_flight_first_seq_;
  peer_flight_boundary_ = true;
  if (expects_reply) timer_.arm_new_flight(now);
  else timer_.stop();
}

void Endpoint::on_peer_retransmission() {
  // RFC 6347 §4.2.4: the peer repeated its previous flight, so ours was lost.
  if (flight_.empty() || flight_.sending()) return;
  if (state_ == HandshakeState::failed || state_ == HandshakeState::closed) return;
  ++stats_.retransmissions;
  tracef(config_.trace, Layer::dtls, "peer repeated its flight: retransmitting ours (RFC 6347 §4.2.4)");
  flight_.rewind();
}

void Endpoint::handle_timeout(Timestamp now) {
  if (now > now_) now_ = now;
  maybe_start();
  if (timer_.deadline.is_never() || now_ < timer_.deadline) return;
  if (!timer_.backoff(now_)) {
    timeout_reason_ = "dtls handshake retransmission limit reached";
    fail(kTimeout, AlertDescription::handshake_failure);
    return;
  }
  timeout_reason_ = "dtls flight retransmission";
  ++stats_.retransmissions;
  tracef(config_.trace, Layer::dtls, "timer expired: retransmitting the flight, next timeout in %lld ms",
         static_cast<long long>((timer_.deadline - now_).as_millis()));
  flight_.rewind();
}

Output Endpoint::poll_output(Timestamp now, MutableBytes scratch) {
  if (now > now_) now_ = now;
  maybe_start();
  Output out;
  if (queue_count_ > 0) {
    std::size_t len = queue_len_[queue_head_];
    if (len <= scratch.size()) {
      std::memcpy(scratch.data(), queue_buf_ + queue_off_[queue_head_], len);
      out.kind = Output::Kind::transmit;
      out.transmit = Bytes(scratch.data(), len);
    }
    queue_head_ = (queue_head_ + 1) % kMaxQueued;
    --queue_count_;
    if (out.kind == Output::Kind::transmit) return out;
  }
  if (flight_.sending() && state_ != HandshakeState::failed) {
    auto n = flight_.next_datagram(scratch, config_.mtu, write_);
    if (!n.ok()) {
      fail(n.error(), AlertDescription::internal_error);
    } else if (*n > 0) {
      out.kind = Output::Kind::transmit;
      out.transmit = Bytes(scratch.data(), *n);
      return out;
    }
  }
  if (event_count_ > 0) {
    out.kind = Output::Kind::event;
    out.event = events_[event_head_];
    event_head_ = (event_head_ + 1) % kMaxEvents;
    --event_count_;
    return out;
  }
  out.kind = Output::Kind::timeout;
  out.deadline = timer_.deadline;
  return out;
}

}  // namespace keyway::dtls
