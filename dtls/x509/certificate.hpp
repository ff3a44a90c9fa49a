// SPDX-License-Identifier: Apache-2.0
// X.509 certificates for DTLS identities (RFC 5280 subset), our own DER code.
//
// WebRTC peers authenticate with self-signed certificates whose hash is
// carried in SDP (a=fingerprint, RFC 8122), so keyway needs only:
//   * generate a self-signed ECDSA P-256 certificate for its own identity,
//   * parse a peer's certificate far enough to get its public key (EC P-256 /
//     P-384 or RSA) and check its self-signature,
//   * compute and format fingerprints.
// Chain validation against CAs is out of scope (the fingerprint is the trust).
#pragma once

#include <cstdint>
#include <span>

#include "keyway/lib/crypto/ecc.hpp"
#include "keyway/lib/crypto/rsa.hpp"
#include "keyway/lib/crypto/sha.hpp"
#include "keyway/lib/result.hpp"
#include "keyway/lib/rng.hpp"
#include "keyway/lib/time.hpp"

namespace keyway::dtls {

constexpr std::size_t kMaxCertificateSize = 4096;

// TLS SignatureScheme values (RFC 8446 §4.2.3, valid for TLS 1.2 as
// SignatureAndHashAlgorithm pairs).
enum class SignatureScheme : uint16_t {
  rsa_pkcs1_sha1 = 0x0201,
  rsa_pkcs1_sha256 = 0x0401,
  rsa_pkcs1_sha384 = 0x0501,
  ecdsa_secp256r1_sha256 = 0x0403,
  ecdsa_secp384r1_sha384 = 0x0503,
  rsa_pss_rsae_sha256 = 0x0804,
  rsa_pss_rsae_sha384 = 0x0805,
};

enum class KeyType : uint8_t { ec_p256, ec_p384, rsa };

// A parsed certificate: views into the caller's DER buffer (no copies).
struct CertificateView {
  std::span<const uint8_t> der;              // the whole certificate
  std::span<const uint8_t> tbs;              // tbsCertificate, for signature checks
  KeyType key_type = KeyType::ec_p256;
  std::span<const uint8_t> ec_point;         // uncompressed point (EC keys)
  crypto::RsaPublicKey rsa{};                // modulus/exponent (RSA keys)
  std::span<const uint8_t> signature_algorithm_oid;
  std::span<const uint8_t> signature;        // BIT STRING contents (DER ECDSA-Sig-Value or RSA bytes)
  int64_t not_before = 0;                    // seconds since the Unix epoch (0 in the
  int64_t not_after = 0;                     // minimal profile: lib/profile.hpp kX509Details)
  std::span<const uint8_t> serial_number;    // INTEGER contents (two's complement)
  std::span<const uint8_t> issuer;           // whole Name TLV
  std::span<const uint8_t> subject;          // whole Name TLV
};

// Parses a DER certificate. Errors name the field (Layer::dtls, Code::bad_certificate).
[[nodiscard]] Result<CertificateView> parse_certificate(std::span<const uint8_t> der);

// Verifies a TLS signature (ServerKeyExchange / CertificateVerify) made with
// the certificate's key. `signature` is the TLS wire form: DER
// ECDSA-Sig-Value for ECDSA, raw bytes for RSA.
[[nodiscard]] Status verify_signature(const CertificateView& cert, SignatureScheme scheme,
                                      std::span<const uint8_t> message, std::span<const uint8_t> signature);

// Digest-level forms for a handshake that keeps running transcript hashes
// instead of the messages: `digest` is the hash of the signed content with
// the scheme's hash (signature_scheme_hash), e.g. 32 bytes for *_sha256.
[[nodiscard]] Result<crypto::HashAlg> signature_scheme_hash(SignatureScheme scheme);
[[nodiscard]] Status verify_signature_digest(const CertificateView& cert, SignatureScheme scheme,
                                             std::span<const uint8_t> digest, std::span<const uint8_t> signature);

// Checks the certificate's signature with its own key (self-signed
// certificates, RFC 5280 §4.1.1.3). Supports ecdsa-with-SHA1/256/384 and
// sha1/256/384WithRSAEncryption; anything else is Code::unsupported.
[[nodiscard]] Status verify_self_signature(const CertificateView& cert);

// True when not_before <= unix_now <= not_after (RFC 5280 §4.1.2.5). The
// minimal profile reads no dates (lib/profile.hpp kX509Details): both stay 0,
// so it answers false for any time after the epoch.
bool valid_at(const CertificateView& cert, int64_t unix_now);

// Our own identity: an ECDSA P-256 key and a self-signed certificate.
class Identity {
 public:
  // Generates a fresh key and a self-signed certificate (CN = common_name,
  // valid from now-1 day for `validity_days`). `unix_now` is seconds since
  // the epoch, injected by the caller (the core reads no clock).
  [[nodiscard]] Status generate(Rng& rng, const char* common_name, int64_t unix_now, int validity_days = 30);
  // Loads a saved identity: a P-256 private scalar (32 bytes, big-endian)
  // and its DER certificate, which must carry the matching public key.
  [[nodiscard]] Status load(std::span<const uint8_t> p256_private_scalar, std::span<const uint8_t> certificate_der);
  std::span<const uint8_t> certificate_der() const { return {der_, der_len_}; }
  crypto::EcdsaKey& key() { return key_; }
  // Signs `message` (hashing it with SHA-256) and writes a DER
  // ECDSA-Sig-Value into out. Returns its length.
  [[nodiscard]] Result<std::size_t> sign(std::span<const uint8_t> message, std::span<uint8_t> out, Rng& rng);
  // The same over a SHA-256 digest the caller computed (32 bytes).
  [[nodiscard]] Result<std::size_t> sign_digest(std::span<const uint8_t> sha256_digest, std::span<uint8_t> out,
                                                Rng& rng);
  // The scheme sign() uses (TLS 1.2: ecdsa + sha256).
  static constexpr SignatureScheme scheme() { return SignatureScheme::ecdsa_secp256r1_sha256; }

 private:
  crypto::EcdsaKey key_;
  uint8_t der_[1024];
  std::size_t der_len_ = 0;
};

// RFC 8122 fingerprints.
enum class FingerprintHash : uint8_t { sha1, sha256, sha384 };
struct Fingerprint {
  FingerprintHash hash = FingerprintHash::sha256;
  uint8_t digest[crypto::kMaxDigestSize] = {};
  std::size_t len = 0;
};
Fingerprint fingerprint(FingerprintHash hash, std::span<const uint8_t> der);
// "AB:CD:..." (uppercase, colon-separated, as SDP carries it); returns chars written.
std::size_t format_fingerprint(const Fingerprint& fp, char* out, std::size_t out_len);
// "sha-1", "sha-256", "sha-384" (RFC 8122 §5 hash-func names).
const char* fingerprint_hash_name(FingerprintHash hash);
// Parses the hash name ("sha-256") and "AB:CD:.." value of an a=fingerprint line.
[[nodiscard]] Result<Fingerprint> parse_fingerprint(std::span<const char> hash_name, std::span<const char> value);
// Constant-time comparison of a certificate's fingerprint with an expected one.
bool fingerprint_matches(const Fingerprint& expected, std::span<const uint8_t> der);

}  // namespace keyway::dtls
