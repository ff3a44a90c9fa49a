// SPDX-License-Identifier: Apache-2.0
// DTLS 1.3 client flights (RFC 8446 §4.1-§4.4, RFC 9147 §5):
// ClientHello; then ServerHello .. Finished; then Certificate,
// CertificateVerify, Finished.
//
// A HelloRetryRequest (RFC 8446 §4.1.4) is answered once: ClientHello2 is
// ClientHello1 (still the first message of the flight, whoever wrote it)
// with the share of the selected group and the server's cookie; a second
// HelloRetryRequest is fatal.
#include <cstring>
#include <iterator>

#include "keyway/dtls/v13/endpoint.hpp"

namespace keyway::dtls::v13 {

namespace {
constexpr Error kUnexpected = make_error(Layer::dtls, Code::unexpected_message, "dtls13 client: message not expected in this state");
constexpr Error kFlight = make_error(Layer::dtls, Code::capacity, "dtls13 client: ClientHello does not fit the flight buffer");
constexpr Error kSecondRetry = make_error(Layer::dtls, Code::unexpected_message, "dtls13 client: a second HelloRetryRequest (RFC 8446 §4.1.4)");
constexpr Error kRetryGroup = make_error(Layer::dtls, Code::illegal_parameter, "dtls13 client: HelloRetryRequest selects a group not offered, or the one we sent a share for (RFC 8446 §4.2.8)");
constexpr Error kRetryNoChange = make_error(Layer::dtls, Code::illegal_parameter, "dtls13 client: HelloRetryRequest would not change the ClientHello (RFC 8446 §4.1.4)");
constexpr Error kRetrySuite = make_error(Layer::dtls, Code::illegal_parameter, "dtls13 client: ServerHello suite differs from the HelloRetryRequest's (RFC 8446 §4.1.4)");
constexpr Error kNotDtls13 = make_error(Layer::dtls, Code::protocol_version, "dtls13 client: ServerHello does not select DTLS 1.3 (a 1.2 server: dtls::Endpoint speaks 1.2)");
constexpr Error kSuite = make_error(Layer::dtls, Code::illegal_parameter, "dtls13 client: ServerHello names a suite not offered");
constexpr Error kSessionId = make_error(Layer::dtls, Code::illegal_parameter, "dtls13 client: legacy_session_id_echo differs from ours (RFC 8446 §4.1.3)");
constexpr Error kNoShare = make_error(Layer::dtls, Code::illegal_parameter, "dtls13 client: ServerHello has no key_share of our group");
constexpr Error kNoSrtp = make_error(Layer::dtls, Code::handshake_failure, "dtls13 client: the server did not negotiate use_srtp (RFC 5764 §4.1.1)");
constexpr Error kSrtp = make_error(Layer::dtls, Code::illegal_parameter, "dtls13 client: use_srtp names a profile not offered (RFC 5764 §4.1.1)");
constexpr Error kNoEcdsa = make_error(Layer::dtls, Code::handshake_failure, "dtls13 client: CertificateRequest does not accept ecdsa_secp256r1_sha256");
constexpr Error kNoMemory = make_error(Layer::dtls, Code::capacity, "dtls13 client: out of memory for the key share");

constexpr uint16_t kSchemes[] = {0x0403, 0x0503, 0x0804, 0x0805};  // ecdsa p256/p384, rsa_pss_rsae sha256/384
constexpr uint16_t kGroups[] = {static_cast<uint16_t>(crypto::NamedGroup::x25519),
                                static_cast<uint16_t>(crypto::NamedGroup::secp256r1)};
}  // namespace

// RFC 8446 §4.1.2: one x25519 share (the browsers' first group too).
Status Endpoint::client_send_hello() {
  uint8_t random[kRandomSize];
  hs_->config.rng->fill(random);
  ENSURE(hs_->new_key_pair() != nullptr, kNoMemory);
  TRY(hs_->ecdh->generate(crypto::NamedGroup::x25519, *hs_->config.rng));
  uint16_t suites[std::size(kSuites)];
  for (std::size_t i = 0; i < std::size(kSuites); ++i) suites[i] = kSuites[i].id;
  const KeyShareEntry share{crypto::NamedGroup::x25519, hs_->ecdh->public_key()};
  ClientHelloOffer offer;
  offer.random = Bytes(random, sizeof random);
  offer.cipher_suites = suites;
  offer.versions = OfferedVersions{true, false};
  offer.key_shares = std::span<const KeyShareEntry>(&share, 1);
  offer.groups = kGroups;
  offer.signature_algorithms = kSchemes;
  offer.srtp_profiles = std::span<const uint16_t>(hs_->config.srtp_profiles.items, hs_->config.srtp_profiles.count);
  ByteWriter w(flight().body_space());
  write_client_hello(w, offer);
  ENSURE(!w.failed(), kFlight);
  TRY(send_message(MessageType::client_hello, 0, w.size()));
  state_ = State::client_wait_server_hello;
  start_flight();
  return ok_status();
}

Result<Bytes> Endpoint::prepare_client_key_share() {
  ENSURE(state_ == State::client_start, kUnexpected);
  if (hs_->ecdh == nullptr) {
    ENSURE(hs_->new_key_pair() != nullptr, kNoMemory);
    Status s = hs_->ecdh->generate(crypto::NamedGroup::x25519, *hs_->config.rng);
    if (!s.ok()) {
      hs_->drop_key_pair();
      return s.error();
    }
  }
  return hs_->ecdh->public_key();
}

Status Endpoint::adopt_client_hello(Timestamp now, Bytes body) {
  ENSURE(state_ == State::client_start && hs_->ecdh != nullptr && !hs_->ecdh->public_key().empty(), kUnexpected);
  clamp_time(now_, now);
  // Kept as our flight: a HelloRetryRequest is answered from it. The
  // dtls::Endpoint sent it; this engine does not (its transmission never starts).
  const MutableBytes space = flight().body_space();
  ENSURE(body.size() <= space.size(), kFlight);
  std::memcpy(space.data(), body.data(), body.size());
  TRY(flight().add(MessageType::client_hello, 0, 0, body.size()));
  hs_->transcript.add(static_cast<uint8_t>(MessageType::client_hello), body);
  next_send_seq_ = 1;
  state_ = State::client_wait_server_hello;
  timer_.arm_new_flight(now_);  // the dtls::Endpoint's flight timer stops as this one starts
  return ok_status();
}

Status Endpoint::client_on_message(MessageType type, Bytes body) {
  switch (state_) {
    case State::client_wait_server_hello:
      ENSURE(type == MessageType::server_hello, kUnexpected);
      return client_on_server_hello(body);
    case State::client_wait_encrypted_extensions:
      ENSURE(type == MessageType::encrypted_extensions, kUnexpected);
      return client_on_encrypted_extensions(body);
    case State::client_wait_certificate_request:
      if (type == MessageType::certificate_request) return client_on_certificate_request(body);
      [[fallthrough]];  // RFC 8446 §4.3.2: the request is optional
    case State::client_wait_certificate:
      ENSURE(type == MessageType::certificate, kUnexpected);
      TRY(on_certificate(body));
      state_ = State::client_wait_certificate_verify;
      return ok_status();
    case State::client_wait_certificate_verify:
      ENSURE(type == MessageType::certificate_verify, kUnexpected);
      TRY(on_certificate_verify(body, Signer::server));
      state_ = State::client_wait_finished;
      return ok_status();
    case State::client_wait_finished:
      ENSURE(type == MessageType::finished, kUnexpected);
      TRY(on_finished(body, hs_->server_handshake_secret));
      TRY(enter_application_keys());
      return client_send_final_flight();
    case State::established:
      ENSURE(type == MessageType::key_update, kUnexpected);
      return on_key_update(body);
    default:
      return kUnexpected;
  }
}

// RFC 8446 §4.1.3, §4.2.1, §4.2.8.
Status Endpoint::client_on_server_hello(Bytes body) {
  auto sh = parse_server_hello(body);
  if (!sh.ok()) return sh.error();
  if (is_hello_retry_request(sh->random)) return client_on_retry_request(*sh, body);
  ENSURE(sh->has_version && sh->selected_version == kVersionDtls13, kNotDtls13);
  ENSURE(!retried_ || suite()->id == sh->cipher_suite, kRetrySuite);
  set_suite(find_suite(sh->cipher_suite));
  ENSURE(suite() != nullptr, kSuite);
  ENSURE(sh->session_id.empty(), kSessionId);
  ENSURE(sh->has_key_share, kNoShare);
  auto share = read_server_key_share(sh->key_share);
  if (!share.ok()) return share.error();
  ENSURE(hs_->ecdh != nullptr && share->group == hs_->ecdh->group(), kNoShare);
  uint8_t shared[crypto::kMaxSharedSecretSize];
  auto n = hs_->ecdh->compute_shared(share->key_exchange, shared, *hs_->config.rng);
  if (!n.ok()) return n.error();
  // The key pair stays until a record under the handshake keys opens
  // (process_ciphertext): a ServerHello damaged in a way that still parsed
  // is taken again from the server's copy with the same share (peer_flight.cpp).
  hs_->transcript.add(static_cast<uint8_t>(MessageType::server_hello), body);
  Status s = enter_handshake_keys(Bytes(shared, *n));
  crypto::secure_zero(shared, sizeof shared);
  TRY(s);
  // The ServerHello acknowledges the ClientHello; the timer now waits for
  // the rest of the server's flight (and ACKs what came, RFC 9147 §7.1).
  flight().acknowledge_all();
  timer_.arm_new_flight(now_);
  state_ = State::client_wait_encrypted_extensions;
  return ok_status();
}

// RFC 8446 §4.1.4: check the request, keep Hash(ClientHello1) in the
// transcript (§4.4.1), then send ClientHello2 as message 1 (RFC 9147 §5.2).
Status Endpoint::client_on_retry_request(const ServerHello& hrr, Bytes body) {
  ENSURE(!retried_, kSecondRetry);
  ENSURE(hrr.has_version && hrr.selected_version == kVersionDtls13, kNotDtls13);
  ENSURE(!flight().empty(), kUnexpected);
  const Bytes hello1 = flight().body(0);
  auto ch1 = parse_client_hello(hello1);
  if (!ch1.ok()) return ch1.error();
  set_suite(find_suite(hrr.cipher_suite));
  ENSURE(suite() != nullptr && ch1->cipher_suites.contains(hrr.cipher_suite), kSuite);
  ENSURE(hrr.session_id.size() == ch1->session_id.size() &&
             (hrr.session_id.empty() ||  // memcmp of null pointers is undefined, even for 0 bytes
              std::memcmp(hrr.session_id.data(), ch1->session_id.data(), hrr.session_id.size()) == 0),
         kSessionId);
  ENSURE(hrr.has_key_share || hrr.has_retry_cookie, kRetryNoChange);
  if (hrr.has_key_share) {
    auto group = read_hrr_selected_group(hrr.key_share);
    if (!group.ok()) return group.error();
    ENSURE(hs_->ecdh != nullptr && *group != hs_->ecdh->group() &&
               ch1->ext.groups.contains(static_cast<uint16_t>(*group)),
           kRetryGroup);
    TRY(hs_->ecdh->generate(*group, *hs_->config.rng));
  }
  ENSURE(hs_->ecdh != nullptr, kUnexpected);
  retried_ = true;
  hs_->transcript.replace_with_message_hash(suite()->hash);
  hs_->transcript.add(static_cast<uint8_t>(MessageType::server_hello), body);
  const KeyShareEntry share{hs_->ecdh->group(), hs_->ecdh->public_key()};
  ByteWriter w(flight().body_space());  // after ClientHello1, which it is copied from
  TRY(write_retried_client_hello(w, hello1, share, hrr.retry_cookie));
  ENSURE(!w.failed(), kFlight);
  TRY(flight().replace_with_last(MessageType::client_hello, next_send_seq_++, 0, w.size()));
  hs_->transcript.add(static_cast<uint8_t>(MessageType::client_hello), flight().last_body());
  start_flight();
  return ok_status();
}

Status Endpoint::client_on_encrypted_extensions(Bytes body) {
  auto ee = parse_encrypted_extensions(body);
  if (!ee.ok()) return ee.error();
  if (ee->has_srtp) {
    ENSURE(hs_->config.srtp_profiles.contains(ee->srtp_profile), kSrtp);
    srtp_profile_ = ee->srtp_profile;
  }
  ENSURE(hs_->config.srtp_profiles.count == 0 || srtp_profile_ != 0, kNoSrtp);  // as the 1.2 client (dtls/client.cpp)
  hs_->transcript.add(static_cast<uint8_t>(MessageType::encrypted_extensions), body);
  state_ = State::client_wait_certificate_request;
  return ok_status();
}

Status Endpoint::client_on_certificate_request(Bytes body) {
  auto cr = parse_certificate_request(body);
  if (!cr.ok()) return cr.error();
  ENSURE(cr->signature_algorithms.contains(static_cast<uint16_t>(Identity::scheme())), kNoEcdsa);
  ENSURE(cr->context.size() <= sizeof hs_->request_context, kUnexpected);
  std::memcpy(hs_->request_context, cr->context.data(), cr->context.size());
  hs_->request_context_len = static_cast<uint8_t>(cr->context.size());
  hs_->cert_requested = true;
  hs_->transcript.add(static_cast<uint8_t>(MessageType::certificate_request), body);
  state_ = State::client_wait_certificate;
  return ok_status();
}

// RFC 8446 §4.4: Certificate and CertificateVerify when asked, then Finished,
// all under the handshake keys (epoch 2). The client is then done; the
// flight goes until the server's ACK.
Status Endpoint::client_send_final_flight() {
  flight().clear();
  if (hs_->cert_requested)
    TRY(write_certificate_and_verify(Signer::client, Bytes(hs_->request_context, hs_->request_context_len)));
  TRY(write_finished(hs_->client_handshake_secret));
  start_flight();
  complete();
  return ok_status();
}

}  // namespace keyway::dtls::v13
