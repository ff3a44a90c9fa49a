// SPDX-License-Identifier: Apache-2.0
// Endpoint: construction, record input (RFC 6347 §4.1), alerts, CCS and
// application data. Handshake records are taken apart in handshake_input.cpp;
// outputs, events, timers and memory release are in endpoint_output.cpp; the
// handshake logic in client.cpp, server.cpp, handshake_common.cpp.
#include "keyway/dtls/endpoint.hpp"

#include <cstring>
#include <new>

#include "keyway/dtls/handshake_context.hpp"
#include "keyway/dtls/v13/endpoint.hpp"
#include "keyway/dtls/handshake_header.hpp"

namespace keyway::dtls {

namespace {
constexpr Error kNoServerRole =
    make_error(Layer::dtls, Code::invalid_argument, "dtls: the server role is not in this build (device profile)");
constexpr Error kNoMemory = make_error(Layer::dtls, Code::capacity, "dtls: out of memory for the handshake context");
constexpr Error kPeerAlert = make_error(Layer::dtls, Code::handshake_failure, "dtls: peer sent a fatal alert");
constexpr Error kAlertDecode = make_error(Layer::dtls, Code::decode_error, "dtls alert: record is not a 2-byte alert");
constexpr Error kNotThePeerCertificate = make_error(Layer::dtls, Code::bad_state, "dtls: accepted certificate is not the peer certificate of this handshake");

constexpr uint16_t kDefaultSuites[] = {0xC02B, 0xC02C, 0xCCA9, 0xC02F, 0xC030, 0xCCA8};
// RFC 8422 §5.1.1 / RFC 8446 §4.2.7 NamedGroup, preference order.
constexpr uint16_t kDefaultGroups[] = {static_cast<uint16_t>(crypto::NamedGroup::x25519),
                                       static_cast<uint16_t>(crypto::NamedGroup::secp256r1),
                                       static_cast<uint16_t>(crypto::NamedGroup::secp384r1)};

std::size_t clamp_mtu(std::size_t mtu) { return mtu < 128 ? 128 : mtu > 1500 ? 1500 : mtu; }
}  // namespace

Endpoint::Endpoint(const Config& config)
    : trace_(config.trace),
      mtu_(static_cast<uint16_t>(clamp_mtu(config.mtu))),
      role_(config.role),
      state_(config.role == Role::client ? HandshakeState::client_start : HandshakeState::server_wait_client_hello) {
  if (!profile::kDtlsServer && config.role == Role::server) {  // lib/profile.hpp: client role only
    fail(kNoServerRole, AlertDescription::internal_error);
    return;
  }
  hs_ = new (std::nothrow) HandshakeContext(config);
  secret_ = new (std::nothrow) ExporterSecret;
  if (hs_ == nullptr || secret_ == nullptr || !hs_->allocate_buffers()) {
    fail(kNoMemory, AlertDescription::internal_error);
    return;
  }
  Config& c = hs_->config;
  if (c.cipher_suites.count == 0)
    for (uint16_t s : kDefaultSuites) c.cipher_suites.push(s);
  if (c.groups.count == 0)
    for (uint16_t g : kDefaultGroups) c.groups.push(g);
  c.mtu = mtu_;
  hs_->timer.initial = c.initial_timeout;
  hs_->timer.maximum = c.max_timeout;
  hs_->timer.max_retransmits = c.max_retransmits;
  // The server's cookie secret (RFC 6347 §4.2.1); none in a client-only build.
  if (profile::kDtlsServer && c.role == Role::server && c.rng) hs_->cookies.init(*c.rng);
}

Endpoint::~Endpoint() {
  if (secret_ != nullptr) crypto::secure_zero(secret_, sizeof *secret_);
  delete secret_;
  delete hs_;
  if (profile::kDtls13 && dtls13_in_charge_) delete dtls13_;
  else if (peer_cert_) delete[] peer_cert_;
}

void Endpoint::set_remote_fingerprint(const Fingerprint& fp) {
  if (v13::Endpoint* e = dtls13_engine()) e->set_remote_fingerprint(fp);
  if (!hs_) return;  // too late: the certificate was already delivered
  hs_->expected_fp = fp;
  hs_->has_expected_fp = true;
}

Status Endpoint::accept_peer_certificate(Bytes der) {
  if (v13::Endpoint* e = dtls13()) return e->accept_peer_certificate(der);
  bool same = peer_cert_ != nullptr && der.size() == peer_cert_len_ && std::memcmp(der.data(), peer_cert_, der.size()) == 0;
  ENSURE(same, kNotThePeerCertificate);
  cert_accepted_ = true;
  return ok_status();
}

void Endpoint::set_rtt_estimate(Duration rtt) {
  if (v13::Endpoint* e = dtls13_engine()) e->set_rtt_estimate(rtt);
  if (!hs_) return;
  Duration t = rtt * 2;
  if (t < Duration::millis(50)) t = Duration::millis(50);
  if (t > Duration::seconds(3)) t = Duration::seconds(3);
  hs_->timer.initial = t;
}

Duration Endpoint::initial_retransmission_timeout() const { return hs_ ? hs_->timer.initial : Duration::micros(0); }

// ---- input -----------------------------------------------------------------

Verdict Endpoint::handle_datagram(Timestamp now, MutableBytes datagram) {
  clamp_time(now_, now);  // time never goes backwards (lib/sans_io.hpp)
  if (v13::Endpoint* e = dtls13()) {
    Verdict v = e->handle_datagram(now_, datagram);
    sync_dtls13_state();
    return v;
  }
  Verdict v = handle_datagram_dtls12(datagram);
  if (v13::Endpoint* e = dtls13()) {  // this datagram chose DTLS 1.3 (negotiation.cpp)
    // The 1.2 context goes first, then the 1.3 engine reads the hello handed
    // over to it: the handshake's peak does not hold both.
    release_dtls12_for_dtls13();
    e->read_handed_over(now_);
    // The client's ServerHello may share its datagram with the 1.3 records
    // that follow it (the 1.2 engine stopped at them): the 1.3 engine reads
    // it again, and takes the ServerHello as a repeat.
    if (is_client()) (void)e->handle_datagram(now_, datagram);
    sync_dtls13_state();
  }
  return v;
}

Verdict Endpoint::handle_datagram_dtls12(MutableBytes datagram) {
  release_handshake_memory();
  drop_stale_app_data(datagram);
  if (state_ == HandshakeState::failed || state_ == HandshakeState::closed) return Verdict::discarded;
  maybe_start();
  ByteReader r(datagram);
  bool any = false;
  while (!r.at_end() && state_ != HandshakeState::failed) {
    std::size_t at = datagram.size() - r.remaining();
    auto rec = read_record(r);
    if (!rec.ok()) {  // the rest of the datagram cannot be framed
      ++stats_.records_malformed;
      break;
    }
    ++stats_.records_received;
    if (rec->epoch > 1 || (rec->epoch == 1 && !read_cipher_.ready())) {
      ++stats_.records_unknown_epoch;
      continue;
    }
    ReplayWindow& window = read_window_[rec->epoch];
    if (rec->epoch == 0 ? window.seen(rec->seq) : window.should_discard(rec->seq)) {  // before authentication
      ++stats_.records_replayed;
      continue;
    }
    Bytes payload = rec->fragment;
    if (rec->epoch == 1) {
      auto plain = read_cipher_.open_in_place(*rec, datagram.subspan(at + kRecordHeaderSize, rec->fragment.size()));
      if (!plain.ok()) {
        ++stats_.records_auth_failed;
        continue;
      }
      payload = *plain;
    }
    window.mark(rec->seq);  // only after authentication
    if (hs_) hs_->rx_record_seq = rec->seq;
    any = true;
    process_record(*rec, payload);
  }
  if (state_ == HandshakeState::failed) return Verdict::fatal;
  if (any && hs_ && datagram.size() > hs_->peer_datagram_max)
    hs_->peer_datagram_max = static_cast<uint16_t>(datagram.size() < UINT16_MAX ? datagram.size() : UINT16_MAX);
  return any ? Verdict::accepted : Verdict::discarded;
}

void Endpoint::process_record(const Record& rec, Bytes payload) {
  switch (static_cast<ContentType>(rec.type)) {
    case ContentType::handshake:
      process_handshake_record(rec.epoch, payload);
      return;
    case ContentType::alert:
      // Plaintext alerts are ignored once the peer switched to epoch 1 (or
      // proved it did, with its Finished): they could be forged.
      if (rec.epoch == 0 && (peer_ccs_ || state_ == HandshakeState::established)) return;
      if (rec.epoch == 1) final_.held = false;  // the client got our Finished
      process_alert(rec.epoch, payload);
      return;
    case ContentType::change_cipher_spec:
      process_ccs(rec.epoch, payload);
      return;
    case ContentType::application_data:
      if (rec.epoch == 1) process_app_data(payload);
      return;
  }
}

void Endpoint::process_alert(uint16_t epoch, Bytes payload) {
  ByteReader r(payload);
  uint8_t level = 0, desc = 0;
  if (!r.read_u8(level) || !r.read_u8(desc) || !r.at_end()) {
    // RFC 6347 §4.1.2.7: an invalid plaintext record is discarded (a bit
    // flipped in a handshake record's type byte makes one of these).
    if (epoch == 0) {
      ++stats_.records_malformed;
      return;
    }
    fail(kAlertDecode, AlertDescription::decode_error);
    return;
  }
  auto alert = static_cast<AlertDescription>(desc);
  push_event(EventKind::alert_received, 0, 0, static_cast<AlertLevel>(level), alert);
  if (desc == static_cast<uint8_t>(AlertDescription::close_notify)) {
    state_ = HandshakeState::closed;
    if (hs_) hs_->timer.stop();
    push_event(EventKind::closed);
    return;
  }
  if (level == static_cast<uint8_t>(AlertLevel::fatal)) {
    state_ = HandshakeState::failed;
    if (hs_) hs_->timer.stop();
    error_ = kPeerAlert;
    push_event(EventKind::failure, 0, 0, AlertLevel::fatal, alert);
  }
}

void Endpoint::process_ccs(uint16_t epoch, Bytes payload) {
  // RFC 5246 §7.1: a single byte of value 1, sent in the old epoch.
  if (epoch != 0 || payload.size() != 1 || payload[0] != kChangeCipherSpecByte) return;
  if (read_cipher_.ready()) peer_ccs_ = true;
}

void Endpoint::process_app_data(Bytes payload) {
  // Application data before our handshake completed cannot be trusted yet.
  if (state_ != HandshakeState::established) return;
  final_.held = false;  // RFC 6347 §4.2.4: the client has our Finished
  // Nor before the peer's identity is accepted (gated as the exporter is).
  if (!cert_accepted_) {
    ++stats_.app_data_unaccepted;
    return;
  }
  // payload lies inside the datagram being handled (decrypted in place).
  auto offset = static_cast<uint16_t>(payload.data() - event_base_);
  push_event(EventKind::application_data, offset, static_cast<uint16_t>(payload.size()));
}

}  // namespace keyway::dtls
