// SPDX-License-Identifier: Apache-2.0
// Client side of the handshake: flights 1, 3 and 5 (RFC 6347 §4.2.4).
#include <cstring>
#include <iterator>

#include "keyway/dtls/endpoint.hpp"
#include "keyway/dtls/handshake_context.hpp"
#include "keyway/dtls/handshake_table.hpp"
#include "keyway/dtls/messages.hpp"
#include "keyway/dtls/v13/endpoint.hpp"

namespace keyway::dtls {

namespace {
constexpr Error kUnexpected = make_error(Layer::dtls, Code::unexpected_message, "dtls client: unexpected handshake message for this state");
constexpr Error kVersion = make_error(Layer::dtls, Code::protocol_version, "dtls server_hello: server did not choose DTLS 1.2 (0xFEFD)");
constexpr Error kSuite = make_error(Layer::dtls, Code::illegal_parameter, "dtls server_hello: server chose a cipher suite we did not offer");
constexpr Error kNoSrtp = make_error(Layer::dtls, Code::handshake_failure, "dtls server_hello: server did not negotiate use_srtp");
constexpr Error kSrtpProfile = make_error(Layer::dtls, Code::illegal_parameter, "dtls server_hello: use_srtp must carry exactly one profile we offered (RFC 5764 §4.1.1)");
constexpr Error kMki = make_error(Layer::dtls, Code::illegal_parameter, "dtls server_hello: use_srtp MKI differs from ours");
constexpr Error kNoEms = make_error(Layer::dtls, Code::handshake_failure, "dtls server_hello: extended_master_secret required but not negotiated");
constexpr Error kReneg = make_error(Layer::dtls, Code::handshake_failure, "dtls server_hello: renegotiation_info must be empty on an initial handshake");
constexpr Error kNoCert = make_error(Layer::dtls, Code::bad_certificate, "dtls certificate: server sent no certificate");
constexpr Error kGroup = make_error(Layer::dtls, Code::illegal_parameter, "dtls server_key_exchange: group we did not offer");
constexpr Error kScheme = make_error(Layer::dtls, Code::illegal_parameter, "dtls server_key_exchange: signature scheme does not match the suite");
constexpr Error kSchemeNotOffered = make_error(Layer::dtls, Code::illegal_parameter, "dtls server_key_exchange: signature scheme we did not offer");
constexpr Error kShd = make_error(Layer::dtls, Code::decode_error, "dtls server_hello_done: body must be empty");
constexpr Error kFlight = make_error(Layer::dtls, Code::capacity, "dtls client: flight does not fit its buffer");
constexpr Error kMkiLong = make_error(Layer::dtls, Code::invalid_argument, "dtls: Config.srtp_mki longer than keyway keeps (16 bytes, Endpoint::kMaxStoredMki)");
constexpr Error kNoIdentity = make_error(Layer::dtls, Code::invalid_argument, "dtls: Config.identity and Config.rng are required");

bool is_ecdsa_scheme(uint16_t s) {
  return s == static_cast<uint16_t>(SignatureScheme::ecdsa_secp256r1_sha256) ||
         s == static_cast<uint16_t>(SignatureScheme::ecdsa_secp384r1_sha384);
}
}  // namespace

Status Endpoint::client_send_hello(Bytes cookie) {
  ENSURE(hs_->config.identity != nullptr && hs_->config.rng != nullptr, kNoIdentity);
  ENSURE(hs_->config.srtp_mki.size() <= kMaxStoredMki, kMkiLong);
  if (cookie.empty()) hs_->config.rng->fill(secret_->client_random);  // a retried hello keeps its random (RFC 6347 §4.2.1)
  // RFC 6347 §4.2.4: an initial hello answers no peer flight, so nothing the
  // server sends can be a repeat that calls for resending it.
  if (cookie.empty()) hs_->peer_flight_first_seq = 0xFFFF;
  ClientHello ch;
  ch.version = kVersionDtls12;
  ch.random = secret_->client_random;
  if (!cookie.empty()) std::memcpy(hs_->cookie, cookie.data(), cookie.size());  // memcpy(_, nullptr, 0) is UB
  hs_->cookie_len = cookie.size();
  ch.cookie = Bytes(hs_->cookie, hs_->cookie_len);
  ch.ext.has_point_formats = true;
  ch.ext.has_groups = true;
  ch.ext.groups = hs_->config.groups;
  ch.ext.has_signature_algorithms = true;
  ch.ext.signature_algorithms = verify_schemes();
  ch.ext.has_srtp = hs_->config.srtp_profiles.count > 0;
  ch.ext.srtp_profiles = hs_->config.srtp_profiles;
  ch.ext.srtp_mki = hs_->config.srtp_mki;
  ch.ext.ems = hs_->config.offer_extended_master_secret;
  ch.ext.has_renegotiation_info = true;  // RFC 5746 §3.4: empty on the initial handshake
  // Issue 18: the DTLS 1.3 offer (negotiation.cpp): 1.3 suites first, then
  // supported_versions and key_share at the end of the extensions.
  uint16_t suites[std::size(v13::kSuites) + kMaxListEntries];
  std::size_t suite_count = 0;
  uint8_t offer[128];
  if (profile::kDtls13 && hs_->config.offer_dtls13) {
    for (const v13::Suite& s : v13::kSuites) suites[suite_count++] = s.id;
    ByteWriter ow(MutableBytes(offer, sizeof offer));
    TRY(write_dtls13_offer(ow));
    ch.ext.raw_extensions = ow.written();
  }
  for (std::size_t i = 0; i < hs_->config.cipher_suites.count; ++i) suites[suite_count++] = hs_->config.cipher_suites.items[i];
  hs_->flight.clear();
  reset_transcript();
  ByteWriter w(hs_->flight.body_space());
  write_client_hello(w, ch, suites, suite_count);
  ENSURE(!w.failed(), kFlight);
  TRY(add_message(0, HandshakeType::client_hello, w.size()));
  enter_state(HandshakeState::client_wait_server_hello);
  start_flight(now_, true);
  return ok_status();
}

// Each message is checked against the order of handshake_table.hpp first.
Status Endpoint::client_on_message(HandshakeType type, Bytes body) {
  if (expected_messages(state_).empty()) return ok_status();  // established: a late duplicate; nothing to do
  ENSURE(take_expected(type), kUnexpected);
  switch (type) {
    case HandshakeType::hello_verify_request:
      return client_on_hello_verify(body);  // hello_verify.cpp
    case HandshakeType::server_hello:
      TRY(client_on_server_hello(body));
      transcript_received(body);
      enter_state(HandshakeState::client_wait_server_flight);
      return ok_status();
    case HandshakeType::certificate: {
      auto der = parse_certificate_message(body);
      if (!der.ok()) return der.error();
      ENSURE(!der->empty(), kNoCert);
      TRY(check_peer_certificate(*der));
      transcript_received(body);
      return ok_status();
    }
    case HandshakeType::server_key_exchange:
      TRY(client_on_server_key_exchange(body));
      transcript_received(body);
      return ok_status();
    case HandshakeType::certificate_request: {
      auto cr = parse_certificate_request(body);
      if (!cr.ok()) return cr.error();
      hs_->progress.cert_requested = true;
      transcript_received(body);
      return ok_status();
    }
    case HandshakeType::server_hello_done:
      ENSURE(body.empty(), kShd);
      transcript_received(body);
      return client_send_flight5();
    case HandshakeType::finished:
      TRY(verify_finished(body));
      complete_handshake();
      return ok_status();
    default:
      return kUnexpected;  // not in the client's table
  }
}

Status Endpoint::client_on_server_hello(Bytes body) {
  if (profile::kDtls13 && hs_->config.offer_dtls13) {
    auto sh13 = v13::parse_server_hello(body);
    if (sh13.ok() && sh13->has_version) return client_hand_over_to_dtls13(body);  // the server chose 1.3
    TRY(client_check_downgrade(body));
  }
  auto sh = parse_server_hello(body);
  if (!sh.ok()) return sh.error();
  ENSURE(sh->version == kVersionDtls12, kVersion);
  ENSURE(hs_->config.cipher_suites.contains(sh->cipher_suite), kSuite);
  suite_ = find_suite(sh->cipher_suite);
  ENSURE(suite_ != nullptr, kSuite);
  if (hs_->config.srtp_profiles.count > 0) {
    ENSURE(sh->ext.has_srtp, kNoSrtp);
    ENSURE(sh->ext.srtp_profiles.count == 1 && hs_->config.srtp_profiles.contains(sh->ext.srtp_profiles.items[0]),
           kSrtpProfile);
    ENSURE(sh->ext.srtp_mki.size() == hs_->config.srtp_mki.size() &&
               crypto::ct_equal(sh->ext.srtp_mki, hs_->config.srtp_mki),
           kMki);
    srtp_profile_ = sh->ext.srtp_profiles.items[0];
    srtp_mki_len_ = static_cast<uint8_t>(hs_->config.srtp_mki.size());
    if (srtp_mki_len_) std::memcpy(srtp_mki_, hs_->config.srtp_mki.data(), srtp_mki_len_);
  }
  ems_ = sh->ext.ems && hs_->config.offer_extended_master_secret;
  ENSURE(ems_ || !hs_->config.require_extended_master_secret, kNoEms);
  ENSURE(!sh->ext.has_renegotiation_info || sh->ext.renegotiated_connection.empty(), kReneg);
  std::memcpy(secret_->server_random, sh->random.data(), kRandomSize);
  return ok_status();
}

Status Endpoint::client_on_server_key_exchange(Bytes body) {
  auto ske = parse_server_key_exchange(body);
  if (!ske.ok()) return ske.error();
  ENSURE(hs_->config.groups.contains(ske->group), kGroup);
  ENSURE(is_ecdsa_scheme(ske->scheme) == suite_->ecdsa, kScheme);
  ENSURE(verify_schemes().contains(ske->scheme), kSchemeNotOffered);  // only what we offered (RFC 5246 §7.4.1.4.1)
  auto alg = signature_scheme_hash(static_cast<SignatureScheme>(ske->scheme));
  if (!alg.ok()) return alg.error();
  // RFC 8422 §5.4: signed over client_random + server_random + ServerECDHParams.
  crypto::Hash h(*alg);
  h.update(secret_->client_random);
  h.update(secret_->server_random);
  h.update(ske->params);
  uint8_t digest[crypto::kMaxDigestSize];
  h.peek(digest);
  auto cert = parse_certificate(peer_certificate());
  if (!cert.ok()) return cert.error();
  TRY(verify_signature_digest(*cert, static_cast<SignatureScheme>(ske->scheme), Bytes(digest, crypto::digest_size(*alg)),
                              ske->signature));
  hs_->group = ske->group;
  TRY(hs_->ecdh.generate(static_cast<crypto::NamedGroup>(hs_->group), *hs_->config.rng));
  auto n = hs_->ecdh.compute_shared(ske->point, hs_->premaster.bytes, *hs_->config.rng);
  if (!n.ok()) return n.error();
  hs_->premaster.len = *n;
  return ok_status();
}

Status Endpoint::client_send_flight5() {
  hs_->flight.clear();
  if (hs_->progress.cert_requested) TRY(write_certificate());
  {
    ByteWriter w(hs_->flight.body_space());
    write_client_key_exchange(w, hs_->ecdh.public_key());
    ENSURE(!w.failed(), kFlight);
    TRY(add_message(0, HandshakeType::client_key_exchange, w.size()));
  }
  TRY(derive_keys(hs_->premaster.view()));
  if (hs_->progress.cert_requested) {
    // RFC 5246 §7.4.8: signed over every handshake message so far.
    uint8_t digest[32];
    transcript_hash(crypto::HashAlg::sha256, digest);
    uint8_t sig[kMaxEcdsaDerSignature];
    auto n = hs_->config.identity->sign_digest(digest, sig, *hs_->config.rng);
    if (!n.ok()) return n.error();
    ByteWriter w(hs_->flight.body_space());
    write_digitally_signed(w, static_cast<uint16_t>(SignatureScheme::ecdsa_secp256r1_sha256), Bytes(sig, *n));
    ENSURE(!w.failed(), kFlight);
    TRY(add_message(0, HandshakeType::certificate_verify, w.size()));
  }
  TRY(hs_->flight.add_change_cipher_spec());
  write_epoch_ = 1;
  TRY(write_finished());
  enter_state(HandshakeState::client_wait_finished);
  start_flight(now_, true);
  return ok_status();
}

}  // namespace keyway::dtls
