// SPDX-License-Identifier: Apache-2.0
// keyway.h: errors, addresses and keyway_config (settings, randomness, identity).
#include <cstdio>
#include <cstring>
#include <new>
#include <string_view>

#include "keyway/dtls/x509/pem.hpp"
#include "keyway/lib/crypto/ct.hpp"
#include "keyway/peer/c_api_internal.hpp"
// Generated in the build directory; tools/cross_check.sh compiles sources outside a build.
#if __has_include("keyway/version.hpp")
#include "keyway/version.hpp"
#else
#define KEYWAY_VERSION_STRING "unknown"
#endif

using namespace keyway;
using keyway::capi::CodecList;
using keyway::capi::CodecSetting;

namespace keyway::capi {

int set_error(keyway_error& out, const Error& e) {
  out.code = static_cast<int>(e.code);
  out.layer = static_cast<int>(e.layer);
  format_error(e, out.text, sizeof out.text);
  return out.code;
}

int set_error(keyway_error& out, Layer layer, Code code, const char* detail) {
  return set_error(out, make_error(layer, code, detail));
}

SocketAddr to_socket_addr(const keyway_addr& a) {
  SocketAddr s;
  s.family = a.family == 6 ? Family::v6 : Family::v4;
  std::memcpy(s.ip, a.ip, sizeof s.ip);
  s.port = a.port;
  return s;
}

keyway_addr to_c_addr(const SocketAddr& s) {
  keyway_addr a{};
  a.family = s.family == Family::v6 ? 6 : 4;
  std::memcpy(a.ip, s.ip, sizeof a.ip);
  a.port = s.port;
  return a;
}

}  // namespace keyway::capi

namespace {

// keyway.h's numbers are the C++ enums' values.
static_assert(KEYWAY_ERR_CAPACITY == static_cast<int>(Code::capacity));
static_assert(KEYWAY_ERR_NO_PATH == static_cast<int>(Code::no_path));
static_assert(KEYWAY_LAYER_DTLS == static_cast<int>(Layer::dtls));
static_assert(KEYWAY_LAYER_PEER == static_cast<int>(Layer::peer));

using keyway::capi::set_error;

constexpr Error kNullArgument = make_error(Layer::peer, Code::invalid_argument, "c api: a required argument is NULL");

// Copies text into a fixed field; false when it does not fit (NUL included).
template <std::size_t N>
bool copy_text(char (&field)[N], const char* text) {
  std::size_t n = text ? std::strlen(text) : 0;
  if (n >= N) return false;
  if (n > 0) std::memcpy(field, text, n);
  field[n] = '\0';
  return true;
}

void add_default_opus(CodecList& audio) {
  CodecSetting& opus = audio.items[0];
  (void)copy_text(opus.name, "opus");
  (void)copy_text(opus.fmtp, "minptime=10;useinbandfec=1");
  opus.clock_rate = 48000;
  opus.channels = 2;
  opus.payload_type = 111;
  audio.count = 1;
}

void remember_fingerprint(keyway_config* cfg) {
  dtls::Fingerprint fp = dtls::fingerprint(dtls::FingerprintHash::sha256, cfg->identity.certificate_der());
  int n = std::snprintf(cfg->fingerprint, sizeof cfg->fingerprint, "sha-256 ");
  dtls::format_fingerprint(fp, cfg->fingerprint + n, sizeof cfg->fingerprint - static_cast<std::size_t>(n));
}

bool valid_limit(int limit, std::size_t value) {
  switch (limit) {
    case KEYWAY_LIMIT_DTLS_MAX_HANDSHAKE_MESSAGE: return value >= 256;
    case KEYWAY_LIMIT_DTLS_MAX_REASSEMBLY: return value >= 256;
    case KEYWAY_LIMIT_DTLS_MTU: return value >= 256 && value <= 65507;
    case KEYWAY_LIMIT_SRTP_MAX_STREAMS: return value >= 1 && value <= 65536;
    case KEYWAY_LIMIT_SRTP_REPLAY_WINDOW: return value >= 64 && value <= 32768 && value % 64 == 0;  // srtp/session.hpp
    case KEYWAY_LIMIT_SDP_ARENA: return value >= 1024;
    default: return false;
  }
}

// The Config field behind a KEYWAY_LIMIT_* (nullptr: no such limit).
std::size_t* limit_field(peer::Config& c, int limit) {
  switch (limit) {
    case KEYWAY_LIMIT_DTLS_MAX_HANDSHAKE_MESSAGE: return &c.dtls_max_handshake_message;
    case KEYWAY_LIMIT_DTLS_MAX_REASSEMBLY: return &c.dtls_max_reassembly_bytes;
    case KEYWAY_LIMIT_DTLS_MTU: return &c.dtls_mtu;
    case KEYWAY_LIMIT_SRTP_MAX_STREAMS: return &c.srtp_max_streams;
    case KEYWAY_LIMIT_SRTP_REPLAY_WINDOW: return &c.replay_window;
    case KEYWAY_LIMIT_SDP_ARENA: return &c.sdp_arena_bytes;
    default: return nullptr;
  }
}

bool known_profile(uint16_t id) {
  return id == KEYWAY_SRTP_AES128_CM_SHA1_80 || id == KEYWAY_SRTP_AES128_CM_SHA1_32 ||
         id == KEYWAY_SRTP_AEAD_AES_128_GCM || id == KEYWAY_SRTP_AEAD_AES_256_GCM;
}

}  // namespace

