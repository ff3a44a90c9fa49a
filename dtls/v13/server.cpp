// SPDX-License-Identifier: Apache-2.0
// DTLS 1.3 server flights (RFC 8446 §4.1-§4.4, RFC 9147 §5): ClientHello in;
// ServerHello, EncryptedExtensions, CertificateRequest, Certificate,
// CertificateVerify, Finished out; the client's Certificate,
// CertificateVerify and Finished in; an ACK out.
#include "keyway/dtls/v13/endpoint.hpp"

namespace keyway::dtls::v13 {

namespace {
constexpr Error kUnexpected = make_error(Layer::dtls, Code::unexpected_message, "dtls13 server: message not expected in this state");
constexpr Error kNoDtls13 = make_error(Layer::dtls, Code::protocol_version, "dtls13 server: the ClientHello does not offer DTLS 1.3 (dtls::Endpoint speaks 1.2)");
constexpr Error kNoSuite = make_error(Layer::dtls, Code::handshake_failure, "dtls13 server: no DTLS 1.3 cipher suite in common");
constexpr Error kNoShare = make_error(Layer::dtls, Code::handshake_failure, "dtls13 server: no x25519 or secp256r1 key share (HelloRetryRequest not supported yet)");
constexpr Error kNoEcdsa = make_error(Layer::dtls, Code::handshake_failure, "dtls13 server: the client does not accept ecdsa_secp256r1_sha256 signatures");
constexpr Error kFlight = make_error(Layer::dtls, Code::capacity, "dtls13 server: flight does not fit its buffer");

constexpr uint16_t kSchemes[] = {0x0403, 0x0503, 0x0804, 0x0805};  // what CertificateRequest accepts
}  // namespace

Status Endpoint::server_on_message(MessageType type, Bytes body) {
  switch (state_) {
    case State::server_wait_client_hello:
      ENSURE(type == MessageType::client_hello, kUnexpected);
      return server_on_client_hello(body);
    case State::server_wait_certificate:
      ENSURE(type == MessageType::certificate, kUnexpected);
      TRY(on_certificate(body));
      state_ = State::server_wait_certificate_verify;
      return ok_status();
    case State::server_wait_certificate_verify:
      ENSURE(type == MessageType::certificate_verify, kUnexpected);
      TRY(on_certificate_verify(body, Signer::client));
      state_ = State::server_wait_finished;
      return ok_status();
    case State::server_wait_finished:
      ENSURE(type == MessageType::finished, kUnexpected);
      TRY(on_finished(body, hs_->client_handshake_secret));
      // RFC 9147 §7: nothing answers the client's last flight but an ACK.
      flight_.clear();
      timer_.stop();
      ack_due_ = true;
      complete();
      return ok_status();
    case State::established:
      ENSURE(type == MessageType::key_update, kUnexpected);
      return on_key_update(body);
    default:
      return kUnexpected;
  }
}

// RFC 8446 §4.1.1: version, suite, group and share, then the whole flight.
Status Endpoint::server_on_client_hello(Bytes body) {
  auto ch = parse_client_hello(body);
  if (!ch.ok()) return ch.error();
  ENSURE(ch->has_versions && ch->versions.dtls13, kNoDtls13);
  for (const Suite& s : kSuites) {
    if (ch->cipher_suites.contains(s.id)) {
      suite_ = &s;
      break;
    }
  }
  ENSURE(suite_ != nullptr, kNoSuite);
  KeyShareEntry share;
  ENSURE(ch->has_key_share && select_key_share(ch->key_shares, share), kNoShare);
  ENSURE(ch->ext.has_signature_algorithms &&
             ch->ext.signature_algorithms.contains(static_cast<uint16_t>(Identity::scheme())),
         kNoEcdsa);
  // RFC 5764 §4.1.1: our first profile the client offers.
  if (ch->ext.has_srtp) {
    for (std::size_t i = 0; i < hs_->config.srtp_profiles.count && srtp_profile_ == 0; ++i)
      if (ch->ext.srtp_profiles.contains(hs_->config.srtp_profiles.items[i])) srtp_profile_ = hs_->config.srtp_profiles.items[i];
  }
  hs_->transcript.add(static_cast<uint8_t>(MessageType::client_hello), body);
  next_send_seq_ = 0;
  return server_send_flight(*ch, share);
}

Status Endpoint::server_send_flight(const ClientHello& ch, const KeyShareEntry& client_share) {
  flight_.clear();
  TRY(hs_->ecdh.generate(client_share.group, *hs_->config.rng));
  uint8_t shared[crypto::kMaxSharedSecretSize];
  auto n = hs_->ecdh.compute_shared(client_share.key_exchange, shared, *hs_->config.rng);
  if (!n.ok()) return n.error();
  {
    uint8_t random[kRandomSize];
    hs_->config.rng->fill(random);
    ByteWriter w(flight_.body_space());
    write_server_hello(w, Bytes(random, sizeof random), ch.session_id, suite_->id,
                       KeyShareEntry{client_share.group, hs_->ecdh.public_key()});
    ENSURE(!w.failed(), kFlight);
    TRY(send_message(MessageType::server_hello, 0, w.size()));
  }
  Status s = enter_handshake_keys(Bytes(shared, *n));
  crypto::secure_zero(shared, sizeof shared);
  TRY(s);
  {
    ByteWriter w(flight_.body_space());
    write_encrypted_extensions(w, srtp_profile_);
    ENSURE(!w.failed(), kFlight);
    TRY(send_message(MessageType::encrypted_extensions, 2, w.size()));
  }
  {
    ByteWriter w(flight_.body_space());  // WebRTC authenticates both ends
    write_certificate_request(w, kSchemes);
    ENSURE(!w.failed(), kFlight);
    TRY(send_message(MessageType::certificate_request, 2, w.size()));
  }
  TRY(write_certificate_and_verify(Signer::server, Bytes()));
  TRY(write_finished(hs_->server_handshake_secret));
  TRY(enter_application_keys());
  state_ = State::server_wait_certificate;
  start_flight();
  return ok_status();
}

}  // namespace keyway::dtls::v13
