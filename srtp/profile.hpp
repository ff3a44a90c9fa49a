// SPDX-License-Identifier: Apache-2.0
// SRTP protection profiles: the parameters each one fixes.
//
//   profile                        cipher        key salt  SRTP tag  SRTCP tag  DTLS-SRTP id
//   SRTP_AES128_CM_HMAC_SHA1_80    AES-128-CM    16   14    10        10         0x0001 (RFC 5764 §4.1.2)
//   SRTP_AES128_CM_HMAC_SHA1_32    AES-128-CM    16   14     4        10         0x0002 (RFC 5764 §4.1.2)
//   SRTP_AEAD_AES_128_GCM          AES-128-GCM   16   12    16        16         0x0007 (RFC 7714 §14.2)
//   SRTP_AEAD_AES_256_GCM          AES-256-GCM   32   12    16        16         0x0008 (RFC 7714 §14.2)
//   AES_256_CM_HMAC_SHA1_80        AES-256-CM    32   14    10        10         none   (RFC 6188 §5)
//   AES_256_CM_HMAC_SHA1_32        AES-256-CM    32   14     4        10         none   (RFC 6188 §5)
//
// The _32 profiles keep an 80-bit tag on SRTCP (RFC 5764 §4.1.2). The salt
// is the same length for the master salt and the derived session salt.
#pragma once

#include <cstddef>
#include <cstdint>

#include "keyway/lib/result.hpp"

namespace keyway::srtp {

enum class Profile : uint8_t {
  aes128_cm_sha1_80,
  aes128_cm_sha1_32,
  aead_aes128_gcm,
  aead_aes256_gcm,
  aes256_cm_sha1_80,
  aes256_cm_sha1_32,
};

inline constexpr Profile kAllProfiles[] = {
    Profile::aes128_cm_sha1_80, Profile::aes128_cm_sha1_32, Profile::aead_aes128_gcm,
    Profile::aead_aes256_gcm,   Profile::aes256_cm_sha1_80, Profile::aes256_cm_sha1_32,
};

// IANA DTLS-SRTP protection profile ids (RFC 5764 §4.1.2, RFC 7714 §14.2).
inline constexpr uint16_t kDtlsSrtpAes128CmSha1_80 = 0x0001;
inline constexpr uint16_t kDtlsSrtpAes128CmSha1_32 = 0x0002;
inline constexpr uint16_t kDtlsSrtpAeadAes128Gcm = 0x0007;
inline constexpr uint16_t kDtlsSrtpAeadAes256Gcm = 0x0008;

struct ProfileInfo {
  Profile profile;
  const char* name;        // the DTLS-SRTP / SDES name, e.g. "SRTP_AES128_CM_HMAC_SHA1_80"
  uint16_t dtls_id;        // IANA DTLS-SRTP protection profile id, 0 when none is registered
  bool aead;               // AES-GCM (RFC 7714) rather than AES-CM + HMAC-SHA1 (RFC 3711)
  uint8_t key_len;         // master and session cipher key, bytes
  uint8_t salt_len;        // master and session salt, bytes
  uint8_t auth_key_len;    // session HMAC-SHA1 key (RFC 3711 §4.2.1: 160 bits), 0 for AEAD
  uint8_t rtp_tag_len;     // SRTP authentication tag, bytes
  uint8_t rtcp_tag_len;    // SRTCP authentication tag, bytes
};

// Upper bounds over every profile, for fixed-size buffers.
inline constexpr std::size_t kMaxKeyLen = 32;
inline constexpr std::size_t kMaxSaltLen = 14;
inline constexpr std::size_t kMaxTagLen = 16;
inline constexpr std::size_t kAuthKeyLen = 20;

const ProfileInfo& profile_info(Profile profile);

// Maps a DTLS-SRTP protection profile id (RFC 5764 §4.1.2) to a profile.
[[nodiscard]] Result<Profile> profile_from_dtls_id(uint16_t id);

// Bytes of keying material one side needs (key + salt); RFC 5764 §4.2
// exports twice this (client and server).
inline std::size_t master_material_len(Profile p) {
  const ProfileInfo& info = profile_info(p);
  return std::size_t{info.key_len} + info.salt_len;
}

}  // namespace keyway::srtp