extern "C" {

const char* keyway_code_name(int code) {
  if (code < 0 || code > static_cast<int>(Code::no_path)) return "?";
  return to_string(static_cast<Code>(code));
}

const char* keyway_layer_name(int layer) {
  if (layer < 0 || layer > static_cast<int>(Layer::peer)) return "?";
  return to_string(static_cast<Layer>(layer));
}

const char* keyway_version(void) { return KEYWAY_VERSION_STRING; }

keyway_addr keyway_addr_v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port) {
  return capi::to_c_addr(SocketAddr::v4(a, b, c, d, port));
}

int keyway_addr_parse(const char* ip, uint16_t port, keyway_addr* out) {
  if (ip == nullptr || out == nullptr) return static_cast<int>(Code::invalid_argument);
  auto a = SocketAddr::parse_ip(ip, port);
  if (!a.ok()) return static_cast<int>(a.error().code);
  *out = capi::to_c_addr(*a);
  return KEYWAY_OK;
}

size_t keyway_addr_format(const keyway_addr* addr, char* out, size_t out_len) {
  if (addr == nullptr || out == nullptr || out_len == 0) return 0;
  return capi::to_socket_addr(*addr).format(out, out_len);
}

int keyway_addr_equal(const keyway_addr* a, const keyway_addr* b) {
  if (a == nullptr || b == nullptr) return 0;
  return capi::to_socket_addr(*a) == capi::to_socket_addr(*b) && a->family == b->family;
}

keyway_config* keyway_config_new(void) {
  auto* cfg = new (std::nothrow) keyway_config;
  if (cfg != nullptr) add_default_opus(cfg->settings.audio);
  return cfg;
}

void keyway_config_free(keyway_config* cfg) {
  if (cfg == nullptr) return;
  cfg->free_requested = true;
  if (cfg->connections == 0) delete cfg;  // else: the last keyway_connection_free does it
}

const keyway_error* keyway_config_error(const keyway_config* cfg) { return cfg ? &cfg->error : nullptr; }

int keyway_config_set_entropy(keyway_config* cfg, const uint8_t* seed, size_t len) {
  if (cfg == nullptr || seed == nullptr) return static_cast<int>(Code::invalid_argument);
  if (len < 48) return set_error(cfg->error, Layer::crypto, Code::invalid_argument, "entropy: at least 48 bytes");
  static constexpr uint8_t kLabel[] = {'k', 'e', 'y', 'w', 'a', 'y', '-', 'c'};
  Status st = cfg->seeded ? cfg->seeds.reseed({seed, len}) : cfg->seeds.instantiate({seed, len}, kLabel);
  if (!st.ok()) return set_error(cfg->error, st.error());
  cfg->seeded = true;
  return capi::clear_error(cfg->error);
}

