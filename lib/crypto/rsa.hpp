// SPDX-License-Identifier: Apache-2.0
// RSA signature verification only (PKCS#1 v2.2, RFC 8017): RSASSA-PKCS1-v1_5
// and RSASSA-PSS with MGF1 over the same hash and salt length = hash length
// (the TLS "rsa_pss_rsae_*" schemes, RFC 8446 §4.2.3). keyway never signs
// with RSA; it only verifies peers that hold RSA certificates.
#pragma once

#include <cstdint>
#include <span>

#include "keyway/lib/crypto/sha.hpp"
#include "keyway/lib/result.hpp"

namespace keyway::crypto {

struct RsaPublicKey {
  std::span<const uint8_t> modulus;   // big-endian n
  std::span<const uint8_t> exponent;  // big-endian e
};

[[nodiscard]] Status rsa_verify_pkcs1(const RsaPublicKey& key, HashAlg alg, std::span<const uint8_t> digest,
                                      std::span<const uint8_t> signature);
[[nodiscard]] Status rsa_verify_pss(const RsaPublicKey& key, HashAlg alg, std::span<const uint8_t> digest,
                                    std::span<const uint8_t> signature);

}  // namespace keyway::crypto
