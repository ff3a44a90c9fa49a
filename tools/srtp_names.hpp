// SPDX-License-Identifier: Apache-2.0
// SRTP protection profile names on the command line -> DTLS-SRTP ids
// (RFC 5764 §4.1.2, RFC 7714 §14.2): one table for `keyway dtls
// --srtp-profiles` / its srtp_profile= line and `keyway explain --srtp`.
// OpenSSL's names (what `openssl s_client -use_srtp` takes) are listed here;
// the RFC names come from srtp::profile_info() and are taken as aliases.
#pragma once

#include <cstdint>
#include <iterator>
#include <string_view>

#include "keyway/srtp/profile.hpp"

namespace keyway::tools {

struct SrtpProfileName {
  const char* name;
  uint16_t dtls_id;
};

inline constexpr SrtpProfileName kOpensslSrtpNames[] = {
    {"SRTP_AES128_CM_SHA1_80", srtp::kDtlsSrtpAes128CmSha1_80},
    {"SRTP_AES128_CM_SHA1_32", srtp::kDtlsSrtpAes128CmSha1_32},
    {"SRTP_AEAD_AES_128_GCM", srtp::kDtlsSrtpAeadAes128Gcm},
    {"SRTP_AEAD_AES_256_GCM", srtp::kDtlsSrtpAeadAes256Gcm},
};

// The DTLS-SRTP id named by `name` (OpenSSL's name or the RFC name), or 0.
inline uint16_t srtp_profile_id(std::string_view name) {
  for (const SrtpProfileName& n : kOpensslSrtpNames)
    if (name == n.name) return n.dtls_id;
  for (srtp::Profile p : srtp::kAllProfiles) {
    const srtp::ProfileInfo& info = srtp::profile_info(p);
    if (info.dtls_id != 0 && name == info.name) return info.dtls_id;
  }
  return 0;
}

// OpenSSL's name for a DTLS-SRTP id (the srtp_profile= line), or "none".
inline const char* srtp_profile_openssl_name(uint16_t id) {
  for (const SrtpProfileName& n : kOpensslSrtpNames)
    if (n.dtls_id == id) return n.name;
  return "none";
}

}  // namespace keyway::tools
