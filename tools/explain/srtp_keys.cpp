// SPDX-License-Identifier: Apache-2.0
// SRTP/SRTCP decryption for `keyway explain` (see srtp_keys.hpp).
#include "tools/explain/srtp_keys.hpp"

#include <fmt/core.h>

#include "keyway/lib/hex.hpp"
#include "keyway/srtp/keying.hpp"
#include "keyway/srtp/rtp_header.hpp"
#include "tools/srtp_names.hpp"

namespace keyway::explain {
namespace {

// A profile by OpenSSL's or the RFC name (tools/srtp_names.hpp) or by its
// DTLS-SRTP id in hex, "0x0007"; 0 when none.
uint16_t profile_id(std::string_view name) {
  if (uint16_t id = tools::srtp_profile_id(name); id != 0) return id;
  for (const tools::SrtpProfileName& n : tools::kOpensslSrtpNames)
    if (name == fmt::format("0x{:04x}", n.dtls_id)) return n.dtls_id;
  return 0;
}

}  // namespace

bool parse_srtp_keys(std::string_view text, SrtpKeys& out, std::string& error) {
  std::size_t colon = text.find(':');
  if (colon == std::string_view::npos) {
    error = "--srtp PROFILE:EXPORTER_HEX (as keyway dtls prints srtp_profile= and exporter=)";
    return false;
  }
  std::string_view name = text.substr(0, colon), hex = text.substr(colon + 1);
  uint16_t id = profile_id(name);
  auto profile = id != 0 ? srtp::profile_from_dtls_id(id) : Result<srtp::Profile>(Error{});
  if (!profile.ok()) {
    error = "--srtp: unknown SRTP profile " + std::string(name);
    return false;
  }
  out.profile = *profile;
  out.material.assign(srtp::dtls_srtp_material_len(out.profile), 0);
  auto n = from_hex(hex.data(), hex.size(), out.material);
  if (!n.ok() || *n != out.material.size()) {
    error = "--srtp: the exporter output of " + std::string(name) + " is " +
            std::to_string(out.material.size()) + " bytes in hex";
    return false;
  }
  return true;
}

// RFC 5764 §4.2: the client's write key protects what the client sends; an
// inbound session with it opens those packets (the same for the server).
bool SrtpDecryptor::init(const SrtpKeys& keys, std::string& error) {
  Bytes material(keys.material.data(), keys.material.size());
  auto as_server = srtp::split_dtls_srtp_material(keys.profile, material, false);  // remote = the client's
  auto as_client = srtp::split_dtls_srtp_material(keys.profile, material, true);   // remote = the server's
  if (!as_server.ok() || !as_client.ok()) {
    error = "--srtp: keying material does not fit the profile";
    return false;
  }
  srtp::SessionConfig c;
  c.profile = keys.profile;
  c.direction = srtp::Direction::inbound;
  c.replay_protection = false;  // a capture may hold retransmissions: explain them all
  from_client_ = std::make_unique<srtp::Session>();
  from_server_ = std::make_unique<srtp::Session>();
  if (!from_client_->init(c, as_server->remote_key, as_server->remote_salt).ok() ||
      !from_server_->init(c, as_client->remote_key, as_client->remote_salt).ok()) {
    error = "--srtp: the SRTP session refused the keys";
    return false;
  }
  return true;
}

std::optional<SrtpPlain> SrtpDecryptor::open(Bytes packet, bool rtcp) {
  if (!from_client_) return std::nullopt;
  for (srtp::Session* s : {from_client_.get(), from_server_.get()}) {
    SrtpPlain p;
    p.bytes.assign(packet.begin(), packet.end());
    auto n = rtcp ? s->unprotect_rtcp(MutableBytes(p.bytes.data(), p.bytes.size()), p.bytes.size())
                  : s->unprotect_rtp(MutableBytes(p.bytes.data(), p.bytes.size()), p.bytes.size());
    if (!n.ok()) continue;
    p.trailer = packet.size() - *n;
    p.bytes.resize(*n);
    p.sender = s == from_client_.get() ? "DTLS client" : "DTLS server";
    if (!rtcp) {
      auto h = srtp::parse_rtp_header(Bytes(p.bytes.data(), p.bytes.size()));
      auto roc = h.ok() ? s->roc(h->ssrc) : Result<uint32_t>(Error{});
      p.roc = roc.ok() ? *roc : 0;
    }
    return p;
  }
  return std::nullopt;
}

std::optional<SrtpPlain> SrtpDecryptor::rtp(Bytes packet) { return open(packet, false); }
std::optional<SrtpPlain> SrtpDecryptor::rtcp(Bytes packet) { return open(packet, true); }

}  // namespace keyway::explain
