// SPDX-License-Identifier: Apache-2.0
// Object identifiers used by keyway's X.509 code, as DER contents octets
// (X.690 §8.19). Arcs are from RFC 5480 (EC keys), RFC 8017 (RSA),
// RFC 5758 (ECDSA with SHA-2) and RFC 5280 (attribute types).
#pragma once

#include <cstdint>
#include <span>


namespace keyway::dtls::oid {

// Public key algorithms.
constexpr uint8_t kEcPublicKey[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};           // 1.2.840.10045.2.1
constexpr uint8_t kRsaEncryption[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01};  // 1.2.840.113549.1.1.1
// Named curves (RFC 5480 §2.1.1.1).
constexpr uint8_t kPrime256v1[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};  // 1.2.840.10045.3.1.7
constexpr uint8_t kSecp384r1[] = {0x2b, 0x81, 0x04, 0x00, 0x22};                      // 1.3.132.0.34
// Signature algorithms.
constexpr uint8_t kEcdsaWithSha1[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01};          // 1.2.840.10045.4.1
constexpr uint8_t kEcdsaWithSha256[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};  // 1.2.840.10045.4.3.2
constexpr uint8_t kEcdsaWithSha384[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03};  // 1.2.840.10045.4.3.3
constexpr uint8_t kSha1WithRsa[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05};    // 1.2.840.113549.1.1.5
constexpr uint8_t kSha256WithRsa[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b};  // 1.2.840.113549.1.1.11
constexpr uint8_t kSha384WithRsa[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c};  // 1.2.840.113549.1.1.12
// Attribute types (RFC 5280 Appendix A).
constexpr uint8_t kCommonName[] = {0x55, 0x04, 0x03};  // 2.5.4.3

// OIDs are public: a plain comparison is fine.
inline bool equal(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i]) return false;
  return true;
}

}  // namespace keyway::dtls::oid
