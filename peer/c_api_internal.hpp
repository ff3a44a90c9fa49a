// SPDX-License-Identifier: Apache-2.0
// What the opaque handles of keyway.h hold (peer/c_api*.cpp only; not
// installed). A keyway_config keeps settings as plain values and owned
// text; a keyway_connection copies them and points its peer::Config at the
// copy, so nothing it uses lives in the caller's memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "keyway/dtls/x509/certificate.hpp"
#include "keyway/keyway.h"
#include "keyway/lib/crypto/drbg.hpp"
#include "keyway/lib/result.hpp"
#include "keyway/peer/connection.hpp"

namespace keyway::capi {

constexpr std::size_t kMaxCodecs = 8;

// One codec as the caller named it, with its text owned here.
struct CodecSetting {
  char name[32] = {};
  char fmtp[160] = {};
  uint32_t clock_rate = 0;
  uint8_t channels = 1;
  uint8_t payload_type = 0;
};

// The codecs of one media kind; `is_default` until the caller adds one.
struct CodecList {
  CodecSetting items[kMaxCodecs];
  std::size_t count = 0;
  bool is_default = true;
};

// Everything a connection copies from its config.
struct Settings {
  peer::Config config;  // scalars only: spans, identity and rngs are set per connection
  SocketAddr stun_servers[ice::kMaxStunServers];
  std::size_t stun_server_count = 0;
  CodecList audio, video;
  char cname[64] = "keyway";
};

// Fills a keyway_error from an Error; returns its code.
int set_error(keyway_error& out, const Error& e);
int set_error(keyway_error& out, Layer layer, Code code, const char* detail);
inline int clear_error(keyway_error& out) {
  out = keyway_error{};
  return KEYWAY_OK;
}

SocketAddr to_socket_addr(const keyway_addr& a);
keyway_addr to_c_addr(const SocketAddr& a);

}  // namespace keyway::capi

struct keyway_config {
  keyway_error error{};
  keyway::crypto::DrbgRng seeds;  // seeds the identity and each connection's DRBGs
  bool seeded = false;
  keyway::dtls::Identity identity;
  bool has_identity = false;
  char fingerprint[160] = {};
  keyway::capi::Settings settings;
  // Connections made from this config (they share its identity): the
  // config is freed with the last of them once keyway_config_free was called.
  std::size_t connections = 0;
  bool free_requested = false;
};

struct keyway_connection {
  keyway_config* owner = nullptr;
  keyway::capi::Settings settings;
  keyway::sdp::Codec audio[keyway::capi::kMaxCodecs];
  keyway::sdp::Codec video[keyway::capi::kMaxCodecs];
  keyway::crypto::DrbgRng public_rng, secret_rng;
  std::optional<keyway::peer::Connection> conn;  // made once the above are in place
  keyway_error error{};
};