int keyway_config_generate_identity(keyway_config* cfg, const char* common_name, int64_t unix_now) {
  if (cfg == nullptr) return static_cast<int>(Code::invalid_argument);
  if (!cfg->seeded) return set_error(cfg->error, Layer::peer, Code::bad_state, "no entropy (keyway_config_set_entropy)");
  if (cfg->connections > 0) return set_error(cfg->error, Layer::peer, Code::bad_state, "connections use the identity");
  Status st = cfg->identity.generate(cfg->seeds, common_name ? common_name : "keyway", unix_now);
  cfg->has_identity = st.ok();
  if (!st.ok()) return set_error(cfg->error, st.error());
  remember_fingerprint(cfg);
  return capi::clear_error(cfg->error);
}

int keyway_config_set_identity_pem(keyway_config* cfg, const char* certificate_pem, const char* private_key_pem) {
  if (cfg == nullptr) return static_cast<int>(Code::invalid_argument);
  if (certificate_pem == nullptr || private_key_pem == nullptr) return set_error(cfg->error, kNullArgument);
  if (cfg->connections > 0) return set_error(cfg->error, Layer::peer, Code::bad_state, "connections use the identity");
  uint8_t der[2048];
  auto n = dtls::pem_decode(certificate_pem, "CERTIFICATE", der);
  if (!n.ok()) return set_error(cfg->error, n.error());
  uint8_t scalar[32];
  Status st = dtls::p256_scalar_from_pem(private_key_pem, scalar);
  if (st.ok()) st = cfg->identity.load(scalar, {der, *n});
  crypto::secure_zero(scalar, sizeof scalar);
  cfg->has_identity = st.ok();
  if (!st.ok()) return set_error(cfg->error, st.error());
  remember_fingerprint(cfg);
  return capi::clear_error(cfg->error);
}

const char* keyway_config_fingerprint(const keyway_config* cfg) { return cfg ? cfg->fingerprint : ""; }

int keyway_config_set_role(keyway_config* cfg, int role) {
  if (cfg == nullptr) return static_cast<int>(Code::invalid_argument);
  if (role != KEYWAY_ROLE_OFFERER && role != KEYWAY_ROLE_ANSWERER)
    return set_error(cfg->error, Layer::peer, Code::invalid_argument, "role: KEYWAY_ROLE_OFFERER or _ANSWERER");
  cfg->settings.config.role = role == KEYWAY_ROLE_OFFERER ? peer::Role::offerer : peer::Role::answerer;
  return capi::clear_error(cfg->error);
}

int keyway_config_set_ice_lite(keyway_config* cfg, int lite) {
  if (cfg == nullptr) return static_cast<int>(Code::invalid_argument);
  cfg->settings.config.ice_lite = lite != 0;
  return capi::clear_error(cfg->error);
}

int keyway_config_set_dtls13(keyway_config* cfg, int offer) {
  if (cfg == nullptr) return static_cast<int>(Code::invalid_argument);
  cfg->settings.config.dtls_offer_dtls13 = offer != 0;
  return capi::clear_error(cfg->error);
}

int keyway_config_set_srtp_profiles(keyway_config* cfg, const uint16_t* ids, size_t count) {
  if (cfg == nullptr) return static_cast<int>(Code::invalid_argument);
  peer::Config& c = cfg->settings.config;
  if (ids == nullptr || count == 0 || count > c.srtp_profiles.size())
    return set_error(cfg->error, Layer::peer, Code::invalid_argument, "srtp profiles: 1 to 4 ids");
  for (size_t i = 0; i < count; ++i)
    if (!known_profile(ids[i])) return set_error(cfg->error, Layer::srtp, Code::unsupported, "srtp profile: unknown id");
  for (size_t i = 0; i < count; ++i) c.srtp_profiles[i] = ids[i];
  c.srtp_profile_count = count;
  return capi::clear_error(cfg->error);
}

