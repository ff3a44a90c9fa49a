// SPDX-License-Identifier: Apache-2.0
// Version negotiation (issue 18; RFC 8446 §4.2.1, §4.1.3; RFC 9147 §5.3):
// with Config.offer_dtls13, a dtls::Endpoint speaks DTLS 1.3 when both ends
// offer it and DTLS 1.2 otherwise.
//
//   client: the 1.2 engine writes the ClientHello with the 1.3 suites first
//           and supported_versions (1.3, 1.2) + key_share (x25519, from the
//           1.3 engine) at the end. A ServerHello with supported_versions
//           hands the ClientHello and the ServerHello to the 1.3 engine; one
//           without goes on in 1.2, unless its random ends with a downgrade
//           sentinel (a 1.3 server was made to choose 1.2: illegal_parameter).
//   server: a ClientHello offering 1.3 goes to the 1.3 engine whole; else
//           1.2, with the sentinel "DOWNGRD\x01" at the end of ServerHello.random.
//           (Only without cookie_exchange: see server_speaks_dtls13().)
//           Behind dtls::Listener, ClientHello2 (message_seq 1) with the
//           Listener's stateless HelloRetryRequest cookie goes to the 1.3
//           engine too, which takes the transcript up from the cookie.
//
// Without DTLS 1.3 in the build (profile::kDtls13: the minimal profile)
// Config.offer_dtls13 is ignored: the client never offers 1.3, the server
// answers a 1.3 + 1.2 ClientHello in 1.2 (without the sentinel), and every
// call site tests the constant first, so dtls/v13/ is not linked.
//
// From then on every call of the Endpoint goes to the 1.3 engine
// (dtls/v13/endpoint.hpp). It is made in the handshake context and moves
// out of it as it takes over: the 1.2 context is then released, and the 1.3
// engine releases its own handshake state when its handshake is over. The
// hello that chose 1.3 is handed over as a datagram the 1.3 engine reads
// only once the 1.2 context is gone, so the two never peak together (its
// key exchange and signature are the handshake's heaviest step).
#include <cstring>
#include <new>

#include "keyway/dtls/endpoint.hpp"
#include "keyway/dtls/handshake_context.hpp"
#include "keyway/dtls/handshake_header.hpp"
#include "keyway/dtls/v13/endpoint.hpp"

