// Server side of the handshake: HelloVerifyRequest, flights 4 and 6
// (RFC 6347 §4.2.1, §4.2.4).
#include <cstring>

#include "dtls/endpoint.hpp"
#include "dtls/handshake_header.hpp"
#include "dtls/messages.hpp"
#include "dtls/signature.hpp"

namespace keyway::dtls {

namespace {
constexpr Error kUnexpected = make_error(Layer::dtls, Code::unexpected_message, "dtls server: unexpected handshake message for this state");
constexpr Error kVersion = make_error(Layer::dtls, Code::handshake_failure, "dtls client_hello: client does not offer DTLS 1.2");
constexpr Error kNoSuite = make_error(Layer::dtls, Code::handshake_failure, "dtls client_hello: no common cipher suite");
constexpr Error kNoGroup = make_error(Layer::dtls, Code::handshake_failure, "dtls client_hello: no common ECDHE group");
constexpr Error kNoSigAlg = make_error(Layer::dtls, Code::handshake_failure, "dtls client_hello: client does not accept ecdsa_secp256r1_sha256");
constexpr Error kNoSrtp = make_error(Layer::dtls, Code::handshake_failure, "dtls client_hello: no common SRTP protection profile");
constexpr Error kNoEms = make_error(Layer::dtls, Code::handshake_failure, "dtls client_hello: extended_master_secret required but not offered");
constexpr Error kReneg = make_error(Layer::dtls, Code::handshake_failure, "dtls client_hello: renegotiation is refused");
constexpr Error kCompression = make_error(Layer::dtls, Code::illegal_parameter, "dtls client_hello: null compression not offered");
constexpr Error kNoCert = make_error(Layer::dtls, Code::handshake_failure, "dtls certificate: client sent no certificate but one is required");
constexpr Error kFlight = make_error(Layer::dtls, Code::capacity, "dtls server: flight does not fit its buffer");
constexpr Error kNoIdentity = make_error(Layer::dtls, Code::invalid_argument, "dtls: Config.identity and Config.rng are required");

bool offers(Bytes suites, uint16_t id) {
  ByteReader r(suites);
  for (uint16_t s = 0; r.read_u16(s);)
    if (s == id) return true;
  return false;
}
}  // namespace

Status Endpoint::server_on_message(HandshakeType type, Bytes body, uint16_t msg_seq) {
  if (state_ == HandshakeState::server_wait_client_hello) {
    if (type != HandshakeType::client_hello) return ok_status();  // stray: ignore until a hello
    return server_on_client_hello(body, msg_seq);
  }
  if (state_ != HandshakeState::server_wait_client_flight) return ok_status();
  ENSURE(type == expect_, kUnexpected);
  switch (type) {
    case HandshakeType::certificate: {
      auto der = parse_certificate_message(body);
      if (!der.ok()) return der.error();
      if (der->empty()) {
        ENSURE(!config_.require_client_certificate, kNoCert);
      } else {
        TRY(check_peer_certificate(*der));
      }
      transcript_received(body);
      expect_ = HandshakeType::client_key_exchange;
      return ok_status();
    }
    case HandshakeType::client_key_exchange:
      TRY(server_on_client_key_exchange(body));  // adds itself to the transcript (EMS needs it)
      expect_ = peer_sent_cert_ ? HandshakeType::certificate_verify : HandshakeType::finished;
      return ok_status();
    case HandshakeType::certificate_verify:
      TRY(server_on_certificate_verify(body));
      transcript_received(body);
      expect_ = HandshakeType::finished;
      return ok_status();
    case HandshakeType::finished:
      TRY(verify_finished(body));
      transcript_received(body);
      flight_.clear();
      TRY(flight_.add_change_cipher_spec());
      write_epoch_ = 1;
      TRY(write_finished());
      start_flight(now_, false);  // the last flight: resent only when the client repeats its own
      complete_handshake();
      return ok_status();
    default:
      return kUnexpected;
  }
}

Status Endpoint::server_on_client_hello(Bytes body, uint16_t msg_seq) {
  ENSURE(config_.identity != nullptr && config_.rng != nullptr, kNoIdentity);
  auto ch = parse_client_hello(body);
  if (!ch.ok()) return ch.error();
  // DTLS versions count down: 0xFEFD (1.2) < 0xFEFF (1.0).
  ENSURE(ch->version <= kVersionDtls12, kVersion);
  if (config_.cookie_exchange &&
      !cookies_.check(config_.peer_address, ch->random, ch->session_id, ch->cipher_suites, ch->cookie)) {
    // Stateless: answer with a cookie and forget the hello (RFC 6347 §4.2.1).
    uint8_t msg[kHelloVerifyMessageSize];
    ByteWriter w(msg);
    write_hello_verify_message(w, cookies_, config_.peer_address, *ch);
    reassembler_.reset(static_cast<uint16_t>(msg_seq + 1));
    peer_flight_boundary_ = true;  // the next ClientHello starts the flight we answer
    // The HelloVerifyRequest reuses the ClientHello's record sequence number.
    return queue_record(ContentType::handshake, w.written(), rx_record_seq_, true);
  }
  TRY(server_negotiate(*ch));
  reset_transcript();
  transcript_received(body);
  next_send_seq_ = msg_seq;  // mirror the client's message_seq, as DTLSv1_listen does
  // A stateless HelloVerifyRequest reused a record number: continue after the hello's.
  if (write_[0].next_seq < rx_record_seq_) write_[0].next_seq = rx_record_seq_;
  TRY(server_send_flight4());
  state_ = HandshakeState::server_wait_client_flight;
  expect_ = config_.require_client_certificate ? HandshakeType::certificate : HandshakeType::client_key_exchange;
  return ok_status();
}

Status Endpoint::server_negotiate(const ClientHello& ch) {
  ENSURE(ch.null_compression, kCompression);
  suite_ = nullptr;
  for (std::size_t i = 0; i < config_.cipher_suites.count && !suite_; ++i) {  // server preference
    const SuiteInfo* s = find_suite(config_.cipher_suites.items[i]);
    if (s && s->ecdsa && offers(ch.cipher_suites, config_.cipher_suites.items[i])) suite_ = s;
  }
  ENSURE(suite_ != nullptr, kNoSuite);
  group_ = 0;
  for (std::size_t i = 0; i < config_.groups.count && !group_; ++i) {
    uint16_t g = config_.groups.items[i];
    // RFC 8422 §4: without the extension, the client supports any group.
    if (!ch.ext.has_groups || ch.ext.groups.contains(g)) group_ = g;
  }
  ENSURE(group_ != 0, kNoGroup);
  // RFC 5246 §7.4.1.4.1: without the extension only SHA-1 is implied.
  ENSURE(ch.ext.has_signature_algorithms && ch.ext.signature_algorithms.contains(0x0403), kNoSigAlg);
  srtp_profile_ = 0;
  if (config_.srtp_profiles.count > 0) {
    for (std::size_t i = 0; i < config_.srtp_profiles.count && !srtp_profile_; ++i)
      if (ch.ext.has_srtp && ch.ext.srtp_profiles.contains(config_.srtp_profiles.items[i]))
        srtp_profile_ = config_.srtp_profiles.items[i];
    ENSURE(srtp_profile_ != 0, kNoSrtp);
    srtp_mki_len_ = ch.ext.srtp_mki.size();
    if (srtp_mki_len_) std::memcpy(srtp_mki_, ch.ext.srtp_mki.data(), srtp_mki_len_);
  }
  ems_ = ch.ext.ems;
  ENSURE(ems_ || !config_.require_extended_master_secret, kNoEms);
  ENSURE(!ch.ext.has_renegotiation_info || ch.ext.renegotiated_connection.empty(), kReneg);
  renegotiation_info_ = ch.ext.has_renegotiation_info || offers(ch.cipher_suites, 0x00FF);  // RFC 5746 §3.6
  client_point_formats_ = ch.ext.has_point_formats;
  std::memcpy(client_random_, ch.random.data(), kRandomSize);
  return ok_status();
}

Status Endpoint::server_send_flight4() {
  config_.rng->fill(server_random_);
  flight_.clear();
  ServerHello sh;
  sh.version = kVersionDtls12;
  sh.random = server_random_;
  sh.cipher_suite = static_cast<uint16_t>(suite_->suite);
  sh.ext.has_point_formats = client_point_formats_;
  sh.ext.has_srtp = srtp_profile_ != 0;
  sh.ext.srtp_profiles.push(srtp_profile_);
  sh.ext.srtp_mki = Bytes(srtp_mki_, srtp_mki_len_);
  sh.ext.ems = ems_;
  sh.ext.has_renegotiation_info = renegotiation_info_;
  {
    ByteWriter w(flight_.body_space());
    write_server_hello(w, sh);
    ENSURE(!w.failed(), kFlight);
    TRY(add_message(0, HandshakeType::server_hello, w.size()));
  }
  TRY(write_certificate());
  {
    TRY(ecdh_.generate(static_cast<crypto::NamedGroup>(group_), *config_.rng));
    ByteWriter w(flight_.body_space());
    write_ecdh_params(w, group_, ecdh_.public_key());
    ENSURE(!w.failed(), kFlight);
    crypto::Sha256 h;  // RFC 8422 §5.4, signed with ecdsa_secp256r1_sha256
    h.update(client_random_);
    h.update(server_random_);
    h.update(w.written());
    uint8_t digest[32];
    h.finish(digest);
    uint8_t sig[kMaxSignatureSize];
    auto n = sign_digest_der(config_.identity->key(), digest, sig, *config_.rng);
    if (!n.ok()) return n.error();
    write_digitally_signed(w, 0x0403, Bytes(sig, *n));
    ENSURE(!w.failed(), kFlight);
    TRY(add_message(0, HandshakeType::server_key_exchange, w.size()));
  }
  if (config_.require_client_certificate) {
    SmallList<uint16_t> schemes = verify_schemes();
    ByteWriter w(flight_.body_space());
    write_certificate_request(w, schemes.items, schemes.count);
    ENSURE(!w.failed(), kFlight);
    TRY(add_message(0, HandshakeType::certificate_request, w.size()));
  }
  TRY(add_message(0, HandshakeType::server_hello_done, 0));
  start_flight(now_, true);
  return ok_status();
}

Status Endpoint::server_on_client_key_exchange(Bytes body) {
  auto point = parse_client_key_exchange(body);
  if (!point.ok()) return point.error();
  auto n = ecdh_.compute_shared(*point, premaster_.bytes, *config_.rng);
  if (!n.ok()) return n.error();
  premaster_.len = *n;
  // transcript must include ClientKeyExchange before the EMS session hash
  transcript_received(body);
  return derive_keys(premaster_.view());
}

Status Endpoint::server_on_certificate_verify(Bytes body) {
  auto cv = parse_certificate_verify(body);
  if (!cv.ok()) return cv.error();
  auto alg = scheme_hash(cv->scheme);
  if (!alg.ok()) return alg.error();
  uint8_t digest[crypto::kMaxDigestSize];
  transcript_hash(*alg, digest);
  auto cert = parse_certificate(peer_certificate());
  if (!cert.ok()) return cert.error();
  return verify_digest(*cert, cv->scheme, Bytes(digest, crypto::digest_size(*alg)), cv->signature);
}

}  // namespace keyway::dtls
