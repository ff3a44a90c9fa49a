// SPDX-License-Identifier: Apache-2.0
// IANA names of the TLS/DTLS code points that `keyway explain` prints
// (TLS registries: cipher suites, groups, signature schemes, extensions;
// DTLS-SRTP protection profiles). Unknown values print by number.
#pragma once

#include <cstdint>
#include <string>

namespace keyway::explain {

std::string version_name(uint16_t v);        // 0xFEFD "DTLS 1.2"
std::string suite_name(uint16_t id);         // "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"
std::string group_name(uint16_t id);         // "x25519", "unknown group 0x1234"
std::string sigalg_name(uint16_t id);        // "ecdsa_secp256r1_sha256"
std::string srtp_profile_name(uint16_t id);  // "SRTP_AEAD_AES_128_GCM"
bool is_grease(uint16_t v);                  // RFC 8701: 0x?A?A reserved values

struct ExtensionInfo {
  const char* name;
  const char* rfc;
  bool keyway_parses;  // read by dtls::parse_extensions (else skipped by it; the 1.3 engine
                       // reads supported_versions, cookie and key_share: dtls_extensions.cpp)
};
ExtensionInfo extension_info(uint16_t type);

const char* handshake_name(uint8_t type);
const char* content_type_name(uint8_t type);

}  // namespace keyway::explain
