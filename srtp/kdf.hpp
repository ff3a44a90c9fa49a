// SPDX-License-Identifier: Apache-2.0
// SRTP key derivation (RFC 3711 §4.3), with key derivation rate 0.
//
//   key_id = label || r            r = index DIV kdr = 0 when kdr is 0
//   x      = key_id XOR master_salt   (key_id right-aligned in the 112-bit salt)
//   out    = AES-CM keystream under the master key, IV = x * 2^16   (§4.3.3)
//
// AES-256-CM profiles use AES-256 as the PRF (RFC 6188 §6). The AEAD
// profiles' 96-bit master salt is zero-padded on the right to 112 bits
// (RFC 7714 §11), which is what libsrtp and every interoperating peer do.
#pragma once

#include <cstddef>
#include <cstdint>

#include "keyway/lib/bytes.hpp"
#include "keyway/lib/result.hpp"
#include "keyway/srtp/profile.hpp"

namespace keyway::srtp {

// Key derivation labels (RFC 3711 §4.3.1 and §4.3.2).
enum class KdfLabel : uint8_t {
  rtp_encryption = 0x00,
  rtp_auth = 0x01,
  rtp_salt = 0x02,
  rtcp_encryption = 0x03,
  rtcp_auth = 0x04,
  rtcp_salt = 0x05,
};

// One direction's session keys for SRTP or for SRTCP. Wiped on destruction.
struct SessionKeys {
  uint8_t cipher_key[kMaxKeyLen] = {};
  uint8_t salt[kMaxSaltLen] = {};
  uint8_t auth_key[kAuthKeyLen] = {};
  uint8_t key_len = 0;
  uint8_t salt_len = 0;
  uint8_t auth_key_len = 0;

  SessionKeys() = default;
  SessionKeys(const SessionKeys&) = default;
  SessionKeys& operator=(const SessionKeys&) = default;
  ~SessionKeys();
  Bytes cipher_key_view() const { return {cipher_key, key_len}; }
  Bytes salt_view() const { return {salt, salt_len}; }
  Bytes auth_key_view() const { return {auth_key, auth_key_len}; }
};

// The PRF output for one label (§4.3.1): fills out completely.
[[nodiscard]] Status kdf_derive(Bytes master_key, Bytes master_salt, KdfLabel label, MutableBytes out);

// Derives the SRTP (rtcp = false) or SRTCP (rtcp = true) session keys of a
// profile from its master key and salt; checks their lengths.
[[nodiscard]] Status derive_session_keys(const ProfileInfo& profile, Bytes master_key, Bytes master_salt, bool rtcp,
                                         SessionKeys& out);

}  // namespace keyway::srtp
