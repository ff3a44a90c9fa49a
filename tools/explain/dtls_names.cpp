// SPDX-License-Identifier: Apache-2.0
// Code point names (see dtls_names.hpp).
#include "tools/explain/dtls_names.hpp"

#include <fmt/format.h>

#include "keyway/dtls/constants.hpp"
#include "keyway/dtls/v13/messages.hpp"
#include "keyway/srtp/profile.hpp"

namespace keyway::explain {
namespace {

struct Name {
  uint16_t id;
  const char* name;
};

const char* lookup(const Name* table, std::size_t n, uint16_t id) {
  for (std::size_t i = 0; i < n; ++i)
    if (table[i].id == id) return table[i].name;
  return nullptr;
}

constexpr Name kVersions[] = {{0xFEFD, "DTLS 1.2"}, {0xFEFF, "DTLS 1.0"}, {0xFEFC, "DTLS 1.3"},
                              {0x0303, "TLS 1.2"},  {0x0304, "TLS 1.3"}};

constexpr Name kSuites[] = {
    {0xC009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"},
    {0xC00A, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"}, {0xC013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"},
    {0xC014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"}, {0x009C, "TLS_RSA_WITH_AES_128_GCM_SHA256"},
    {0x009D, "TLS_RSA_WITH_AES_256_GCM_SHA384"}, {0x002F, "TLS_RSA_WITH_AES_128_CBC_SHA"},
    {0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA"}, {0x00FF, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV"},
};

constexpr Name kGroups[] = {
    {0x0017, "secp256r1"}, {0x0018, "secp384r1"}, {0x0019, "secp521r1"}, {0x001D, "x25519"},
    {0x001E, "x448"}, {0x0100, "ffdhe2048"}, {0x0101, "ffdhe3072"}, {0x11EC, "X25519MLKEM768"},
    {0x6399, "X25519Kyber768Draft00"}, {0x0200, "MLKEM512"}, {0x0201, "MLKEM768"}, {0x0202, "MLKEM1024"},
};

constexpr Name kSigAlgs[] = {
    {0x0201, "rsa_pkcs1_sha1"}, {0x0203, "ecdsa_sha1"}, {0x0401, "rsa_pkcs1_sha256"},
    {0x0403, "ecdsa_secp256r1_sha256"}, {0x0501, "rsa_pkcs1_sha384"}, {0x0503, "ecdsa_secp384r1_sha384"},
    {0x0601, "rsa_pkcs1_sha512"}, {0x0603, "ecdsa_secp521r1_sha512"}, {0x0804, "rsa_pss_rsae_sha256"},
    {0x0805, "rsa_pss_rsae_sha384"}, {0x0806, "rsa_pss_rsae_sha512"}, {0x0807, "ed25519"}, {0x0808, "ed448"},
};

struct Ext {
  uint16_t id;
  ExtensionInfo info;
};
// The IANA TLS ExtensionType registry names; RFC 8446 §4.2 lists those of TLS 1.3.
constexpr Ext kExtensions[] = {
    {0, {"server_name", "RFC 6066 §3", false}},
    {1, {"max_fragment_length", "RFC 6066 §4", false}},
    {5, {"status_request", "RFC 6066 §8", false}},
    {10, {"supported_groups", "RFC 8422 §5.1.1, RFC 8446 §4.2.7", true}},
    {11, {"ec_point_formats", "RFC 8422 §5.1.2", true}},
    {13, {"signature_algorithms", "RFC 5246 §7.4.1.4.1, RFC 8446 §4.2.3", true}},
    {14, {"use_srtp", "RFC 5764 §4.1.1", true}},
    {15, {"heartbeat", "RFC 6520 §2", false}},
    {16, {"application_layer_protocol_negotiation", "RFC 7301 §3.1", false}},
    {18, {"signed_certificate_timestamp", "RFC 6962 §3.3.1", false}},
    {19, {"client_certificate_type", "RFC 7250 §3", false}},
    {20, {"server_certificate_type", "RFC 7250 §3", false}},
    {21, {"padding", "RFC 7685 §3", false}},
    {22, {"encrypt_then_mac", "RFC 7366 §2", false}},
    {23, {"extended_master_secret", "RFC 7627 §5.1", true}},
    {27, {"compress_certificate", "RFC 8879 §3", false}},
    {28, {"record_size_limit", "RFC 8449 §4", false}},
    {34, {"delegated_credential", "RFC 9345 §4.1.1", false}},
    {35, {"session_ticket", "RFC 5077 §3.2", false}},
    {41, {"pre_shared_key", "RFC 8446 §4.2.11", false}},
    {42, {"early_data", "RFC 8446 §4.2.10", false}},
    {43, {"supported_versions", "RFC 8446 §4.2.1, RFC 9147 §5.3", false}},
    {44, {"cookie", "RFC 8446 §4.2.2, RFC 9147 §5.1", false}},
    {45, {"psk_key_exchange_modes", "RFC 8446 §4.2.9", false}},
    {47, {"certificate_authorities", "RFC 8446 §4.2.4", false}},
    {48, {"oid_filters", "RFC 8446 §4.2.5", false}},
    {49, {"post_handshake_auth", "RFC 8446 §4.2.6", false}},
    {50, {"signature_algorithms_cert", "RFC 8446 §4.2.3", false}},
    {51, {"key_share", "RFC 8446 §4.2.8", false}},
    {53, {"connection_id (draft)", "draft-ietf-tls-dtls-connection-id", false}},
    {54, {"connection_id", "RFC 9146 §3", false}},
    {17513, {"application_settings", "draft-vvv-tls-alps", false}},
    {0xFE0D, {"encrypted_client_hello", "draft-ietf-tls-esni", false}},
    {0xFF01, {"renegotiation_info", "RFC 5746 §3.2", true}},
};

}  // namespace

bool is_grease(uint16_t v) { return (v & 0x0F0F) == 0x0A0A && (v >> 8) == (v & 0xFF); }

std::string version_name(uint16_t v) {
  const char* n = lookup(kVersions, std::size(kVersions), v);
  if (n != nullptr) return fmt::format("{} (0x{:04x})", n, v);
  // The TLS/DTLS 1.3 drafts' code points, 0x7F00 | draft (NSS 3.87 offers DTLS 1.3 as draft 43, 0x7F2B).
  if ((v >> 8) == 0x7F)
    return fmt::format("(D)TLS 1.3 draft {} (0x{:04x}: a pre-RFC code point, skipped by keyway)", v & 0xFF, v);
  return fmt::format("{} 0x{:04x}", is_grease(v) ? "GREASE" : "unknown version", v);
}

std::string suite_name(uint16_t id) {
  if (const dtls::SuiteInfo* s = dtls::find_suite(id)) return fmt::format("{} (0x{:04x})", s->iana_name, id);
  // RFC 8446 §B.4: keyway offers these when it offers DTLS 1.3 (dtls::Config::offer_dtls13).
  if (const dtls::v13::Suite* s = dtls::v13::find_suite(id))
    return fmt::format("{} (0x{:04x}, DTLS 1.3 only)", s->iana_name, id);
  const char* n = lookup(kSuites, std::size(kSuites), id);
  if (n != nullptr) return fmt::format("{} (0x{:04x}, not offered by keyway)", n, id);
  return fmt::format("{} 0x{:04x}", is_grease(id) ? "GREASE" : "unknown suite", id);
}

std::string group_name(uint16_t id) {
  const char* n = lookup(kGroups, std::size(kGroups), id);
  if (n != nullptr) return fmt::format("{} (0x{:04x})", n, id);
  return fmt::format("{} 0x{:04x}", is_grease(id) ? "GREASE" : "unknown group", id);
}

std::string sigalg_name(uint16_t id) {
  const char* n = lookup(kSigAlgs, std::size(kSigAlgs), id);
  if (n != nullptr) return fmt::format("{} (0x{:04x})", n, id);
  return fmt::format("{} 0x{:04x}", is_grease(id) ? "GREASE" : "unknown scheme", id);
}

std::string srtp_profile_name(uint16_t id) {
  auto p = srtp::profile_from_dtls_id(id);
  if (p.ok()) return fmt::format("{} (0x{:04x})", srtp::profile_info(*p).name, id);
  return fmt::format("unknown profile 0x{:04x}", id);
}

ExtensionInfo extension_info(uint16_t type) {
  for (const Ext& e : kExtensions)
    if (e.id == type) return e.info;
  if (is_grease(type)) return {"GREASE (reserved, to be ignored)", "RFC 8701 §2", false};
  return {"unknown extension", "RFC 5246 §7.4.1.4", false};
}

const char* handshake_name(uint8_t type) {
  switch (type) {
    case 0: return "HelloRequest";
    case 1: return "ClientHello";
    case 2: return "ServerHello";
    case 3: return "HelloVerifyRequest";
    case 4: return "NewSessionTicket";
    case 8: return "EncryptedExtensions";
    case 11: return "Certificate";
    case 12: return "ServerKeyExchange";
    case 13: return "CertificateRequest";
    case 14: return "ServerHelloDone";
    case 15: return "CertificateVerify";
    case 16: return "ClientKeyExchange";
    case 20: return "Finished";
    case 24: return "KeyUpdate";
    default: return "unknown handshake type";
  }
}

const char* content_type_name(uint8_t type) {
  switch (type) {
    case 20: return "change_cipher_spec";
    case 21: return "alert";
    case 22: return "handshake";
    case 23: return "application_data";
    case 25: return "tls12_cid";
    case 26: return "ack";
    default: return "unknown content type";
  }
}

}  // namespace keyway::explain