namespace keyway::dtls {

namespace {
constexpr Error kNoMemory = make_error(Layer::dtls, Code::capacity, "dtls: out of memory for the DTLS 1.3 engine");
constexpr Error kDowngrade = make_error(Layer::dtls, Code::illegal_parameter, "dtls server_hello: a DTLS 1.3 server chose 1.2 for a ClientHello offering 1.3 (downgrade sentinel, RFC 8446 §4.1.3)");
constexpr Error kAfterCookie = make_error(Layer::dtls, Code::unsupported, "dtls server_hello: DTLS 1.3 chosen after a HelloVerifyRequest");

// A message the 1.2 engine reassembled, as one epoch-0 record with one
// fragment: how it reaches the 1.3 engine. Returns the datagram (in heap
// memory the caller frees) or an empty span.
MutableBytes whole_message_datagram(HandshakeType type, uint64_t record_seq, Bytes body, uint16_t msg_seq = 0) {
  const std::size_t size = kRecordHeaderSize + kHandshakeHeaderSize + body.size();
  auto* buf = new (std::nothrow) uint8_t[size];
  if (buf == nullptr) return {};
  ByteWriter w(MutableBytes(buf, size));
  w.write_u8(static_cast<uint8_t>(ContentType::handshake));
  w.write_u16(kVersionDtls12);
  w.write_u16(0);  // epoch 0
  w.write_u48(record_seq);
  w.write_u16(static_cast<uint16_t>(kHandshakeHeaderSize + body.size()));
  write_handshake_header(w, static_cast<uint8_t>(type), static_cast<uint32_t>(body.size()), msg_seq, 0,
                         static_cast<uint32_t>(body.size()));
  w.write_bytes(body);
  return MutableBytes(buf, size);
}
}  // namespace

// The 1.3 engine once 1.3 was chosen: a client's engine that only lent its
// key share to the ClientHello is still in client_start.
v13::Endpoint* Endpoint::dtls13_in_use() const {
  if (dtls13_in_charge_) return dtls13_;
  if (!hs_ || !hs_->dtls13 || hs_->dtls13->state() == v13::State::client_start) return nullptr;
  return hs_->dtls13;
}

// The 1.3 suites in the 1.2 suite table's shape, for negotiated_suite()
// (RFC 8446 §B.4; key_len and fixed_iv_len as RFC 8446 §5.3 uses them).
const SuiteInfo kDtls13SuiteInfo[] = {
    {static_cast<CipherSuite>(0x1301), AeadKind::aes128_gcm, crypto::HashAlg::sha256, true, 16, 12, "TLS_AES_128_GCM_SHA256"},
    {static_cast<CipherSuite>(0x1302), AeadKind::aes256_gcm, crypto::HashAlg::sha384, true, 32, 12, "TLS_AES_256_GCM_SHA384"},
    {static_cast<CipherSuite>(0x1303), AeadKind::chacha20_poly1305, crypto::HashAlg::sha256, true, 32, 12,
     "TLS_CHACHA20_POLY1305_SHA256"},
};

const SuiteInfo* Endpoint::negotiated_suite() const {
  const v13::Endpoint* e = dtls13();
  if (e == nullptr) return suite_;
  const v13::Suite* s = e->negotiated_suite();
  if (s == nullptr) return nullptr;
  for (const SuiteInfo& info : kDtls13SuiteInfo)
    if (static_cast<uint16_t>(info.suite) == s->id) return &info;
  return nullptr;
}

v13::Endpoint* Endpoint::dtls13_held() const {
  if (dtls13_in_charge_) return dtls13_;
  return hs_ ? hs_->dtls13 : nullptr;
}

// The 1.3 engine took over: it moves out of the 1.2 context, which goes
// (nothing of the 1.2 handshake is needed any more). peer_cert_ is null:
// no 1.2 Certificate comes before the hello that chose 1.3.
void Endpoint::release_dtls12_for_dtls13() {
  if (dtls13_in_charge_ || !hs_ || !hs_->dtls13 || peer_cert_ != nullptr) return;
  dtls13_ = hs_->dtls13;
  hs_->dtls13 = nullptr;
  dtls13_in_charge_ = true;
  delete hs_;
  hs_ = nullptr;
}

uint16_t Endpoint::version() const { return dtls13() ? v13::kVersionDtls13 : kVersionDtls12; }

const char* Endpoint::suite_name() const {
  const SuiteInfo* s = negotiated_suite();
  return s != nullptr ? s->iana_name : nullptr;
}

const Stats& Endpoint::stats() const {
  if (const v13::Endpoint* e = dtls13()) return e->stats();
  return stats_;
}

Bytes Endpoint::peer_certificate() const {
  if (const v13::Endpoint* e = dtls13()) return e->peer_certificate();
  return Bytes(peer_cert_, peer_cert_len_);
}

// What callers read from the Endpoint's own fields follows the 1.3 engine.
void Endpoint::sync_dtls13_state() {
  const v13::Endpoint& e = *dtls13();
  switch (e.state()) {
    case v13::State::established: state_ = HandshakeState::established; break;
    case v13::State::closed: state_ = HandshakeState::closed; break;
    case v13::State::failed: state_ = HandshakeState::failed; break;
    default:
      state_ = is_client() ? HandshakeState::client_wait_server_flight
                                     : HandshakeState::server_wait_client_flight;
  }
  srtp_profile_ = e.srtp_profile();
  srtp_mki_len_ = 0;
  // The key log names the hello the handshake used: a damaged copy handed
  // over first, then retaken (v13/peer_flight.cpp), had another random.
  // None once the exporter secret was released (release_exporter).
  if (const Bytes r = e.answered_client_random(); r.size() == kRandomSize && secret_ != nullptr)
    std::memcpy(secret_->client_random, r.data(), kRandomSize);
}

// A server answers in 1.3 only without the 1.2 cookie round: a
// HelloVerifyRequest cannot front a 1.3 handshake. An Endpoint with
// cookie_exchange is a 1.2 server (no downgrade sentinel either); 1.3's
// stateless cookie, in a HelloRetryRequest, is dtls::Listener's
// (dtls/v13/retry.hpp), which creates its Endpoints without cookie_exchange.
bool Endpoint::server_speaks_dtls13() const { return hs_->config.offer_dtls13 && !hs_->config.cookie_exchange; }

Status Endpoint::create_dtls13() {
  if (hs_->dtls13) return ok_status();
  // The timer as set_rtt_estimate() left it: a server makes this engine
  // only when the ClientHello arrives, after the RTT came from ICE.
  Config config = hs_->config;
  config.initial_timeout = hs_->timer.initial;
  hs_->dtls13 = new (std::nothrow) v13::Endpoint(config);
  ENSURE(hs_->dtls13 != nullptr, kNoMemory);
  if (hs_->has_expected_fp) hs_->dtls13->set_remote_fingerprint(hs_->expected_fp);
  return ok_status();
}

// RFC 8446 §4.2.1, §4.2.8: supported_versions (1.3, 1.2) and an x25519 key_share.
Status Endpoint::write_dtls13_offer(ByteWriter& w) {
  TRY(create_dtls13());
  auto share = hs_->dtls13->prepare_client_key_share();
  if (!share.ok()) return share.error();
  w.write_u16(v13::kExtSupportedVersions);
  auto versions = w.begin_prefixed16();
  v13::write_client_supported_versions(w, v13::OfferedVersions{true, true});
  w.end_prefixed(versions);
  w.write_u16(v13::kExtKeyShare);
  auto shares = w.begin_prefixed16();
  const v13::KeyShareEntry entry{crypto::NamedGroup::x25519, *share};
  v13::write_client_key_shares(w, std::span<const v13::KeyShareEntry>(&entry, 1));
  w.end_prefixed(shares);
  return ok_status();
}

Status Endpoint::client_hand_over_to_dtls13(Bytes server_hello) {
  ENSURE(hs_->cookie_len == 0, kAfterCookie);  // a 1.3 server asks with HelloRetryRequest, not this
  const Bytes client_hello = hs_->flight.message(0).subspan(kHandshakeHeaderSize);
  TRY(hs_->dtls13->adopt_client_hello(now_, client_hello));
  MutableBytes d = whole_message_datagram(HandshakeType::server_hello, hs_->rx_record_seq, server_hello);
  ENSURE(!d.empty(), kNoMemory);
  hs_->dtls13->hold_handed_over(d);  // read once this context is gone (Endpoint::handle_datagram)
  hs_->timer.stop();
  hs_->flight.clear();
  return ok_status();
}

Status Endpoint::client_check_downgrade(Bytes server_hello) {
  // ServerHello: legacy_version (2 bytes), then the random.
  if (server_hello.size() < 2 + kRandomSize) return ok_status();  // the 1.2 parser reports it
  ENSURE(v13::read_downgrade_sentinel(server_hello.subspan(2, kRandomSize)) == v13::Downgrade::none, kDowngrade);
  return ok_status();
}

Status Endpoint::server_hand_over_to_dtls13(Bytes client_hello, uint16_t msg_seq) {
  TRY(create_dtls13());
  if (msg_seq != 0) TRY(hs_->dtls13->accept_stateless_retry());  // ClientHello2 behind a Listener
  // The key log names the association by ClientHello.random (dtls/key_log.cpp):
  // legacy_version (2 bytes), then the random.
  if (client_hello.size() >= 2 + kRandomSize) std::memcpy(secret_->client_random, client_hello.data() + 2, kRandomSize);
  MutableBytes d = whole_message_datagram(HandshakeType::client_hello, hs_->rx_record_seq, client_hello, msg_seq);
  ENSURE(!d.empty(), kNoMemory);
  hs_->dtls13->hold_handed_over(d);  // read once this context is gone (Endpoint::handle_datagram)
  hs_->timer.stop();
  return ok_status();
}

}  // namespace keyway::dtls
