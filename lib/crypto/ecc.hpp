// SPDX-License-Identifier: Apache-2.0
// Elliptic-curve primitives: ECDHE over x25519 (RFC 7748), secp256r1 and
// secp384r1 (SEC 1), and ECDSA over P-256/P-384 (FIPS 186-4).
// Points are in TLS wire form: uncompressed 0x04||X||Y for the NIST curves,
// 32 raw bytes for x25519 (RFC 8422 §5.4). ECDSA signatures are raw r||s
// of fixed width; DER encoding of signatures is dtls/'s job.
// These run during handshakes only; mbedTLS's bignums may allocate.
#pragma once

#include <cstdint>
#include <span>

#include "keyway/lib/crypto/sha.hpp"
#include "keyway/lib/result.hpp"
#include "keyway/lib/rng.hpp"

namespace keyway::crypto {

// IANA TLS Supported Groups registry values.
enum class NamedGroup : uint16_t { secp256r1 = 23, secp384r1 = 24, x25519 = 29 };

constexpr std::size_t kMaxPublicKeySize = 97;   // P-384 uncompressed
constexpr std::size_t kMaxSharedSecretSize = 48;

std::size_t public_key_size(NamedGroup g);
std::size_t shared_secret_size(NamedGroup g);

class EcdhKeyPair {
 public:
  EcdhKeyPair();
  ~EcdhKeyPair();
  EcdhKeyPair(const EcdhKeyPair&) = delete;
  EcdhKeyPair& operator=(const EcdhKeyPair&) = delete;

  [[nodiscard]] Status generate(NamedGroup group, Rng& rng);
  // Loads a fixed private key (known-answer tests): a 32-byte x25519 scalar
  // as in RFC 7748 (clamped here), or a big-endian NIST-curve scalar.
  [[nodiscard]] Status load_private(NamedGroup group, std::span<const uint8_t> d);
  NamedGroup group() const { return group_; }
  std::span<const uint8_t> public_key() const { return {pub_, pub_len_}; }
  // Checks the peer's point is on the curve and computes the shared secret
  // (the TLS premaster secret). Returns its length.
  [[nodiscard]] Result<std::size_t> compute_shared(std::span<const uint8_t> peer_public, std::span<uint8_t> out,
                                                   Rng& rng);

 private:
  Status finish_load();
  alignas(8) unsigned char key_[512];
  uint8_t pub_[kMaxPublicKeySize];
  std::size_t pub_len_ = 0;
  NamedGroup group_ = NamedGroup::x25519;
  bool has_key_ = false;
};

// ECDSA curves we sign and verify with.
enum class EcCurve : uint8_t { p256, p384 };

constexpr std::size_t ecdsa_signature_size(EcCurve c) { return c == EcCurve::p256 ? 64 : 96; }
constexpr std::size_t ecdsa_scalar_size(EcCurve c) { return c == EcCurve::p256 ? 32 : 48; }

class EcdsaKey {
 public:
  EcdsaKey();
  ~EcdsaKey();
  EcdsaKey(const EcdsaKey&) = delete;
  EcdsaKey& operator=(const EcdsaKey&) = delete;

  [[nodiscard]] Status generate(EcCurve curve, Rng& rng);
  // d: big-endian private scalar of ecdsa_scalar_size(curve) bytes.
  [[nodiscard]] Status load_private(EcCurve curve, std::span<const uint8_t> d);
  EcCurve curve() const { return curve_; }
  std::span<const uint8_t> public_key() const { return {pub_, pub_len_}; }
  // Writes the private scalar (for saving a generated identity).
  [[nodiscard]] Status export_private(std::span<uint8_t> out) const;
  // Signs a message digest; out receives r||s (ecdsa_signature_size bytes).
  [[nodiscard]] Status sign_digest(std::span<const uint8_t> digest, std::span<uint8_t> out, Rng& rng);

 private:
  Status finish_load();
  alignas(8) unsigned char key_[512];
  uint8_t pub_[kMaxPublicKeySize];
  std::size_t pub_len_ = 0;
  EcCurve curve_ = EcCurve::p256;
  bool has_key_ = false;
};

// Verifies r||s over digest with an uncompressed public point.
[[nodiscard]] Status ecdsa_verify_digest(EcCurve curve, std::span<const uint8_t> public_point,
                                         std::span<const uint8_t> digest, std::span<const uint8_t> signature_rs);

}  // namespace keyway::crypto
