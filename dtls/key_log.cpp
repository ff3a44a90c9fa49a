// SPDX-License-Identifier: Apache-2.0
// The NSS key log line of an association (issue 15: captures that Wireshark
// decrypts). Format: "CLIENT_RANDOM <ClientHello.random> <master_secret>",
// both in lowercase hex, as NSS, OpenSSL and BoringSSL write SSLKEYLOGFILE.
#include <cstring>

#include "keyway/dtls/endpoint.hpp"
#include "keyway/lib/hex.hpp"

namespace keyway::dtls {
namespace {
constexpr Error kNotEstablished = make_error(Layer::dtls, Code::bad_state, "dtls key log: handshake not complete");
constexpr Error kNotAccepted = make_error(Layer::dtls, Code::bad_state, "dtls key log: peer certificate not accepted yet");
constexpr Error kTooSmall = make_error(Layer::dtls, Code::buffer_too_small, "dtls key log: buffer too small");
constexpr char kLabel[] = "CLIENT_RANDOM ";
constexpr Error kDtls13 = make_error(Layer::dtls, Code::unsupported, "dtls key log: not written for DTLS 1.3 yet");
}  // namespace

Status Endpoint::format_key_log(char* out, std::size_t out_len) const {
  ENSURE(version() == kVersionDtls12, kDtls13);  // 1.3 secrets have other key log lines, not written yet
  ENSURE(state_ == HandshakeState::established, kNotEstablished);
  ENSURE(cert_accepted_, kNotAccepted);  // as the exporter: keys of an unverified peer stay inside
  ENSURE(out_len >= kKeyLogLineSize, kTooSmall);
  std::size_t at = sizeof kLabel - 1;
  std::memcpy(out, kLabel, at);
  at += to_hex(Bytes(client_random_, kRandomSize), out + at, out_len - at);
  out[at++] = ' ';
  at += to_hex(Bytes(master_, kMasterSecretSize), out + at, out_len - at);
  out[at++] = '\n';
  out[at] = '\0';
  return ok_status();
}

}  // namespace keyway::dtls