int keyway_config_add_stun_server(keyway_config* cfg, const keyway_addr* server) {
  if (cfg == nullptr) return static_cast<int>(Code::invalid_argument);
  if (server == nullptr) return set_error(cfg->error, kNullArgument);
  capi::Settings& s = cfg->settings;
  if (s.stun_server_count == ice::kMaxStunServers)
    return set_error(cfg->error, Layer::peer, Code::capacity, "stun servers: at most 2");
  s.stun_servers[s.stun_server_count++] = capi::to_socket_addr(*server);
  return capi::clear_error(cfg->error);
}

int keyway_config_set_limit(keyway_config* cfg, int limit, size_t value) {
  if (cfg == nullptr) return static_cast<int>(Code::invalid_argument);
  std::size_t* field = limit_field(cfg->settings.config, limit);
  if (field == nullptr) return set_error(cfg->error, Layer::peer, Code::invalid_argument, "limit: unknown KEYWAY_LIMIT_*");
  if (!valid_limit(limit, value))
    return set_error(cfg->error, Layer::peer, Code::invalid_argument, "limit: value out of range (see keyway.h)");
  *field = value;
  return capi::clear_error(cfg->error);
}

size_t keyway_config_get_limit(const keyway_config* cfg, int limit) {
  if (cfg == nullptr) return 0;
  std::size_t* field = limit_field(const_cast<peer::Config&>(cfg->settings.config), limit);
  return field ? *field : 0;
}

int keyway_config_set_setup_timeout(keyway_config* cfg, int64_t micros) {
  if (cfg == nullptr) return static_cast<int>(Code::invalid_argument);
  if (micros <= 0) return set_error(cfg->error, Layer::peer, Code::invalid_argument, "setup timeout: > 0");
  cfg->settings.config.setup_timeout = Duration::micros(micros);
  return capi::clear_error(cfg->error);
}

int keyway_config_add_codec(keyway_config* cfg, int media, const char* name, uint32_t clock_rate, uint8_t channels,
                            uint8_t payload_type, const char* fmtp) {
  if (cfg == nullptr) return static_cast<int>(Code::invalid_argument);
  if (name == nullptr || (media != KEYWAY_MEDIA_AUDIO && media != KEYWAY_MEDIA_VIDEO) || clock_rate == 0)
    return set_error(cfg->error, Layer::peer, Code::invalid_argument, "codec: media, name and clock rate");
  CodecList& list = media == KEYWAY_MEDIA_AUDIO ? cfg->settings.audio : cfg->settings.video;
  if (list.is_default) list = CodecList{};  // the first codec named replaces the defaults
  list.is_default = false;
  if (list.count == capi::kMaxCodecs) return set_error(cfg->error, Layer::peer, Code::capacity, "codec: at most 8");
  CodecSetting& c = list.items[list.count];
  if (!copy_text(c.name, name) || !copy_text(c.fmtp, fmtp))
    return set_error(cfg->error, Layer::peer, Code::invalid_argument, "codec: name or fmtp too long");
  c.clock_rate = clock_rate;
  c.channels = channels == 0 ? 1 : channels;
  c.payload_type = payload_type;
  list.count++;
  return capi::clear_error(cfg->error);
}

int keyway_config_set_ssrcs(keyway_config* cfg, uint32_t audio_ssrc, uint32_t video_ssrc) {
  if (cfg == nullptr) return static_cast<int>(Code::invalid_argument);
  cfg->settings.config.audio_ssrc = audio_ssrc;
  cfg->settings.config.video_ssrc = video_ssrc;
  return capi::clear_error(cfg->error);
}

int keyway_config_set_cname(keyway_config* cfg, const char* cname) {
  if (cfg == nullptr) return static_cast<int>(Code::invalid_argument);
  if (cname == nullptr || cname[0] == '\0' || !copy_text(cfg->settings.cname, cname))
    return set_error(cfg->error, Layer::peer, Code::invalid_argument, "cname: 1 to 63 characters");
  return capi::clear_error(cfg->error);
}

}  // extern "C"
