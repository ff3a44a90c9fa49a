// SPDX-License-Identifier: Apache-2.0
// Signature checks with a certificate's public key: TLS 1.2 handshake
// signatures (RFC 5246 §4.7, §7.4.1.4.1; RFC 8446 §4.2.3 scheme values) and
// a certificate's own signature (RFC 5280 §4.1.1.3).
#include "keyway/dtls/x509/certificate.hpp"
#include "keyway/dtls/x509/der.hpp"
#include "keyway/dtls/x509/oid.hpp"

namespace keyway::dtls {

namespace {

enum class SigKind : uint8_t { ecdsa, rsa_pkcs1, rsa_pss };

struct SigAlgorithm {
  SigKind kind = SigKind::ecdsa;
  crypto::HashAlg hash = crypto::HashAlg::sha256;
};

constexpr Error kUnknownScheme = make_error(Layer::dtls, Code::unsupported, "signature: unsupported SignatureScheme");
constexpr Error kKeyMismatch =
    make_error(Layer::dtls, Code::illegal_parameter, "signature: scheme does not match the certificate's key type");
constexpr Error kBadSignature =
    make_error(Layer::dtls, Code::auth_failed, "signature: does not verify with the certificate's public key");
constexpr Error kDigestSize =
    make_error(Layer::dtls, Code::invalid_argument, "signature: digest length does not match the scheme's hash");
constexpr Error kUnknownCertAlgorithm = make_error(
    Layer::dtls, Code::unsupported,
    "certificate: signature algorithm is not ECDSA or RSA PKCS#1 v1.5 with SHA-1/256/384");

Result<SigAlgorithm> scheme_algorithm(SignatureScheme scheme) {
  switch (scheme) {
    case SignatureScheme::rsa_pkcs1_sha1: return SigAlgorithm{SigKind::rsa_pkcs1, crypto::HashAlg::sha1};
    case SignatureScheme::rsa_pkcs1_sha256: return SigAlgorithm{SigKind::rsa_pkcs1, crypto::HashAlg::sha256};
    case SignatureScheme::rsa_pkcs1_sha384: return SigAlgorithm{SigKind::rsa_pkcs1, crypto::HashAlg::sha384};
    case SignatureScheme::ecdsa_secp256r1_sha256: return SigAlgorithm{SigKind::ecdsa, crypto::HashAlg::sha256};
    case SignatureScheme::ecdsa_secp384r1_sha384: return SigAlgorithm{SigKind::ecdsa, crypto::HashAlg::sha384};
    case SignatureScheme::rsa_pss_rsae_sha256: return SigAlgorithm{SigKind::rsa_pss, crypto::HashAlg::sha256};
    case SignatureScheme::rsa_pss_rsae_sha384: return SigAlgorithm{SigKind::rsa_pss, crypto::HashAlg::sha384};
  }
  return kUnknownScheme;
}

Result<SigAlgorithm> certificate_algorithm(Bytes algorithm_oid) {
  if (oid::equal(algorithm_oid, oid::kEcdsaWithSha256)) return SigAlgorithm{SigKind::ecdsa, crypto::HashAlg::sha256};
  if (oid::equal(algorithm_oid, oid::kEcdsaWithSha384)) return SigAlgorithm{SigKind::ecdsa, crypto::HashAlg::sha384};
  if (oid::equal(algorithm_oid, oid::kEcdsaWithSha1)) return SigAlgorithm{SigKind::ecdsa, crypto::HashAlg::sha1};
  if (oid::equal(algorithm_oid, oid::kSha256WithRsa)) return SigAlgorithm{SigKind::rsa_pkcs1, crypto::HashAlg::sha256};
  if (oid::equal(algorithm_oid, oid::kSha384WithRsa)) return SigAlgorithm{SigKind::rsa_pkcs1, crypto::HashAlg::sha384};
  if (oid::equal(algorithm_oid, oid::kSha1WithRsa)) return SigAlgorithm{SigKind::rsa_pkcs1, crypto::HashAlg::sha1};
  return kUnknownCertAlgorithm;
}

// A failed check becomes our error; other crypto errors (an unusable key,
// say) keep their own precise reason.
Status map_crypto(const Status& st) {
  if (st.ok() || st.error().code != Code::auth_failed) return st;
  return kBadSignature;
}

Status verify_ecdsa(const CertificateView& cert, Bytes digest, Bytes signature) {
  // RFC 5246 §7.4.1.4.1: in TLS 1.2 the hash is independent of the curve,
  // so ecdsa+sha256 with a P-384 key is legal; the curve comes from the key.
  ENSURE(cert.key_type != KeyType::rsa, kKeyMismatch);
  crypto::EcCurve curve = cert.key_type == KeyType::ec_p256 ? crypto::EcCurve::p256 : crypto::EcCurve::p384;
  uint8_t raw[2 * der::kMaxEcdsaScalarSize];
  std::size_t raw_len = crypto::ecdsa_signature_size(curve);
  TRY(der::ecdsa_der_to_raw(signature, crypto::ecdsa_scalar_size(curve), {raw, raw_len}));
  return map_crypto(crypto::ecdsa_verify_digest(curve, cert.ec_point, digest, {raw, raw_len}));
}

Status verify_digest_with(const CertificateView& cert, SigAlgorithm alg, Bytes d, Bytes signature) {
  ENSURE(d.size() == crypto::digest_size(alg.hash), kDigestSize);
  switch (alg.kind) {
    case SigKind::ecdsa: return verify_ecdsa(cert, d, signature);
    case SigKind::rsa_pkcs1:
      ENSURE(cert.key_type == KeyType::rsa, kKeyMismatch);
      return map_crypto(crypto::rsa_verify_pkcs1(cert.rsa, alg.hash, d, signature));
    case SigKind::rsa_pss:
      ENSURE(cert.key_type == KeyType::rsa, kKeyMismatch);
      return map_crypto(crypto::rsa_verify_pss(cert.rsa, alg.hash, d, signature));
  }
  return kUnknownScheme;
}

Status verify_with(const CertificateView& cert, SigAlgorithm alg, Bytes message, Bytes signature) {
  uint8_t digest[crypto::kMaxDigestSize];
  std::size_t digest_len = crypto::digest_size(alg.hash);
  crypto::hash(alg.hash, message, {digest, digest_len});
  return verify_digest_with(cert, alg, {digest, digest_len}, signature);
}

}  // namespace

Result<crypto::HashAlg> signature_scheme_hash(SignatureScheme scheme) {
  Result<SigAlgorithm> alg = scheme_algorithm(scheme);
  if (!alg.ok()) return alg.error();
  return alg->hash;
}

Status verify_signature_digest(const CertificateView& cert, SignatureScheme scheme, std::span<const uint8_t> digest,
                               std::span<const uint8_t> signature) {
  Result<SigAlgorithm> alg = scheme_algorithm(scheme);
  if (!alg.ok()) return alg.error();
  return verify_digest_with(cert, *alg, digest, signature);
}

Status verify_signature(const CertificateView& cert, SignatureScheme scheme, std::span<const uint8_t> message,
                        std::span<const uint8_t> signature) {
  Result<SigAlgorithm> alg = scheme_algorithm(scheme);
  if (!alg.ok()) return alg.error();
  return verify_with(cert, *alg, message, signature);
}

Status verify_self_signature(const CertificateView& cert) {
  Result<SigAlgorithm> alg = certificate_algorithm(cert.signature_algorithm_oid);
  if (!alg.ok()) return alg.error();
  return verify_with(cert, *alg, cert.tbs, cert.signature);
}

bool valid_at(const CertificateView& cert, int64_t unix_now) {
  return cert.not_before <= unix_now && unix_now <= cert.not_after;
}

}  // namespace keyway::dtls
