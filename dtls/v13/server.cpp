// SPDX-License-Identifier: Apache-2.0
// DTLS 1.3 server flights (RFC 8446 §4.1-§4.4, RFC 9147 §5): ClientHello in;
// ServerHello, EncryptedExtensions, CertificateRequest, Certificate,
// CertificateVerify, Finished out; the client's Certificate,
// CertificateVerify and Finished in; an ACK out.
//
// HelloRetryRequest (RFC 8446 §4.1.4): a ClientHello with no x25519 or
// secp256r1 share but one of them in supported_groups gets an HRR naming
// it (message_seq 0, no timer: a repeated ClientHello1 draws it again);
// ClientHello2 (message_seq 1) must carry that share. Behind dtls::Listener
// the HRR was sent statelessly: the Endpoint starts at ClientHello2 and
// takes ClientHello1's hash from the cookie (accept_stateless_retry()).
#include <cstring>

#include "keyway/dtls/cookie.hpp"
#include "keyway/dtls/v13/endpoint.hpp"
#include "keyway/dtls/v13/retry.hpp"

namespace keyway::dtls::v13 {

namespace {
constexpr Error kUnexpected = make_error(Layer::dtls, Code::unexpected_message, "dtls13 server: message not expected in this state");
constexpr Error kNoDtls13 = make_error(Layer::dtls, Code::protocol_version, "dtls13 server: the ClientHello does not offer DTLS 1.3 (dtls::Endpoint speaks 1.2)");
constexpr Error kNoSuite = make_error(Layer::dtls, Code::handshake_failure, "dtls13 server: no DTLS 1.3 cipher suite in common");
constexpr Error kNoShare = make_error(Layer::dtls, Code::handshake_failure, "dtls13 server: no x25519 or secp256r1 key share, nor either in supported_groups");
constexpr Error kRetryShare = make_error(Layer::dtls, Code::illegal_parameter, "dtls13 server: ClientHello2 has no share of the group the HelloRetryRequest selected (RFC 8446 §4.2.8)");
constexpr Error kRetrySuite = make_error(Layer::dtls, Code::illegal_parameter, "dtls13 server: ClientHello2 no longer offers the HelloRetryRequest's suite (RFC 8446 §4.1.4)");
constexpr Error kCookie = make_error(Layer::dtls, Code::illegal_parameter, "dtls13 server: ClientHello2 without a valid stateless cookie (RFC 9147 §5.1)");
constexpr Error kNoStateless = make_error(Layer::dtls, Code::bad_state, "dtls13 server: no cookie key, or not waiting for a first ClientHello");
constexpr Error kNoSrtp = make_error(Layer::dtls, Code::handshake_failure, "dtls13 server: no common SRTP protection profile (use_srtp, RFC 5764 §4.1.1)");
constexpr Error kNoEcdsa = make_error(Layer::dtls, Code::handshake_failure, "dtls13 server: the client does not accept ecdsa_secp256r1_sha256 signatures");
constexpr Error kFlight = make_error(Layer::dtls, Code::capacity, "dtls13 server: flight does not fit its buffer");
constexpr Error kNoMemory = make_error(Layer::dtls, Code::capacity, "dtls13 server: out of memory for the key share");

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
      flight().clear();
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

// RFC 8446 §4.1.1: version, suite, group and share, then the whole flight
// (or a HelloRetryRequest when no share fits).
Status Endpoint::server_on_client_hello(Bytes body) {
  auto ch = parse_client_hello(body);
  if (!ch.ok()) return ch.error();
  ENSURE(ch->has_versions && ch->versions.dtls13, kNoDtls13);
  if (hs_->awaiting_cookie) TRY(server_resume_from_cookie(*ch));
  const Suite* chosen = choose_suite(*ch);
  ENSURE(chosen != nullptr, kNoSuite);
  ENSURE(!retried_ || chosen == suite(), kRetrySuite);  // ClientHello2 offers the same suites
  set_suite(chosen);
  ENSURE(ch->ext.has_signature_algorithms &&
             ch->ext.signature_algorithms.contains(static_cast<uint16_t>(Identity::scheme())),
         kNoEcdsa);
  KeyShareEntry share;
  const bool has_share = choose_share(*ch, hs_->config.groups, share);
  if (retried_) {
    ENSURE(has_share && (!hs_->has_retry_group || share.group == hs_->retry_group), kRetryShare);
  } else {
    next_send_seq_ = 0;
    if (!has_share) return server_send_retry(*ch, body);
  }
  // RFC 5764 §4.1.1: our first profile the client offers.
  if (ch->ext.has_srtp) {
    for (std::size_t i = 0; i < hs_->config.srtp_profiles.count && srtp_profile_ == 0; ++i)
      if (ch->ext.srtp_profiles.contains(hs_->config.srtp_profiles.items[i])) srtp_profile_ = hs_->config.srtp_profiles.items[i];
  }
  ENSURE(hs_->config.srtp_profiles.count == 0 || srtp_profile_ != 0, kNoSrtp);  // as the 1.2 server (dtls/server.cpp)
  hs_->transcript.add(static_cast<uint8_t>(MessageType::client_hello), body);
  std::memcpy(hs_->client_random, ch->random.data(), kRandomSize);  // parse_client_hello read 32 bytes
  hs_->has_client_random = true;
  return server_send_flight(*ch, share);
}

Bytes Endpoint::answered_client_random() const {
  if (hs_ == nullptr || !hs_->has_client_random) return {};
  return Bytes(hs_->client_random, kRandomSize);
}

// RFC 8446 §4.1.4: ask for a share of a group the client named. The
// transcript keeps only Hash(ClientHello1) (§4.4.1).
Status Endpoint::server_send_retry(const ClientHello& ch, Bytes body) {
  crypto::NamedGroup group;
  ENSURE(choose_retry_group(ch, hs_->config.groups, group), kNoShare);
  hs_->transcript.add(static_cast<uint8_t>(MessageType::client_hello), body);
  hs_->transcript.replace_with_message_hash(suite()->hash);
  flight().clear();
  RetryRequest hrr;
  hrr.session_id = ch.session_id;
  hrr.cipher_suite = suite()->id;
  hrr.has_group = true;
  hrr.group = group;
  ByteWriter w(flight().body_space());
  write_hello_retry_request(w, hrr);
  ENSURE(!w.failed(), kFlight);
  TRY(send_message(MessageType::server_hello, 0, w.size()));
  retried_ = true;
  hs_->has_retry_group = true;
  hs_->retry_group = group;
  received_count_ = 0;
  hs_->ack_deadline = Timestamp::never();  // the request acknowledges ClientHello1 (RFC 9147 §7.2)
  flight().begin_transmission();  // no timer: the client retransmits ClientHello1 if this is lost
  return ok_status();
}

// dtls::Listener sent the HelloRetryRequest and kept nothing: this Endpoint
// starts at ClientHello2 (message_seq 1; RFC 9147 §5.1).
Status Endpoint::accept_stateless_retry() {
  ENSURE(state_ == State::server_wait_client_hello && !retried_ && hs_->config.retry_cookies != nullptr, kNoStateless);
  reassembler().reset(1);
  next_send_seq_ = 1;
  retried_ = true;
  hs_->awaiting_cookie = true;
  return ok_status();
}

// The transcript resumes from the cookie: message_hash(Hash(ClientHello1)),
// then the HelloRetryRequest the Listener sent, rebuilt byte for byte.
Status Endpoint::server_resume_from_cookie(const ClientHello& ch) {
  hs_->awaiting_cookie = false;
  RetryCookie c;
  ENSURE(ch.has_retry_cookie && open_retry_cookie(*hs_->config.retry_cookies, hs_->config.peer_address, ch.retry_cookie, c),
         kCookie);
  set_suite(find_suite(c.cipher_suite));  // open_retry_cookie checked it is one of ours
  hs_->has_retry_group = c.has_group;
  hs_->retry_group = c.group;
  hs_->transcript.restart_from_message_hash(Bytes(c.client_hello1_hash, c.hash_len));
  uint8_t hrr[2 + kRandomSize + 1 + kMaxSessionId + 3 + 2 + 6 + 6 + 6 + kMaxRetryCookie];
  ByteWriter w(hrr);
  write_hello_retry_request(w, stateless_retry_request(c, ch.session_id, ch.retry_cookie));
  ENSURE(!w.failed(), kCookie);
  hs_->transcript.add(static_cast<uint8_t>(MessageType::server_hello), w.written());
  return ok_status();
}

Status Endpoint::server_send_flight(const ClientHello& ch, const KeyShareEntry& client_share) {
  flight().clear();
  ENSURE(hs_->new_key_pair() != nullptr, kNoMemory);
  TRY(hs_->ecdh->generate(client_share.group, *hs_->config.rng));
  uint8_t shared[crypto::kMaxSharedSecretSize];
  auto n = hs_->ecdh->compute_shared(client_share.key_exchange, shared, *hs_->config.rng);
  if (!n.ok()) return n.error();
  {
    uint8_t random[kRandomSize];
    hs_->config.rng->fill(random);
    ByteWriter w(flight().body_space());
    write_server_hello(w, Bytes(random, sizeof random), ch.session_id, suite()->id,
                       KeyShareEntry{client_share.group, hs_->ecdh->public_key()});
    hs_->drop_key_pair();  // the ServerHello holds our share, the secret is computed
    ENSURE(!w.failed(), kFlight);
    TRY(send_message(MessageType::server_hello, 0, w.size()));
  }
  Status s = enter_handshake_keys(Bytes(shared, *n));
  crypto::secure_zero(shared, sizeof shared);
  TRY(s);
  {
    ByteWriter w(flight().body_space());
    write_encrypted_extensions(w, srtp_profile_);
    ENSURE(!w.failed(), kFlight);
    TRY(send_message(MessageType::encrypted_extensions, 2, w.size()));
  }
  {
    ByteWriter w(flight().body_space());  // WebRTC authenticates both ends
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
