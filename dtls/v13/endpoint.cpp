// SPDX-License-Identifier: Apache-2.0
// DTLS 1.3 endpoint: records in (RFC 9147 §4), ACKs (§7), alerts,
// application data, and handshake fragments into the reassembler (§5.5).
#include "keyway/dtls/v13/endpoint.hpp"

#include <cstring>
#include <new>

#include "keyway/dtls/v13/handshake_table.hpp"

namespace keyway::dtls::v13 {

namespace {
constexpr Error kNoMemory = make_error(Layer::dtls, Code::capacity, "dtls13: out of memory for the handshake state");
constexpr Error kNoKeyUpdateMemory = make_error(Layer::dtls, Code::capacity, "dtls13: out of memory for a KeyUpdate's messages");
constexpr Error kNoIdentity = make_error(Layer::dtls, Code::invalid_argument, "dtls13: Config needs an identity and an rng");
constexpr Error kPeerAlert = make_error(Layer::dtls, Code::handshake_failure, "dtls13: the peer sent a fatal alert");
constexpr Error kNotAccepted = make_error(Layer::dtls, Code::bad_state, "dtls13: the peer certificate has not been accepted");
constexpr Error kNotHeld = make_error(Layer::dtls, Code::invalid_argument, "dtls13: that is not the certificate the handshake holds");
constexpr Error kNotEstablished = make_error(Layer::dtls, Code::bad_state, "dtls13: handshake not complete");
constexpr Error kInnerType = make_error(Layer::dtls, Code::unexpected_message, "dtls13: protected record of an unknown content type");
constexpr Error kWrongEpoch = make_error(Layer::dtls, Code::unexpected_message, "dtls13: handshake message under the wrong keys (RFC 9147 §6.1)");
constexpr Error kNotNext = make_error(Layer::dtls, Code::unexpected_message, "dtls13: message not expected in this state (dtls/v13/handshake_table.hpp)");
}  // namespace

const char* to_string(State s) {
  switch (s) {
    case State::client_start: return "client_start";
    case State::client_wait_server_hello: return "client_wait_server_hello";
    case State::client_wait_encrypted_extensions: return "client_wait_encrypted_extensions";
    case State::client_wait_certificate_request: return "client_wait_certificate_request";
    case State::client_wait_certificate: return "client_wait_certificate";
    case State::client_wait_certificate_verify: return "client_wait_certificate_verify";
    case State::client_wait_finished: return "client_wait_finished";
    case State::server_wait_client_hello: return "server_wait_client_hello";
    case State::server_wait_certificate: return "server_wait_certificate";
    case State::server_wait_certificate_verify: return "server_wait_certificate_verify";
    case State::server_wait_finished: return "server_wait_finished";
    case State::established: return "established";
    case State::closed: return "closed";
    case State::failed: return "failed";
  }
  return "?";
}

Endpoint::Endpoint(const Config& config)
    : mtu_(static_cast<uint16_t>(config.mtu < 1500 ? config.mtu : 1500)),
      state_(config.role == Role::client ? State::client_start : State::server_wait_client_hello),
      role_(config.role) {
  timer_.initial = config.initial_timeout;
  timer_.maximum = config.max_timeout;
  timer_.max_retransmits = config.max_retransmits;
  hs_ = new (std::nothrow) HandshakeState(config);
  if (hs_ == nullptr || !hs_->allocate_flight_buffer()) {
    use_established_storage();
    fail(kNoMemory, AlertDescription::internal_error);
    return;
  }
  flight().init(MutableBytes(hs_->flight_buffer, hs_->flight_buffer_size), hs_->flight_log);
  std::size_t max_message = config.max_handshake_message;
  if (Reassembler::footprint(max_message) > HandshakeState::kMaxReassemblyPool)
    max_message = HandshakeState::kMaxReassemblyPool * 8 / 9;
  reassembler().init_growing({}, HandshakeState::kMaxReassemblyPool, max_message, HandshakeState::grow_reassembly_pool, hs_);
  if (config.identity == nullptr || config.rng == nullptr) fail(kNoIdentity, AlertDescription::internal_error);
}

Endpoint::~Endpoint() {
  delete hs_;
  delete key_update_;
  delete hold_;
  delete[] kept_key_log_;
}

// ---- memory (handshake_state.hpp) ----

// After the handshake: the newest record numbers of the peer's flight stay
// for ACKs, and where the peer's messages are (its next message_seq); a
// KeyUpdate's messages get their storage when one starts.
void Endpoint::use_established_storage() {
  const std::size_t keep = received_count_ < kEstablishedReceived ? received_count_ : kEstablishedReceived;
  const std::span<RecordNumber> list = received();
  for (std::size_t i = 0; i < keep; ++i) established_received_[i] = list[received_count_ - keep + i];  // the newest
  received_count_ = static_cast<uint16_t>(keep);
  if (hs_ != nullptr) next_receive_seq_ = hs_->reliability.reassembler.next_seq();
}

Reliability* Endpoint::reliability() const {
  if (hs_ != nullptr) return &hs_->reliability;
  return key_update_ != nullptr ? &key_update_->reliability : nullptr;
}

uint16_t Endpoint::next_receive_seq() const {
  const Reliability* r = reliability();
  return r != nullptr ? r->reassembler.next_seq() : next_receive_seq_;
}

// RFC 9147 §8: a KeyUpdate each way needs a one-byte message out and in, and
// the records of its transmission. False when the heap is exhausted.
bool Endpoint::take_key_update_storage() {
  if (reliability() != nullptr) return true;
  key_update_ = new (std::nothrow) KeyUpdateStorage;
  if (key_update_ == nullptr) return false;
  Reliability& r = key_update_->reliability;
  r.flight.init(MutableBytes(key_update_->flight, sizeof key_update_->flight), key_update_->log);
  r.reassembler.init(MutableBytes(key_update_->pool, sizeof key_update_->pool), sizeof key_update_->pool * 8 / 9);
  r.reassembler.reset(next_receive_seq_);
  return true;
}

// Once our KeyUpdate was ACKed and no message of the peer's waits in
// reassembly; a repeat of one already taken needs none (an old message_seq).
void Endpoint::release_key_update_storage() {
  if (key_update_ == nullptr || key_update_pending_) return;
  const Reliability& r = key_update_->reliability;
  if (!r.flight.all_acked() || r.reassembler.holds_messages()) return;
  next_receive_seq_ = r.reassembler.next_seq();
  delete key_update_;
  key_update_ = nullptr;
}

// Called on entry to handle_*: what events point into (the peer
// certificate) stays valid until then.
void Endpoint::release_handshake() {
  release_key_update_storage();
  if (hold_ != nullptr && now_ >= hold_->until) {  // the hold is over: a repeated client flight is no longer answered
    // Once: the slot is epoch 6's after three KeyUpdates (RFC 9147 §4.2.2).
    if (read_handshake().protection().ready() && read_handshake().protection().epoch() == 2) read_handshake().reset();
    delete hold_;  // the secret is wiped
    hold_ = nullptr;
  }
  if (hs_ == nullptr || !events_.empty() || alert_due_) return;
  const bool over = state_ == State::failed || state_ == State::closed;
  // RFC 9147 §5.8.3: the client keeps its last flight until the server's
  // ACK (or until it gave up resending it).
  const bool done = state_ == State::established && cert_accepted_ &&
                    (flight().all_acked() || timer_.deadline.is_never());
  if (!over && !done) return;
  if (role_ == Role::server && state_ == State::established &&
      (hold_ = new (std::nothrow) HandshakeHold) != nullptr) {
    // RFC 9147 §7: our ACK of the client's last flight may be lost; a
    // repeated client Finished is then opened (keyed from the client
    // handshake secret on first use) and ACKed again.
    hold_->until = now_ + hs_->config.final_flight_hold;
    hold_->client_handshake_secret = hs_->client_handshake_secret;
    read_handshake().protection().defer(suite()->aead, suite()->hash, 2, &hold_->client_handshake_secret);
  } else {
    read_handshake().reset();
  }
  if (state_ == State::established) release_record_aeads();
  use_established_storage();
  if (hs_->config.keep_key_log && state_ == State::established && kept_key_log_ == nullptr) {
    kept_key_log_ = new (std::nothrow) SecretBytes[4]{hs_->client_handshake_secret, hs_->server_handshake_secret,
                                                       hs_->client_application_secret, hs_->server_application_secret};
  }
  delete hs_;
  hs_ = nullptr;
}

// Issue 18, as 1.2 does (dtls::Endpoint::release_handshake_memory): a
// DTLS-SRTP association carries few records after its handshake, so the
// application epoch's AEADs go; its traffic secrets stay (KeyUpdate needs
// them anyway) and the next record each way keys them again, once.
void Endpoint::release_record_aeads() {
  write_application_.defer(suite()->aead, suite()->hash, write_application_.epoch(), &write_traffic_secret_);
  read_epochs_[read_application_epoch_ & 3].protection().defer(suite()->aead, suite()->hash, read_application_epoch_,
                                                               &read_traffic_secret_);
}

// Server, after the release: our ACK of the client's last flight was lost,
// and the repeated flight keyed the epoch-2 read and epoch-3 write AEADs
// again. Once it is ACKed they go again (the client may repeat it a few
// times more, each keying them once; RFC 9147 §7).
void Endpoint::release_after_repeated_flight() {
  RecordProtection& hold = read_handshake().protection();
  if (hs_ != nullptr || hold_ == nullptr || !hold.keyed() || hold.epoch() != 2) return;
  hold.defer(suite()->aead, suite()->hash, 2, &hold_->client_handshake_secret);
  release_record_aeads();
}

int Endpoint::record_aeads_held() const {
  int n = write_application_.keyed() ? 1 : 0;
  for (const ReceiveEpoch& e : read_epochs_) n += e.protection().keyed() ? 1 : 0;
  return n;
}

void Endpoint::hold_handed_over(MutableBytes datagram) {
  if (hs_ == nullptr) {  // failed already (no memory for the handshake state)
    crypto::wipe_and_free(datagram.data(), datagram.size());
    return;
  }
  crypto::wipe_and_free(hs_->handed_over.data(), hs_->handed_over.size());
  hs_->handed_over = datagram;
}

void Endpoint::read_handed_over(Timestamp now) {
  if (hs_ == nullptr || hs_->handed_over.empty()) return;
  const MutableBytes d = hs_->handed_over;
  hs_->handed_over = {};
  (void)handle_datagram(now, d);
  crypto::wipe_and_free(d.data(), d.size());
}

Bytes Endpoint::peer_certificate() const { return hs_ ? Bytes(hs_->peer_cert, hs_->peer_cert_len) : Bytes{}; }

std::size_t Endpoint::heap_bytes() const {
  return (hs_ ? hs_->heap_bytes() : 0) + (key_update_ ? sizeof(KeyUpdateStorage) : 0) +
         (hold_ ? sizeof(HandshakeHold) : 0);
}

void Endpoint::set_remote_fingerprint(const Fingerprint& fp) {
  if (!hs_) return;  // too late: the certificate was already checked
  hs_->expected_fp = fp;
  hs_->has_expected_fp = true;
}

Status Endpoint::accept_peer_certificate(Bytes der) {
  ENSURE(hs_ && hs_->peer_cert_len > 0 && der.size() == hs_->peer_cert_len &&
             std::memcmp(der.data(), hs_->peer_cert, der.size()) == 0,
         kNotHeld);
  cert_accepted_ = true;
  return ok_status();
}

void Endpoint::set_rtt_estimate(Duration rtt) {
  Duration t = rtt * 2;
  if (t < Duration::millis(50)) t = Duration::millis(50);
  if (t > Duration::seconds(3)) t = Duration::seconds(3);
  timer_.initial = t;
}

Status Endpoint::export_keying_material(const char* label, MutableBytes out) const {
  ENSURE(state_ == State::established, kNotEstablished);
  ENSURE(cert_accepted_, kNotAccepted);
  return v13::export_keying_material(suite()->hash, LabelPrefix::dtls13, exporter_secret_.view(), label, Bytes{}, out);
}

Result<Bytes> Endpoint::send_application_data(Bytes data, MutableBytes out) {
  ENSURE(state_ == State::established, kNotEstablished);
  ENSURE(cert_accepted_, kNotAccepted);
  ByteWriter w(out);
  RecordNumber rn;
  const auto epoch = static_cast<uint8_t>(write_application_.epoch());
  TRY(seal_record(w, epoch, static_cast<uint8_t>(ContentType::application_data), data, rn));
  return w.written();
}

void Endpoint::close() {
  if (state_ == State::failed || state_ == State::closed) return;
  alert_due_ = true;
  alert_level_ = static_cast<uint8_t>(AlertLevel::warning);
  alert_desc_ = static_cast<uint8_t>(AlertDescription::close_notify);
  state_ = State::closed;
  timer_.stop();
}

// ---- records in ----

Verdict Endpoint::handle_datagram(Timestamp now, MutableBytes datagram) {
  clamp_time(now_, now);
  release_handshake();
  drop_stale_app_data(datagram);
  if (state_ == State::failed || state_ == State::closed) return Verdict::discarded;
  ByteReader r(datagram);
  bool used = false;
  while (!r.at_end() && state_ != State::failed) {
    if (is_ciphertext_record(r.rest()[0])) {
      auto rec = read_ciphertext_record(r);
      if (!rec.ok()) {
        ++stats_.records_malformed;
        break;  // the rest of the datagram cannot be framed
      }
      used |= process_ciphertext(*rec);
    } else {
      auto rec = read_record(r);
      if (!rec.ok()) {
        ++stats_.records_malformed;
        break;
      }
      used |= process_plaintext(*rec);
    }
  }
  if (state_ == State::failed) return Verdict::fatal;
  return used ? Verdict::accepted : Verdict::discarded;
}

bool Endpoint::process_plaintext(const Record& rec) {
  // RFC 9147 §4: only epoch 0 (the hellos, and alerts before any key) is plaintext.
  if (rec.epoch != 0) {
    ++stats_.records_unknown_epoch;
    return false;
  }
  ++stats_.records_received;
  if (rec.type == static_cast<uint8_t>(ContentType::handshake)) return process_handshake(RecordNumber{0, rec.seq}, rec.fragment);
  // A plaintext alert is the peer's only voice before any key (a server
  // refusing a ClientHello, RFC 8446 §6); once keys exist anyone could have
  // written it, and an unauthenticated packet never ends a call. (Asked of
  // the state, not of the epoch-2 read keys: those are released after the
  // handshake, dtls/v13/handshake_state.hpp.)
  if (rec.type == static_cast<uint8_t>(ContentType::alert) && before_handshake_keys()) return process_alert(rec.fragment);
  ++stats_.records_malformed;
  return false;
}

// The states before the handshake keys exist: the hellos (and a
// HelloRetryRequest) are all that has passed.
bool Endpoint::before_handshake_keys() const {
  return state_ == State::client_start || state_ == State::client_wait_server_hello ||
         state_ == State::server_wait_client_hello;
}

bool Endpoint::process_ciphertext(const CiphertextRecord& rec) {
  // RFC 9147 §4.2.2: the two epoch bits name epoch 2 or 3 (no KeyUpdate yet).
  // RFC 9147 §4.2.2: the two epoch bits name the slot (epochs 2, 3, then KeyUpdate's).
  ReceiveEpoch* epoch = &read_epochs_[rec.header.epoch_bits & 3];
  if (!epoch->protection().ready()) {
    ++stats_.records_unknown_epoch;
    return false;
  }
  // The caller's datagram is writable (handle_datagram takes MutableBytes): decrypt in place.
  MutableBytes in_place(const_cast<uint8_t*>(rec.encrypted.data()), rec.encrypted.size());
  auto opened = epoch->open(rec, in_place);
  if (!opened.ok()) {
    Code c = opened.error().code;
    if (c == Code::replayed || c == Code::too_old) ++stats_.records_replayed;
    else if (c == Code::auth_failed) {
      ++stats_.records_auth_failed;
      // Under the handshake keys: they may come from a damaged hello (peer_flight.cpp).
      if (hs_ != nullptr && epoch->protection().epoch() == 2) hs_->handshake_keys_failed = true;
    }
    else ++stats_.records_malformed;
    return false;
  }
  ++stats_.records_received;
  // Something opened under the handshake keys: the hello we answered was the
  // peer's, so the client's key pair (kept to take a damaged ServerHello
  // again, peer_flight.cpp) goes now.
  if (hs_ != nullptr && epoch->protection().epoch() == 2) hs_->drop_key_pair();
  const RecordNumber rn{epoch->protection().epoch(), opened->seq};
  const Bytes content = opened->inner.content;
  switch (opened->inner.type) {
    case static_cast<uint8_t>(ContentType::handshake): return process_handshake(rn, content);
    case kContentTypeAck: return process_ack(content);
    case static_cast<uint8_t>(ContentType::alert): return process_alert(content);
    case static_cast<uint8_t>(ContentType::application_data): return process_app_data(rn.epoch, content);
    default:
      fail(kInnerType, AlertDescription::unexpected_message);  // authenticated: RFC 8446 §5 makes it fatal
      return true;
  }
}

// RFC 9147 §5.5: fragments go to the reassembler; complete messages in order.
bool Endpoint::process_handshake(const RecordNumber& rn, Bytes payload) {
  ByteReader r(payload);
  bool used = false;
  bool dropped = false;  // a fragment of this record was not buffered
  while (!r.at_end()) {
    auto f = read_handshake_fragment(r);
    if (!f.ok()) {
      ++stats_.records_malformed;
      break;
    }
    // The hellos are the only plaintext messages: message_seq 0, and 1
    // after a HelloRetryRequest (RFC 9147 §5.2); all later ones come under
    // handshake or application keys.
    const bool hello = f->msg_seq <= (retried_ ? 1 : 0);
    if (hello != (rn.epoch == 0)) {
      ++stats_.fragments_ignored;
      continue;
    }
    // An authenticated peer sent a message under keys it does not travel
    // under (KeyUpdate under the handshake keys, the client's Certificate
    // under the application keys): a protocol violation, not damage.
    const EpochClass want = epoch_class(static_cast<MessageType>(f->type));
    if (rn.epoch != 0 && want != EpochClass::none && want != epoch_class_of_record(rn.epoch)) {
      fail(kWrongEpoch, AlertDescription::unexpected_message);
      return true;
    }
    // After the handshake a message not taken yet (a KeyUpdate) needs the
    // KeyUpdate storage; a repeat of one taken does not (an old message_seq).
    const bool old = static_cast<uint16_t>(f->msg_seq - next_receive_seq()) >= 0x8000;
    if (!old && !take_key_update_storage()) {
      fail(kNoKeyUpdateMemory, AlertDescription::internal_error);
      return true;
    }
    if (const Skip skip = skip_session_ticket(*f); skip != Skip::no) {
      if (skip == Skip::later) {
        ++stats_.fragments_ignored;
        dropped = true;
      } else {
        used = true;
      }
      continue;
    }
    if (!hello) end_hello_copy();  // something opened: no hello copy is put together (peer_flight.cpp)
    auto added = reliability() != nullptr ? reassembler().add(*f) : Result<Reassembler::Added>(Reassembler::Added::old);
    if (!added.ok()) {
      fail(added.error(), AlertDescription::unexpected_message);
      return true;
    }
    if (*added == Reassembler::Added::ignored) {
      ++stats_.fragments_ignored;
      dropped = true;
      continue;
    }
    used = true;
    // RFC 9147 §7.1: a flight still incomplete a quarter of our timeout
    // after its first record is ACKed, so the peer resends only the rest.
    // (Repeats do not start it: a spoofed plaintext copy of an old message
    // must not draw ACKs faster than the retransmission timer does.)
    const bool repeat = *added == Reassembler::Added::old;
    // Another copy of the peer's hello while our handshake keys open nothing:
    // one of the copies was damaged in a way that still parsed (peer_flight.cpp).
    // (Or a fragment of such a copy: it is put together first.)
    if (hello && ((repeat && retake_hello(*f)) || collect_hello_copy(*f, repeat))) {
      used = true;
      deliver_messages();
      if (state_ == State::failed) return true;
      continue;
    }
    if (!repeat && state_ != State::established && hs_ != nullptr && hs_->ack_deadline.is_never())
      hs_->ack_deadline = now_ + timer_.current / 4;
    // A repeated HelloRetryRequest answers a ClientHello1 the server saw
    // again, not a lost ClientHello2: our timer covers that one.
    const bool repeated_retry = role_ == Role::client && retried_ && f->msg_seq == 0;
    if (repeat && !repeated_retry) on_peer_repeat();
    // RFC 9147 §7.2: the client's flight acknowledges the server's implicitly.
    // (A repeated ClientHello2 after a HelloRetryRequest is a hello, not that flight.)
    if (role_ == Role::server && !hello && state_ != State::established) {
      flight().acknowledge_all();
      // Our flight is not sent again: its epoch-2 AEAD goes before the
      // client's signature is checked (what we send now is epoch 3).
      if (hs_ && hs_->write_handshake.keyed())
        hs_->write_handshake.defer(suite()->aead, suite()->hash, 2, &hs_->server_handshake_secret);
    }
    // One record may carry a whole flight (BoringSSL packs EncryptedExtensions
    // .. Finished in one): what is complete is taken now, so the reassembler
    // has room for the rest of the record.
    deliver_messages();
    if (state_ == State::failed) return true;
  }
  // RFC 9147 §7: a record is acknowledged only when every handshake fragment
  // in it was processed or buffered; otherwise the peer must send it again.
  if (used && !dropped) note_received(rn);
  if (used) deliver_messages();
  return used;
}

// RFC 8446 §4.6.1: a server may send NewSessionTicket once the handshake is
// done (wolfSSL does). keyway resumes nothing, so the client never stores
// it: its fragments are taken as processed, so their records are ACKed
// (RFC 9147 §5.8.4, §7), and its last fragment moves the expected
// message_seq past it. One ahead of a missing message waits for its
// retransmission (not ACKed), so that the missing one is not skipped.
Endpoint::Skip Endpoint::skip_session_ticket(const HandshakeFragment& f) {
  if (role_ != Role::client || state_ != State::established ||
      f.type != static_cast<uint8_t>(MessageType::new_session_ticket))
    return Skip::no;
  const uint16_t ahead = static_cast<uint16_t>(f.msg_seq - next_receive_seq());
  if (ahead != 0 && ahead < 0x8000) return Skip::later;
  if (ahead == 0 && f.frag_offset + f.body.size() == f.length) reassembler().advance();
  ack_due_ = true;  // a repeat (ahead >= 0x8000): our ACK was lost
  return Skip::now;
}

void Endpoint::deliver_messages() {
  while (state_ != State::failed && reliability() != nullptr && reassembler().ready()) {
    const auto type = static_cast<MessageType>(reassembler().ready_type());
    const Bytes body = reassembler().ready_body();
    const uint16_t seq = reassembler().next_seq();
    // A hello is unauthenticated: what it changes is kept to go back to,
    // should it prove to be a damaged copy (peer_flight.cpp).
    const bool hello = before_handshake_keys();
    HelloStart start;
    if (hello) save_hello_start(start);
    Status s = kNotNext;  // the order of dtls/v13/handshake_table.hpp first
    if (may_come_next(state_, type))
      s = role_ == Role::client ? client_on_message(type, body) : server_on_message(type, body);
    reassembler().advance();
    if (hello && s.ok()) note_hello_accepted(body);
    if (!s.ok() && hello && discard_damaged_hello(s.error(), body, start, seq)) continue;
    if (!s.ok()) {
      const Code c = s.error().code;
      AlertDescription a = AlertDescription::internal_error;
      if (c == Code::decode_error || c == Code::malformed || c == Code::truncated) a = AlertDescription::decode_error;
      else if (c == Code::illegal_parameter) a = AlertDescription::illegal_parameter;
      else if (c == Code::unexpected_message) a = AlertDescription::unexpected_message;
      else if (c == Code::bad_certificate) a = AlertDescription::bad_certificate;
      else if (c == Code::auth_failed) a = AlertDescription::decrypt_error;
      else if (c == Code::handshake_failure || c == Code::unsupported) a = AlertDescription::handshake_failure;
      else if (c == Code::protocol_version) a = AlertDescription::protocol_version;
      fail(s.error(), a);
    }
  }
}

// Record numbers of the peer's handshake records, for our ACKs (RFC 9147 §7).
void Endpoint::note_received(const RecordNumber& rn) {
  const std::span<RecordNumber> list = received();
  for (std::size_t i = 0; i < received_count_; ++i)
    if (list[i] == rn) return;
  if (received_count_ == list.size()) {  // the oldest goes
    std::memmove(list.data(), list.data() + 1, sizeof list[0] * (list.size() - 1));
    --received_count_;
  }
  std::size_t at = received_count_++;
  while (at > 0 && list[at - 1] > rn) {  // kept in increasing order (RFC 9147 §7)
    list[at] = list[at - 1];
    --at;
  }
  list[at] = rn;
}

// A message we already processed came again: the peer did not get our
// answer. The server answers a repeated final client flight with its ACK;
// otherwise our unacknowledged flight goes again, at most once per timeout.
void Endpoint::on_peer_repeat() {
  if (state_ == State::established) ack_due_ = true;  // our ACK (of a flight, a KeyUpdate) was lost
  if (state_ == State::established && role_ == Role::server) return;
  if (!flight_acknowledged() && timer_.allow_early_resend(now_)) {
    ++stats_.retransmissions;
    flight().begin_transmission();
  }
}

bool Endpoint::process_ack(Bytes body) {
  RecordNumber numbers[64];
  auto n = read_ack(body, numbers);
  if (!n.ok()) {
    ++stats_.records_malformed;
    return false;
  }
  // After the handshake, between KeyUpdates, nothing of ours is in flight.
  if (reliability() == nullptr) return true;
  Flight& flight = this->flight();
  bool fresh = false;
  for (std::size_t i = 0; i < *n; ++i) fresh |= flight.acknowledge(numbers[i]);
  if (flight.empty()) return true;
  if (flight.all_acked()) {
    if (state_ == State::established) on_flight_acknowledged();
  } else if (fresh && !flight.sending() && timer_.allow_early_resend(now_)) {
    // RFC 9147 §7.1: the peer got part of our flight; what it did not get
    // goes again now, not when our timer fires.
    ++stats_.retransmissions;
    flight.begin_transmission();
  }
  return true;
}

bool Endpoint::process_alert(Bytes body) {
  if (body.size() != 2) {
    ++stats_.records_malformed;
    return false;
  }
  Event e;
  e.kind = EventKind::alert_received;
  e.alert_level = static_cast<AlertLevel>(body[0]);
  e.alert = static_cast<AlertDescription>(body[1]);
  push_event(e);
  if (e.alert == AlertDescription::close_notify) {
    state_ = State::closed;
    timer_.stop();
    Event c;
    c.kind = EventKind::closed;
    push_event(c);
    return true;
  }
  // RFC 8446 §6.2: every other alert ends the connection.
  state_ = State::failed;
  timer_.stop();
  error_ = kPeerAlert;
  Event f;
  f.kind = EventKind::failure;
  f.error = error_;
  f.alert = e.alert;
  push_event(f);
  return true;
}

bool Endpoint::process_app_data(uint64_t epoch, Bytes data) {
  if (epoch < 3 || state_ != State::established || !cert_accepted_) {
    ++stats_.app_data_unaccepted;  // nothing reaches the caller before the certificate is accepted
    return false;
  }
  Event e;
  e.kind = EventKind::application_data;
  e.data = data;
  push_event(e);
  return true;
}

}  // namespace keyway::dtls::v13
