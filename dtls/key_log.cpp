// SPDX-License-Identifier: Apache-2.0
// The NSS key log lines of an association (issue 15: captures that Wireshark
// decrypts; issue 18: DTLS 1.3). Every secret in lowercase hex after the
// ClientHello.random, as NSS, OpenSSL and BoringSSL write SSLKEYLOGFILE:
//   DTLS 1.2: CLIENT_RANDOM <random> <master_secret>
//   DTLS 1.3: CLIENT_HANDSHAKE_TRAFFIC_SECRET, SERVER_HANDSHAKE_TRAFFIC_SECRET,
//             CLIENT_TRAFFIC_SECRET_0, SERVER_TRAFFIC_SECRET_0, EXPORTER_SECRET
//             (the RFC 8446 §7.1 secrets: epoch 2, epoch 3, the exporter)
#include <cstring>

#include "keyway/dtls/endpoint.hpp"
#include "keyway/dtls/v13/endpoint.hpp"
#include "keyway/dtls/v13/handshake_state.hpp"
#include "keyway/lib/hex.hpp"

namespace keyway::dtls {
namespace {
constexpr Error kNotEstablished = make_error(Layer::dtls, Code::bad_state, "dtls key log: handshake not complete");
constexpr Error kNotAccepted = make_error(Layer::dtls, Code::bad_state, "dtls key log: peer certificate not accepted yet");
constexpr Error kReleased = make_error(Layer::dtls, Code::bad_state,
                                       "dtls key log: the 1.3 handshake secrets were released (set Config.keep_key_log)");
constexpr Error kExporterReleased = make_error(Layer::dtls, Code::bad_state,
                                                "dtls key log: the exporter secret was released (release_exporter)");
constexpr Error kTooSmall = make_error(Layer::dtls, Code::buffer_too_small, "dtls key log: buffer too small");
constexpr char kLabel[] = "CLIENT_RANDOM ";

struct Line13 {
  const char* label;
  v13::Endpoint::KeyLogSecret secret;
};
constexpr Line13 kLines13[] = {
    {"CLIENT_HANDSHAKE_TRAFFIC_SECRET", v13::Endpoint::KeyLogSecret::client_handshake},
    {"SERVER_HANDSHAKE_TRAFFIC_SECRET", v13::Endpoint::KeyLogSecret::server_handshake},
    {"CLIENT_TRAFFIC_SECRET_0", v13::Endpoint::KeyLogSecret::client_application},
    {"SERVER_TRAFFIC_SECRET_0", v13::Endpoint::KeyLogSecret::server_application},
    {"EXPORTER_SECRET", v13::Endpoint::KeyLogSecret::exporter},
};

// "<label> <client random hex> <secret hex>\n" at out + at; false when it does not fit.
bool append_line(char* out, std::size_t out_len, std::size_t& at, const char* label, Bytes random, Bytes secret) {
  const std::size_t label_len = std::strlen(label);
  if (at + label_len + 1 + 2 * random.size() + 1 + 2 * secret.size() + 2 > out_len) return false;
  std::memcpy(out + at, label, label_len);
  at += label_len;
  out[at++] = ' ';
  at += to_hex(random, out + at, out_len - at);
  out[at++] = ' ';
  at += to_hex(secret, out + at, out_len - at);
  out[at++] = '\n';
  out[at] = '\0';
  return true;
}
}  // namespace

// The DTLS 1.3 lines: the five secrets, keyed by the ClientHello.random
// this endpoint kept (it wrote the ClientHello, or handed it over).
Status Endpoint::format_key_log13(char* out, std::size_t out_len) const {
  std::size_t at = 0;
  for (const Line13& l : kLines13) {
    auto secret = dtls13()->key_log_secret(l.secret);
    if (!secret.ok()) return secret.error();
    ENSURE(append_line(out, out_len, at, l.label, Bytes(secret_->client_random, kRandomSize), *secret), kTooSmall);
  }
  return ok_status();
}

Status Endpoint::format_key_log(char* out, std::size_t out_len) const {
  ENSURE(secret_ != nullptr, kExporterReleased);  // both versions key their lines by the client random
  if (version() != kVersionDtls12) return format_key_log13(out, out_len);
  ENSURE(state_ == HandshakeState::established, kNotEstablished);
  ENSURE(cert_accepted_, kNotAccepted);  // as the exporter: keys of an unverified peer stay inside
  ENSURE(out_len >= kKeyLogLineSize, kTooSmall);
  std::size_t at = sizeof kLabel - 1;
  std::memcpy(out, kLabel, at);
  at += to_hex(Bytes(secret_->client_random, kRandomSize), out + at, out_len - at);
  out[at++] = ' ';
  at += to_hex(Bytes(secret_->master, kMasterSecretSize), out + at, out_len - at);
  out[at++] = '\n';
  out[at] = '\0';
  return ok_status();
}

}  // namespace keyway::dtls

namespace keyway::dtls::v13 {

Result<Bytes> Endpoint::key_log_secret(KeyLogSecret which) const {
  ENSURE(state_ == State::established, kNotEstablished);
  ENSURE(cert_accepted_, kNotAccepted);  // as the exporter
  if (which == KeyLogSecret::exporter) return exporter_secret_.view();
  // The other four live in the handshake state; once it is released, only
  // Config.keep_key_log has kept them.
  if (hs_ == nullptr) {
    ENSURE(kept_key_log_ != nullptr, kReleased);
    return kept_key_log_[static_cast<std::size_t>(which)].view();
  }
  switch (which) {
    case KeyLogSecret::client_handshake: return hs_->client_handshake_secret.view();
    case KeyLogSecret::server_handshake: return hs_->server_handshake_secret.view();
    case KeyLogSecret::client_application: return hs_->client_application_secret.view();
    case KeyLogSecret::server_application: return hs_->server_application_secret.view();
    case KeyLogSecret::exporter: break;
  }
  return kNotEstablished;
}

}  // namespace keyway::dtls::v13
