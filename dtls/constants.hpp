// SPDX-License-Identifier: Apache-2.0
// DTLS 1.2 wire constants (RFC 6347, RFC 5246) and the cipher suites keyway
// speaks.
//
//   struct {                                  RFC 6347 §4.1
//     ContentType type;  ProtocolVersion version;
//     uint16 epoch;      uint48 sequence_number;
//     uint16 length;     opaque fragment[length];
//   } DTLSPlaintext;
#pragma once

#include <cstdint>

#include "keyway/lib/crypto/aead.hpp"
#include "keyway/lib/crypto/sha.hpp"

namespace keyway::dtls {

constexpr uint16_t kVersionDtls12 = 0xFEFD;
constexpr uint16_t kVersionDtls10 = 0xFEFF;  // allowed on the first ClientHello's record
constexpr std::size_t kRecordHeaderSize = 13;
constexpr std::size_t kHandshakeHeaderSize = 12;

enum class ContentType : uint8_t {
  change_cipher_spec = 20,
  alert = 21,
  handshake = 22,
  application_data = 23,
};

enum class HandshakeType : uint8_t {
  hello_request = 0,
  client_hello = 1,
  server_hello = 2,
  hello_verify_request = 3,
  certificate = 11,
  server_key_exchange = 12,
  certificate_request = 13,
  server_hello_done = 14,
  certificate_verify = 15,
  client_key_exchange = 16,
  finished = 20,
};

// ChangeCipherSpec's single byte: enum { change_cipher_spec(1), (255) } (RFC 5246 §7.1).
constexpr uint8_t kChangeCipherSpecByte = 1;

// CompressionMethod null (RFC 5246 §7.4.1.2): the only one offered or accepted.
constexpr uint8_t kCompressionNull = 0;

// ClientCertificateType in a CertificateRequest (RFC 5246 §7.4.4, RFC 8422 §5.5).
enum class ClientCertificateType : uint8_t { rsa_sign = 1, ecdsa_sign = 64 };

// RFC 5246 §7.2, with the values RFC 8446 §6 adds (names: dtls/alert.hpp).
enum class AlertLevel : uint8_t { warning = 1, fatal = 2 };
enum class AlertDescription : uint8_t {
  close_notify = 0,
  unexpected_message = 10,
  bad_record_mac = 20,
  decryption_failed = 21,            // reserved
  record_overflow = 22,
  decompression_failure = 30,        // reserved
  handshake_failure = 40,
  no_certificate = 41,               // reserved
  bad_certificate = 42,
  unsupported_certificate = 43,
  certificate_revoked = 44,
  certificate_expired = 45,
  certificate_unknown = 46,
  illegal_parameter = 47,
  unknown_ca = 48,
  access_denied = 49,
  decode_error = 50,
  decrypt_error = 51,
  export_restriction = 60,           // reserved
  protocol_version = 70,
  insufficient_security = 71,
  internal_error = 80,
  inappropriate_fallback = 86,       // RFC 8446
  user_canceled = 90,
  no_renegotiation = 100,
  missing_extension = 109,           // RFC 8446
  unsupported_extension = 110,
  certificate_unobtainable = 111,    // reserved (RFC 8446)
  unrecognized_name = 112,           // RFC 8446
  bad_certificate_status_response = 113,
  bad_certificate_hash_value = 114,  // reserved (RFC 8446)
  unknown_psk_identity = 115,        // RFC 8446
  certificate_required = 116,        // RFC 8446
  no_application_protocol = 120,     // RFC 8446
};

// IANA TLS ExtensionType values.
enum class ExtensionType : uint16_t {
  supported_groups = 10,
  ec_point_formats = 11,
  signature_algorithms = 13,
  use_srtp = 14,
  extended_master_secret = 23,
  renegotiation_info = 0xFF01,
};

enum class CipherSuite : uint16_t {
  ecdhe_ecdsa_aes128_gcm_sha256 = 0xC02B,
  ecdhe_ecdsa_aes256_gcm_sha384 = 0xC02C,
  ecdhe_rsa_aes128_gcm_sha256 = 0xC02F,
  ecdhe_rsa_aes256_gcm_sha384 = 0xC030,
  ecdhe_rsa_chacha20_poly1305_sha256 = 0xCCA8,
  ecdhe_ecdsa_chacha20_poly1305_sha256 = 0xCCA9,
};

using crypto::AeadKind;  // lib/crypto/aead.hpp

// What a suite needs from the key schedule and the record layer.
struct SuiteInfo {
  CipherSuite suite;
  AeadKind aead;
  crypto::HashAlg prf_hash;
  bool ecdsa;             // ECDHE_ECDSA (else ECDHE_RSA)
  uint8_t key_len;        // RFC 5246 §6.3 enc_key_length
  uint8_t fixed_iv_len;   // 4 for GCM (RFC 5288), 12 for ChaCha (RFC 7905)
  const char* iana_name;
};

constexpr SuiteInfo kSuites[] = {
    {CipherSuite::ecdhe_ecdsa_aes128_gcm_sha256, AeadKind::aes128_gcm, crypto::HashAlg::sha256, true, 16, 4,
     "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"},
#if !KEYWAY_PROFILE_MINIMAL  // the minimal profile (meson -Dprofile=minimal): this one suite
    {CipherSuite::ecdhe_ecdsa_aes256_gcm_sha384, AeadKind::aes256_gcm, crypto::HashAlg::sha384, true, 32, 4,
     "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"},
    {CipherSuite::ecdhe_ecdsa_chacha20_poly1305_sha256, AeadKind::chacha20_poly1305, crypto::HashAlg::sha256, true,
     32, 12, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"},
    {CipherSuite::ecdhe_rsa_aes128_gcm_sha256, AeadKind::aes128_gcm, crypto::HashAlg::sha256, false, 16, 4,
     "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},
    {CipherSuite::ecdhe_rsa_aes256_gcm_sha384, AeadKind::aes256_gcm, crypto::HashAlg::sha384, false, 32, 4,
     "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"},
    {CipherSuite::ecdhe_rsa_chacha20_poly1305_sha256, AeadKind::chacha20_poly1305, crypto::HashAlg::sha256, false,
     32, 12, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
#endif
};

constexpr const SuiteInfo* find_suite(uint16_t id) {
  for (const auto& s : kSuites)
    if (static_cast<uint16_t>(s.suite) == id) return &s;
  return nullptr;
}

}  // namespace keyway::dtls
