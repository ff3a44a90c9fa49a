// SPDX-License-Identifier: Apache-2.0
// Server side of the handshake: flights 4 and 6 (RFC 6347 §4.2.4); the
// HelloVerifyRequest is in hello_verify.cpp.
#include <cstring>

#include "keyway/dtls/endpoint.hpp"
#include "keyway/dtls/handshake_context.hpp"
#include "keyway/dtls/handshake_header.hpp"
#include "keyway/dtls/handshake_table.hpp"
#include "keyway/dtls/messages.hpp"
#include "keyway/dtls/v13/endpoint.hpp"

namespace keyway::dtls {

namespace {
constexpr Error kUnexpected = make_error(Layer::dtls, Code::unexpected_message, "dtls server: unexpected handshake message for this state");
constexpr Error kVersion = make_error(Layer::dtls, Code::protocol_version, "dtls client_hello: client offers only DTLS 1.0 (0xFEFF); DTLS 1.2 (0xFEFD) is required");
constexpr Error kNoSuite = make_error(Layer::dtls, Code::handshake_failure, "dtls client_hello: no common cipher suite");
constexpr Error kNoGroup = make_error(Layer::dtls, Code::handshake_failure, "dtls client_hello: no common ECDHE group");
constexpr Error kNoSigAlg = make_error(Layer::dtls, Code::handshake_failure, "dtls client_hello: client does not accept ecdsa_secp256r1_sha256");
constexpr Error kNoSrtp = make_error(Layer::dtls, Code::handshake_failure, "dtls client_hello: no common SRTP protection profile");
constexpr Error kNoEms = make_error(Layer::dtls, Code::handshake_failure, "dtls client_hello: extended_master_secret required but not offered");
constexpr Error kReneg = make_error(Layer::dtls, Code::handshake_failure, "dtls client_hello: renegotiation is refused");
constexpr Error kMkiLong = make_error(Layer::dtls, Code::handshake_failure, "dtls client_hello: use_srtp MKI longer than keyway keeps (16 bytes)");
constexpr Error kCompression = make_error(Layer::dtls, Code::illegal_parameter, "dtls client_hello: null compression not offered");
constexpr Error kNoCert = make_error(Layer::dtls, Code::handshake_failure, "dtls certificate: client sent no certificate but one is required");
constexpr Error kScheme = make_error(Layer::dtls, Code::illegal_parameter, "dtls certificate_verify: signature scheme we did not request");
constexpr Error kFlight = make_error(Layer::dtls, Code::capacity, "dtls server: flight does not fit its buffer");
constexpr Error kNoIdentity = make_error(Layer::dtls, Code::invalid_argument, "dtls: Config.identity and Config.rng are required");

bool offers(Bytes suites, uint16_t id) {
  ByteReader r(suites);
  for (uint16_t s = 0; r.read_u16(s);)
    if (s == id) return true;
  return false;
}
}  // namespace

// Each message is checked against the order of handshake_table.hpp first.
Status Endpoint::server_on_message(HandshakeType type, Bytes body, uint16_t msg_seq) {
  if (state_ == HandshakeState::server_wait_client_hello) {
    if (!take_expected(type)) return ok_status();  // stray: ignore until a hello (RFC 6347 §4.2.1)
    return server_on_client_hello(body, msg_seq);
  }
  if (expected_messages(state_).empty()) return ok_status();  // established: a late duplicate
  ENSURE(take_expected(type), kUnexpected);
  switch (type) {
    case HandshakeType::certificate: {
      auto der = parse_certificate_message(body);
      if (!der.ok()) return der.error();
      if (der->empty()) {
        ENSURE(!hs_->config.require_client_certificate, kNoCert);
      } else {
        TRY(check_peer_certificate(*der));
      }
      transcript_received(body);
      return ok_status();
    }
    case HandshakeType::client_key_exchange:
      return server_on_client_key_exchange(body);  // adds itself to the transcript (EMS needs it)
    case HandshakeType::certificate_verify:
      TRY(server_on_certificate_verify(body));
      transcript_received(body);
      return ok_status();
    case HandshakeType::finished:
      TRY(verify_finished(body));
      transcript_received(body);
      TRY(server_send_final_flight());
      complete_handshake();
      return ok_status();
    default:
      return kUnexpected;  // not in the server's table
  }
}

Status Endpoint::server_on_client_hello(Bytes body, uint16_t msg_seq) {
  ENSURE(hs_->config.identity != nullptr && hs_->config.rng != nullptr, kNoIdentity);
  auto ch = parse_client_hello(body);
  if (!ch.ok()) return ch.error();
  // Issue 18: a ClientHello that offers DTLS 1.3 goes to the 1.3 engine
  // (negotiation.cpp). Behind dtls::Listener, ClientHello2 (message 1)
  // carrying its HelloRetryRequest cookie does too.
  if (profile::kDtls13 && server_speaks_dtls13()) {
    auto ch13 = v13::parse_client_hello(body);
    const bool first = msg_seq == 0 || (msg_seq == 1 && hs_->config.retry_cookies != nullptr && ch13.ok() &&
                                        ch13->has_retry_cookie);
    if (first && ch13.ok() && ch13->has_versions && ch13->versions.dtls13)
      return server_hand_over_to_dtls13(body, msg_seq);
  }
  // DTLS versions count down: 0xFEFD (1.2) < 0xFEFF (1.0).
  ENSURE(ch->version <= kVersionDtls12, kVersion);
  if (hs_->config.cookie_exchange &&
      !hs_->cookies.check(hs_->config.peer_address, ch->random, ch->session_id, ch->cipher_suites, ch->cookie)) {
    server_send_hello_verify(*ch, msg_seq);  // stateless: answer with a cookie, forget the hello (RFC 6347 §4.2.1)
    return ok_status();
  }
  TRY(server_negotiate(*ch));
  reset_transcript();
  transcript_received(body);
  server_follow_hello_numbers(msg_seq);
  TRY(server_send_flight4());
  enter_state(HandshakeState::server_wait_client_flight);
  return ok_status();
}

Status Endpoint::server_negotiate(const ClientHello& ch) {
  ENSURE(ch.null_compression, kCompression);
  suite_ = nullptr;
  for (std::size_t i = 0; i < hs_->config.cipher_suites.count && !suite_; ++i) {  // server preference
    const SuiteInfo* s = find_suite(hs_->config.cipher_suites.items[i]);
    if (s && s->ecdsa && offers(ch.cipher_suites, hs_->config.cipher_suites.items[i])) suite_ = s;
  }
  ENSURE(suite_ != nullptr, kNoSuite);
  hs_->group = 0;
  for (std::size_t i = 0; i < hs_->config.groups.count && !hs_->group; ++i) {
    uint16_t g = hs_->config.groups.items[i];
    // RFC 8422 §4: without the extension, the client supports any group.
    if (!ch.ext.has_groups || ch.ext.groups.contains(g)) hs_->group = g;
  }
  ENSURE(hs_->group != 0, kNoGroup);
  // RFC 5246 §7.4.1.4.1: without the extension only SHA-1 is implied.
  ENSURE(ch.ext.has_signature_algorithms && ch.ext.signature_algorithms.contains(static_cast<uint16_t>(SignatureScheme::ecdsa_secp256r1_sha256)), kNoSigAlg);
  srtp_profile_ = 0;
  if (hs_->config.srtp_profiles.count > 0) {
    for (std::size_t i = 0; i < hs_->config.srtp_profiles.count && !srtp_profile_; ++i)
      if (ch.ext.has_srtp && ch.ext.srtp_profiles.contains(hs_->config.srtp_profiles.items[i]))
        srtp_profile_ = hs_->config.srtp_profiles.items[i];
    ENSURE(srtp_profile_ != 0, kNoSrtp);
    ENSURE(ch.ext.srtp_mki.size() <= kMaxStoredMki, kMkiLong);
    srtp_mki_len_ = static_cast<uint8_t>(ch.ext.srtp_mki.size());
    if (srtp_mki_len_) std::memcpy(srtp_mki_, ch.ext.srtp_mki.data(), srtp_mki_len_);
  }
  ems_ = ch.ext.ems;
  ENSURE(ems_ || !hs_->config.require_extended_master_secret, kNoEms);
  ENSURE(!ch.ext.has_renegotiation_info || ch.ext.renegotiated_connection.empty(), kReneg);
  hs_->renegotiation_info = ch.ext.has_renegotiation_info || offers(ch.cipher_suites, 0x00FF);  // RFC 5746 §3.6
  hs_->client_point_formats = ch.ext.has_point_formats;
  std::memcpy(secret_->client_random, ch.random.data(), kRandomSize);
  return ok_status();
}

Status Endpoint::server_send_flight4() {
  hs_->config.rng->fill(secret_->server_random);
  // RFC 8446 §4.1.3: a server that speaks 1.3 and chose 1.2 says so in its random.
  if (profile::kDtls13 && server_speaks_dtls13()) v13::write_downgrade_sentinel(secret_->server_random, v13::Downgrade::to_dtls12);
  hs_->flight.clear();
  ServerHello sh;
  sh.version = kVersionDtls12;
  sh.random = secret_->server_random;
  sh.cipher_suite = static_cast<uint16_t>(suite_->suite);
  sh.ext.has_point_formats = hs_->client_point_formats;
  sh.ext.has_srtp = srtp_profile_ != 0;
  sh.ext.srtp_profiles.push(srtp_profile_);
  sh.ext.srtp_mki = Bytes(srtp_mki_, srtp_mki_len_);
  sh.ext.ems = ems_;
  sh.ext.has_renegotiation_info = hs_->renegotiation_info;
  {
    ByteWriter w(hs_->flight.body_space());
    write_server_hello(w, sh);
    ENSURE(!w.failed(), kFlight);
    TRY(add_message(0, HandshakeType::server_hello, w.size()));
  }
  TRY(write_certificate());
  {
    TRY(hs_->ecdh.generate(static_cast<crypto::NamedGroup>(hs_->group), *hs_->config.rng));
    ByteWriter w(hs_->flight.body_space());
    write_ecdh_params(w, hs_->group, hs_->ecdh.public_key());
    ENSURE(!w.failed(), kFlight);
    crypto::Sha256 h;  // RFC 8422 §5.4, signed with ecdsa_secp256r1_sha256
    h.update(secret_->client_random);
    h.update(secret_->server_random);
    h.update(w.written());
    uint8_t digest[32];
    h.finish(digest);
    uint8_t sig[kMaxEcdsaDerSignature];
    auto n = hs_->config.identity->sign_digest(digest, sig, *hs_->config.rng);
    if (!n.ok()) return n.error();
    write_digitally_signed(w, static_cast<uint16_t>(SignatureScheme::ecdsa_secp256r1_sha256), Bytes(sig, *n));
    ENSURE(!w.failed(), kFlight);
    TRY(add_message(0, HandshakeType::server_key_exchange, w.size()));
  }
  if (hs_->config.require_client_certificate) {
    SmallList<uint16_t> schemes = verify_schemes();
    ByteWriter w(hs_->flight.body_space());
    write_certificate_request(w, schemes.items, schemes.count);
    ENSURE(!w.failed(), kFlight);
    TRY(add_message(0, HandshakeType::certificate_request, w.size()));
  }
  TRY(add_message(0, HandshakeType::server_hello_done, 0));
  start_flight(now_, true);
  return ok_status();
}

// Flight 6 (ChangeCipherSpec + Finished): kept as its verify_data in the
// Endpoint, so the handshake context can go while the flight stays
// available for the client's repeats (RFC 6347 §4.2.4).
Status Endpoint::server_send_final_flight() {
  uint8_t hash[crypto::kMaxDigestSize];
  transcript_hash(suite_->prf_hash, hash);
  finished_verify_data(suite_->prf_hash, Bytes(secret_->master, kMasterSecretSize), FinishedSender::server,
                       Bytes(hash, crypto::digest_size(suite_->prf_hash)), final_.verify_data);
  final_.msg_seq = hs_->next_send_seq++;
  final_.trigger_seq = hs_->peer_flight_first_seq;
  final_.held = true;
  final_.sending = true;
  final_.hold_until = now_ + hs_->config.final_flight_hold;
  write_epoch_ = 1;
  return ok_status();
}

Status Endpoint::server_on_client_key_exchange(Bytes body) {
  auto point = parse_client_key_exchange(body);
  if (!point.ok()) return point.error();
  auto n = hs_->ecdh.compute_shared(*point, hs_->premaster.bytes, *hs_->config.rng);
  if (!n.ok()) return n.error();
  hs_->premaster.len = *n;
  // transcript must include ClientKeyExchange before the EMS session hash
  transcript_received(body);
  return derive_keys(hs_->premaster.view());
}

Status Endpoint::server_on_certificate_verify(Bytes body) {
  auto cv = parse_certificate_verify(body);
  if (!cv.ok()) return cv.error();
  ENSURE(verify_schemes().contains(cv->scheme), kScheme);  // only what we requested (RFC 5246 §7.4.8)
  auto alg = signature_scheme_hash(static_cast<SignatureScheme>(cv->scheme));
  if (!alg.ok()) return alg.error();
  uint8_t digest[crypto::kMaxDigestSize];
  transcript_hash(*alg, digest);
  auto cert = parse_certificate(peer_certificate());
  if (!cert.ok()) return cert.error();
  return verify_signature_digest(*cert, static_cast<SignatureScheme>(cv->scheme), Bytes(digest, crypto::digest_size(*alg)),
                                 cv->signature);
}

}  // namespace keyway::dtls
