// SPDX-License-Identifier: Apache-2.0
// DTLS 1.3 handshake steps both roles take: the transcript, the key
// schedule's stages (RFC 8446 §7.1), Certificate / CertificateVerify /
// Finished (§4.4), and the peer certificate gate of the 1.2 endpoint.
#include <cstring>
#include <new>

#include "keyway/dtls/messages.hpp"
#include "keyway/dtls/v13/endpoint.hpp"
#include "keyway/lib/crypto/ct.hpp"

namespace keyway::dtls::v13 {

namespace {
constexpr Error kCertTooBig = make_error(Layer::dtls, Code::bad_certificate, "dtls13: peer certificate larger than kMaxCertificateSize");
constexpr Error kNoCertificate = make_error(Layer::dtls, Code::bad_certificate, "dtls13: the peer sent no certificate (WebRTC authenticates both ends)");
constexpr Error kFingerprint = make_error(Layer::dtls, Code::bad_certificate, "dtls13: peer certificate does not match the expected fingerprint");
constexpr Error kContext = make_error(Layer::dtls, Code::illegal_parameter, "dtls13 Certificate: certificate_request_context is not the one requested (RFC 8446 §4.4.2)");
constexpr Error kScheme = make_error(Layer::dtls, Code::illegal_parameter, "dtls13 CertificateVerify: scheme not offered or not allowed in 1.3 (RFC 8446 §4.4.3)");
constexpr Error kSignature = make_error(Layer::dtls, Code::auth_failed, "dtls13 CertificateVerify: signature does not verify");
constexpr Error kFinished = make_error(Layer::dtls, Code::auth_failed, "dtls13 Finished: verify_data does not match");
constexpr Error kSign = make_error(Layer::dtls, Code::internal, "dtls13: signing failed");
constexpr Error kFlight = make_error(Layer::dtls, Code::capacity, "dtls13: message does not fit the flight buffer");
constexpr Error kNoKeyUpdateMemory = make_error(Layer::dtls, Code::capacity, "dtls13: out of memory for a KeyUpdate's messages");
constexpr Error kNoMemory = make_error(Layer::dtls, Code::capacity, "dtls13: out of memory for the peer certificate");
constexpr Error kEpochs = make_error(Layer::dtls, Code::capacity, "dtls13 KeyUpdate: epoch 255 reached");
constexpr Error kPeerEpochs = make_error(Layer::dtls, Code::capacity, "dtls13 KeyUpdate: the peer's epoch reached 2^48 - 1");
constexpr Error kKeyUpdateBusy = make_error(Layer::dtls, Code::bad_state, "dtls13 KeyUpdate: not established, or a flight or KeyUpdate is still unacknowledged");

// The signature schemes keyway accepts in CertificateVerify.
// RFC 8446 §4.4.3: no PKCS#1 v1.5 here (1.3 signs with PSS or ECDSA).
bool signature_scheme_allowed(uint16_t scheme) {
  switch (static_cast<SignatureScheme>(scheme)) {
    case SignatureScheme::ecdsa_secp256r1_sha256:
    case SignatureScheme::ecdsa_secp384r1_sha384:
    case SignatureScheme::rsa_pss_rsae_sha256:
    case SignatureScheme::rsa_pss_rsae_sha384: return true;
    default: return false;
  }
}
}  // namespace

Status Endpoint::send_message(MessageType type, uint8_t epoch, std::size_t body_len) {
  TRY(flight().add(type, next_send_seq_++, epoch, body_len));
  hs_->transcript.add(static_cast<uint8_t>(type), flight().last_body());
  return ok_status();
}

void Endpoint::transcript_hash(uint8_t out[crypto::kMaxDigestSize]) const {
  hs_->transcript.hash(suite()->hash, MutableBytes(out, crypto::kMaxDigestSize));
}

// RFC 8446 §7.1: Handshake Secret, then the two handshake traffic secrets
// over ClientHello..ServerHello; epoch 2 (RFC 9147 §6.1).
Status Endpoint::enter_handshake_keys(Bytes ecdhe_shared) {
  hs_->schedule = KeySchedule(suite()->hash, LabelPrefix::dtls13);
  TRY(hs_->schedule.enter_handshake(ecdhe_shared));
  uint8_t th[crypto::kMaxDigestSize];
  transcript_hash(th);
  const Bytes hash(th, hash_size());
  hs_->client_handshake_secret.len = hs_->server_handshake_secret.len = static_cast<uint8_t>(hash_size());
  TRY(hs_->schedule.derive(TrafficSecret::client_handshake, hash, hs_->client_handshake_secret.mutable_view()));
  TRY(hs_->schedule.derive(TrafficSecret::server_handshake, hash, hs_->server_handshake_secret.mutable_view()));
  // Keyed by their first record (RecordProtection::defer): the client's
  // write keys only when its own flight goes, after the server's flight
  // (and its signature) was checked, so the two peaks do not add up.
  const bool client = role_ == Role::client;
  hs_->write_handshake.defer(suite()->aead, suite()->hash, 2,
                             client ? &hs_->client_handshake_secret : &hs_->server_handshake_secret);
  read_handshake().protection().defer(suite()->aead, suite()->hash, 2,
                                     client ? &hs_->server_handshake_secret : &hs_->client_handshake_secret);
  return ok_status();
}

// RFC 8446 §7.1: Master Secret, then the application traffic secrets and
// the exporter secret over ClientHello..server Finished; epoch 3.
Status Endpoint::enter_application_keys() {
  TRY(hs_->schedule.enter_master());
  uint8_t th[crypto::kMaxDigestSize];
  transcript_hash(th);
  const Bytes hash(th, hash_size());
  hs_->client_application_secret.len = hs_->server_application_secret.len = exporter_secret_.len =
      static_cast<uint8_t>(hash_size());
  TRY(hs_->schedule.derive(TrafficSecret::client_application, hash, hs_->client_application_secret.mutable_view()));
  TRY(hs_->schedule.derive(TrafficSecret::server_application, hash, hs_->server_application_secret.mutable_view()));
  TRY(hs_->schedule.derive(TrafficSecret::exporter_master, hash, exporter_secret_.mutable_view()));
  const bool client = role_ == Role::client;
  write_traffic_secret_ = client ? hs_->client_application_secret : hs_->server_application_secret;
  read_traffic_secret_ = client ? hs_->server_application_secret : hs_->client_application_secret;
  // Keyed by the first record each way (an ACK, application data, an alert):
  // the handshake's peak holds only the epoch-2 AEADs besides.
  write_application_.defer(suite()->aead, suite()->hash, 3, &write_traffic_secret_);
  read_epochs_[3].protection().defer(suite()->aead, suite()->hash, 3, &read_traffic_secret_);
  read_application_epoch_ = 3;
  return ok_status();
}

// ---- KeyUpdate (RFC 8446 §4.6.3, §7.2; RFC 9147 §8) ----

Status Endpoint::request_key_update(bool ask_peer) {
  ENSURE(state_ == State::established && flight_acknowledged() && !key_update_pending_, kKeyUpdateBusy);
  ENSURE(write_application_.epoch() < 0xFF, kEpochs);  // flights name their epoch in a byte
  ENSURE(take_key_update_storage(), kNoKeyUpdateMemory);
  flight().clear();
  MutableBytes space = flight().body_space();
  space[0] = ask_peer ? 1 : 0;
  TRY(flight().add(MessageType::key_update, next_send_seq_++, static_cast<uint8_t>(write_application_.epoch()), 1));
  key_update_pending_ = true;
  // Not start_flight(): what we received stays listed for the ACK that may
  // be due (a peer's KeyUpdate that asked for this one).
  flight().begin_transmission();
  timer_.arm_new_flight(now_);
  return ok_status();
}

// The peer ACKed our flight: after a KeyUpdate, our next epoch begins (RFC 9147 §8:
// not before the ACK, so the peer has the keys to read it).
void Endpoint::on_flight_acknowledged() {
  timer_.stop();
  if (!key_update_pending_) return;
  key_update_pending_ = false;
  SecretBytes next;
  next.len = write_traffic_secret_.len;
  const uint64_t epoch = write_application_.epoch() + 1;
  Status s = next_traffic_secret(suite()->hash, LabelPrefix::dtls13, write_traffic_secret_.view(), next.mutable_view());
  if (s.ok()) {
    write_traffic_secret_ = next;
    write_seq_ = 0;
    write_application_.defer(suite()->aead, suite()->hash, epoch, &write_traffic_secret_);  // keyed by its first record
  }
  if (!s.ok()) fail(s.error(), AlertDescription::internal_error);
}

// The peer's next epoch: new read keys (the old epoch's slot stays for
// records still on their way), an ACK, and our own update when asked.
Status Endpoint::on_key_update(Bytes body) {
  auto request = parse_key_update(body);
  if (!request.ok()) return request.error();
  ENSURE(read_application_epoch_ < RecordProtection::kMaxEpoch, kPeerEpochs);  // 2^48 epochs: never in practice
  // The old epoch's slot stays for records still on their way: keyed now,
  // before the secret it would be keyed from moves on.
  ReceiveEpoch& current = read_epochs_[read_application_epoch_ & 3];
  if (!current.protection().key_now().ok()) current.reset();
  SecretBytes next;
  next.len = read_traffic_secret_.len;
  TRY(next_traffic_secret(suite()->hash, LabelPrefix::dtls13, read_traffic_secret_.view(), next.mutable_view()));
  read_traffic_secret_ = next;
  ++read_application_epoch_;
  ReceiveEpoch& slot = read_epochs_[read_application_epoch_ & 3];
  slot.reset();
  slot.protection().defer(suite()->aead, suite()->hash, read_application_epoch_, &read_traffic_secret_);
  ack_due_ = true;
  if (*request == KeyUpdateRequest::update_requested && !key_update_pending_ && flight_acknowledged())
    TRY(request_key_update(false));
  return ok_status();
}

// Certificate (RFC 8446 §4.4.2) then CertificateVerify (§4.4.3), ECDSA P-256.
Status Endpoint::write_certificate_and_verify(Signer self, Bytes context) {
  {
    ByteWriter w(flight().body_space());
    write_certificate_message(w, context, hs_->config.identity->certificate_der());
    ENSURE(!w.failed(), kFlight);
    TRY(send_message(MessageType::certificate, 2, w.size()));
  }
  uint8_t th[crypto::kMaxDigestSize];
  transcript_hash(th);
  uint8_t content[kMaxSignedContent];
  const std::size_t len = certificate_verify_content(self, Bytes(th, hash_size()), content);
  uint8_t signature[kMaxEcdsaDerSignature];
  auto n = hs_->config.identity->sign(Bytes(content, len), signature, *hs_->config.rng);
  ENSURE(n.ok(), kSign);
  ByteWriter w(flight().body_space());
  write_certificate_verify(w, static_cast<uint16_t>(Identity::scheme()), Bytes(signature, *n));
  ENSURE(!w.failed(), kFlight);
  return send_message(MessageType::certificate_verify, 2, w.size());
}

// RFC 8446 §4.4.4: verify_data = HMAC(finished_key, Transcript-Hash(..CertificateVerify)).
Status Endpoint::write_finished(const SecretBytes& base_key) {
  uint8_t key[crypto::kMaxDigestSize], th[crypto::kMaxDigestSize];
  TRY(finished_key(suite()->hash, LabelPrefix::dtls13, base_key.view(), MutableBytes(key, hash_size())));
  transcript_hash(th);
  MutableBytes space = flight().body_space();
  ENSURE(space.size() >= hash_size(), kFlight);
  TRY(finished_verify_data(suite()->hash, Bytes(key, hash_size()), Bytes(th, hash_size()), space.first(hash_size())));
  crypto::secure_zero(key, sizeof key);
  return send_message(MessageType::finished, 2, hash_size());
}

Status Endpoint::on_certificate(Bytes body) {
  auto m = parse_certificate_message(body);
  if (!m.ok()) return m.error();
  // The server's Certificate carries an empty context; the client's echoes
  // the request's, and keyway's CertificateRequest has an empty one.
  ENSURE(m->context.empty(), kContext);
  // RFC 8446 §4.4.2.4: an empty Certificate ends the handshake with
  // certificate_required at a server that requires one (WebRTC: always),
  // with decode_error at a client.
  if (m->end_entity.empty()) {
    fail(kNoCertificate, role_ == Role::server ? AlertDescription::certificate_required : AlertDescription::decode_error);
    return kNoCertificate;
  }
  TRY(check_peer_certificate(m->end_entity));
  hs_->transcript.add(static_cast<uint8_t>(MessageType::certificate), body);
  return ok_status();
}

// Decided when the certificate arrives, before any key exists (RFC 8122 §5),
// exactly as dtls::Endpoint does for 1.2.
Status Endpoint::check_peer_certificate(Bytes der) {
  ENSURE(der.size() <= kMaxCertificateSize, kCertTooBig);
  auto view = parse_certificate(der);
  if (!view.ok()) return view.error();
  auto* copy = new (std::nothrow) uint8_t[der.size()];
  ENSURE(copy != nullptr, kNoMemory);
  std::memcpy(copy, der.data(), der.size());
  if (hs_->peer_cert != nullptr) {
    crypto::secure_zero(hs_->peer_cert, hs_->peer_cert_len);
    delete[] hs_->peer_cert;
  }
  hs_->peer_cert = copy;
  hs_->peer_cert_len = static_cast<uint16_t>(der.size());
  cert_accepted_ = false;
  if (hs_->has_expected_fp) {
    ENSURE(fingerprint_matches(hs_->expected_fp, der), kFingerprint);
    cert_accepted_ = true;
  }
  Event e;
  e.kind = EventKind::peer_certificate;
  e.data = peer_certificate();
  push_event(e);
  return ok_status();
}

Status Endpoint::on_certificate_verify(Bytes body, Signer peer) {
  auto cv = parse_certificate_verify(body);
  if (!cv.ok()) return cv.error();
  ENSURE(signature_scheme_allowed(cv->scheme), kScheme);
  uint8_t th[crypto::kMaxDigestSize];
  transcript_hash(th);  // ClientHello .. the peer's Certificate
  uint8_t content[kMaxSignedContent];
  const std::size_t len = certificate_verify_content(peer, Bytes(th, hash_size()), content);
  auto view = parse_certificate(peer_certificate());
  if (!view.ok()) return view.error();
  ENSURE(verify_signature(*view, static_cast<SignatureScheme>(cv->scheme), Bytes(content, len), cv->signature).ok(),
         kSignature);
  hs_->transcript.add(static_cast<uint8_t>(MessageType::certificate_verify), body);
  return ok_status();
}

Status Endpoint::on_finished(Bytes body, const SecretBytes& base_key) {
  uint8_t key[crypto::kMaxDigestSize], th[crypto::kMaxDigestSize], expected[crypto::kMaxDigestSize];
  TRY(finished_key(suite()->hash, LabelPrefix::dtls13, base_key.view(), MutableBytes(key, hash_size())));
  transcript_hash(th);
  TRY(finished_verify_data(suite()->hash, Bytes(key, hash_size()), Bytes(th, hash_size()),
                           MutableBytes(expected, hash_size())));
  crypto::secure_zero(key, sizeof key);
  ENSURE(crypto::verify_mac(Bytes(expected, hash_size()), body), kFinished);
  hs_->transcript.add(static_cast<uint8_t>(MessageType::finished), body);
  return ok_status();
}

void Endpoint::complete() {
  state_ = State::established;
  hs_->ack_deadline = Timestamp::never();
  Event e;
  e.kind = EventKind::handshake_complete;
  e.srtp_profile = srtp_profile_;
  e.data = peer_certificate();
  push_event(e);
}

}  // namespace keyway::dtls::v13
