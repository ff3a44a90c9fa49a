// SPDX-License-Identifier: Apache-2.0
// Shared handshake steps: transcript (RFC 5246 §7.4.9, RFC 6347 §4.2.6),
// key derivation (RFC 5246 §6.3, RFC 7627), Finished, peer certificate.
#include <cstring>
#include <new>

#include "keyway/dtls/endpoint.hpp"
#include "keyway/dtls/handshake_context.hpp"
#include "keyway/dtls/handshake_table.hpp"
#include "keyway/dtls/messages.hpp"

namespace keyway::dtls {

namespace {
constexpr Error kFinished = make_error(Layer::dtls, Code::auth_failed, "dtls finished: verify_data does not match (RFC 5246 §7.4.9)");
constexpr Error kFingerprintSha1 = make_error(Layer::dtls, Code::bad_certificate, "dtls: peer certificate fingerprint does not match a=fingerprint (sha-1)");
constexpr Error kFingerprintSha256 = make_error(Layer::dtls, Code::bad_certificate, "dtls: peer certificate fingerprint does not match a=fingerprint (sha-256)");
constexpr Error kFingerprintSha384 = make_error(Layer::dtls, Code::bad_certificate, "dtls: peer certificate fingerprint does not match a=fingerprint (sha-384)");

Error fingerprint_mismatch(FingerprintHash h) {
  switch (h) {
    case FingerprintHash::sha1: return kFingerprintSha1;
    case FingerprintHash::sha384: return kFingerprintSha384;
    default: return kFingerprintSha256;
  }
}
constexpr Error kNoMemory = make_error(Layer::dtls, Code::capacity, "dtls: out of memory for the peer certificate");
constexpr Error kCertTooBig = make_error(Layer::dtls, Code::bad_certificate, "dtls: peer certificate larger than the configured maximum");
constexpr Error kNoIdentity = make_error(Layer::dtls, Code::invalid_argument, "dtls: Config.identity and Config.rng are required");
constexpr Error kFlight = make_error(Layer::dtls, Code::capacity, "dtls: handshake message does not fit the flight buffer");
}  // namespace

// ---- the expected order (handshake_table.hpp) ---------------------------------

// A new wait begins: nothing of its expected messages received yet.
void Endpoint::enter_state(HandshakeState state) {
  state_ = state;
  hs_->progress.received = 0;
}

// Whether `type` may come next in this state (RFC 5246 §7.3); if so, it is counted.
bool Endpoint::take_expected(HandshakeType type) {
  FlightFacts facts{!is_client() && hs_->config.require_client_certificate, hs_->progress.peer_sent_cert};
  int at = position_of_next(state_, hs_->progress.received, type, facts);
  if (at == kNotExpected) return false;
  hs_->progress.received = static_cast<uint8_t>(at + 1);
  return true;
}

void Endpoint::reset_transcript() {
  hs_->progress.transcript256 = crypto::Hash(crypto::HashAlg::sha256);
  if (profile::kSha384Transcript) hs_->progress.transcript384 = crypto::Hash(crypto::HashAlg::sha384);
}

void Endpoint::transcript_add(Bytes message) {
  hs_->progress.transcript256.update(message);
  if (profile::kSha384Transcript) hs_->progress.transcript384.update(message);
}

void Endpoint::transcript_received(Bytes body) {
  transcript_add(hs_->rx_header);
  transcript_add(body);
}

void Endpoint::transcript_hash(crypto::HashAlg alg, MutableBytes out) const {
  if (profile::kSha384Transcript && alg == crypto::HashAlg::sha384) hs_->progress.transcript384.peek(out.first(48));
  else hs_->progress.transcript256.peek(out.first(32));
}

Status Endpoint::add_message(uint16_t epoch, HandshakeType type, std::size_t body_len) {
  TRY(hs_->flight.add_handshake(epoch, static_cast<uint8_t>(type), hs_->next_send_seq++, body_len));
  transcript_add(hs_->flight.last_message());
  return ok_status();
}

SmallList<uint16_t> Endpoint::verify_schemes() const {
  SmallList<uint16_t> l;
  using S = SignatureScheme;
  static constexpr SignatureScheme kSchemes[] = {S::ecdsa_secp256r1_sha256, S::ecdsa_secp384r1_sha384,
                                                 S::rsa_pss_rsae_sha256,    S::rsa_pss_rsae_sha384,
                                                 S::rsa_pkcs1_sha256,       S::rsa_pkcs1_sha384};
  for (SignatureScheme s : kSchemes) l.push(static_cast<uint16_t>(s));
  return l;
}

Status Endpoint::write_certificate() {
  ENSURE(hs_->config.identity != nullptr && hs_->config.rng != nullptr, kNoIdentity);
  ByteWriter w(hs_->flight.body_space());
  write_certificate_message(w, hs_->config.identity->certificate_der());
  ENSURE(!w.failed(), kFlight);
  TRY(add_message(0, HandshakeType::certificate, w.size()));
  return ok_status();
}

Status Endpoint::check_peer_certificate(Bytes der) {
  ENSURE(der.size() <= kMaxCertificateSize, kCertTooBig);
  auto view = parse_certificate(der);
  if (!view.ok()) return view.error();
  // A retransmitted flight (peer_flight.cpp) announces the same certificate once.
  bool repeat = peer_cert_ && peer_cert_len_ == der.size() && std::memcmp(peer_cert_, der.data(), der.size()) == 0;
  if (!repeat) {
    // A new certificate: an acceptance named the old one, and an event for
    // the old one not polled yet would announce a certificate that is gone.
    cert_accepted_ = false;
    withdraw_events(EventKind::peer_certificate);
    // An exact-size copy, freed once the caller accepted it (endpoint_output.cpp).
    if (peer_cert_) delete[] peer_cert_;
    peer_cert_len_ = 0;
    peer_cert_ = new (std::nothrow) uint8_t[der.size()];
    ENSURE(peer_cert_ != nullptr, kNoMemory);
    std::memcpy(peer_cert_, der.data(), der.size());
    peer_cert_len_ = static_cast<uint16_t>(der.size());
  }
  hs_->progress.peer_sent_cert = true;
  if (hs_->has_expected_fp) {
    // Decided before any key exists (RFC 8122 §5: the fingerprint is the trust).
    ENSURE(fingerprint_matches(hs_->expected_fp, der), fingerprint_mismatch(hs_->expected_fp.hash));
    cert_accepted_ = true;
    // Traced here, as it happens: before the rest of the flight (and our
    // Finished) is processed, so the ladder shows the check first (issue 15).
    if (!repeat)
      tracef(trace_, Layer::dtls, "peer certificate (%zu bytes) matches a=fingerprint %s", der.size(),
             fingerprint_hash_name(hs_->expected_fp.hash));
  }
  if (!repeat) push_event(EventKind::peer_certificate);
  return ok_status();
}

Status Endpoint::derive_keys(Bytes premaster) {
  crypto::HashAlg alg = suite_->prf_hash;
  std::span<uint8_t, kMasterSecretSize> master(secret_->master, kMasterSecretSize);
  if (ems_) {
    // RFC 7627 §3: session_hash covers the messages up to ClientKeyExchange.
    uint8_t session_hash[crypto::kMaxDigestSize];
    transcript_hash(alg, session_hash);
    extended_master_secret(alg, premaster, Bytes(session_hash, crypto::digest_size(alg)), master);
  } else {
    master_secret(alg, premaster, secret_->client_random, secret_->server_random, master);
  }
  // RFC 5246 §6.3 key_block; AEAD suites have no MAC keys.
  crypto::Secret<2 * 32 + 2 * 12> block;
  std::size_t k = suite_->key_len, iv = suite_->fixed_iv_len;
  block.len = 2 * k + 2 * iv;
  key_block(alg, Bytes(secret_->master, kMasterSecretSize), secret_->client_random, secret_->server_random, block.mutable_view());
  Bytes b = block.view();
  Bytes client_key = b.subspan(0, k), server_key = b.subspan(k, k);
  Bytes client_iv = b.subspan(2 * k, iv), server_iv = b.subspan(2 * k + iv, iv);
  bool client = is_client();
  TRY(write_.cipher.init(suite_->aead, client ? client_key : server_key, client ? client_iv : server_iv));
  TRY(read_cipher_.init(suite_->aead, client ? server_key : client_key, client ? server_iv : client_iv));
  return ok_status();
}

Status Endpoint::write_finished() {
  uint8_t hash[crypto::kMaxDigestSize];
  transcript_hash(suite_->prf_hash, hash);
  uint8_t verify[kVerifyDataSize];
  finished_verify_data(suite_->prf_hash, Bytes(secret_->master, kMasterSecretSize),
                       is_client() ? FinishedSender::client : FinishedSender::server,
                       Bytes(hash, crypto::digest_size(suite_->prf_hash)), verify);
  MutableBytes space = hs_->flight.body_space();
  ENSURE(space.size() >= kVerifyDataSize, kFlight);
  std::memcpy(space.data(), verify, kVerifyDataSize);
  return add_message(1, HandshakeType::finished, kVerifyDataSize);
}

Status Endpoint::verify_finished(Bytes body) {
  uint8_t hash[crypto::kMaxDigestSize];
  transcript_hash(suite_->prf_hash, hash);
  uint8_t expected[kVerifyDataSize];
  finished_verify_data(suite_->prf_hash, Bytes(secret_->master, kMasterSecretSize),
                       is_client() ? FinishedSender::server : FinishedSender::client,
                       Bytes(hash, crypto::digest_size(suite_->prf_hash)), expected);
  ENSURE(crypto::verify_mac(Bytes(expected, kVerifyDataSize), body), kFinished);
  return ok_status();
}

void Endpoint::complete_handshake() {
  state_ = HandshakeState::established;
  hs_->timer.stop();
  hs_->flight.clear();
  // empty when the client sent none (server, not required)
  push_event(EventKind::handshake_complete);
  tracef(trace_, Layer::dtls, "handshake complete (%s, srtp 0x%04x, ems %d)", suite_->iana_name, srtp_profile_,
         ems_ ? 1 : 0);
}

}  // namespace keyway::dtls
