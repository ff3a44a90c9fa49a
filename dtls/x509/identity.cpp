// SPDX-License-Identifier: Apache-2.0
// Our own DTLS identity: a fresh ECDSA P-256 key and a self-signed
// certificate, shaped like the ones browsers and aiortc generate:
//
//   v3, random positive serial, ecdsa-with-SHA256 (RFC 5758 §3.2, no
//   parameters), issuer = subject = CN=<name>, validity now-1d .. now+N days,
//   id-ecPublicKey/prime256v1 key (RFC 5480), no extensions.
#include <cstring>

#include "keyway/dtls/x509/certificate.hpp"
#include "keyway/dtls/x509/der.hpp"
#include "keyway/dtls/x509/oid.hpp"
#include "keyway/lib/crypto/ct.hpp"

namespace keyway::dtls {

namespace {

constexpr std::size_t kSerialSize = 16;       // RFC 5280 §4.1.2.2: at most 20 octets
constexpr std::size_t kMaxCommonName = 64;    // RFC 5280 Appendix A: ub-common-name
constexpr int kMaxValidityDays = 36500;
constexpr int64_t kSecondsPerDay = 86400;

constexpr Error kBadName = make_error(Layer::dtls, Code::invalid_argument,
                                      "identity: common name must be 1..64 printable ASCII characters");
constexpr Error kBadDays = make_error(Layer::dtls, Code::invalid_argument, "identity: validity_days must be 1..36500");
constexpr Error kTooLarge = make_error(Layer::dtls, Code::internal, "identity: certificate does not fit its buffer");
constexpr Error kBadDigest = make_error(Layer::dtls, Code::invalid_argument, "identity: digest must be 32 bytes (SHA-256)");
constexpr Error kNoKey = make_error(Layer::dtls, Code::bad_state, "identity: no key (generate() or load() has not succeeded)");
constexpr Error kLoadTooLarge = make_error(Layer::dtls, Code::capacity, "identity: certificate larger than 1024 bytes");
constexpr Error kLoadNotP256 = make_error(Layer::dtls, Code::unsupported, "identity: certificate key is not ECDSA P-256");
constexpr Error kLoadMismatch =
    make_error(Layer::dtls, Code::invalid_argument, "identity: private key does not match the certificate");

// ECDSA over a digest, DER-encoded for the wire (RFC 8422 §5.4).
Result<std::size_t> sign_der(crypto::EcdsaKey& key, Bytes digest, MutableBytes out, Rng& rng) {
  uint8_t raw[64];
  TRY(key.sign_digest(digest, raw, rng));
  Result<std::size_t> n = der::ecdsa_raw_to_der(raw, out);
  crypto::secure_zero(raw, sizeof raw);
  return n;
}

// Length of s up to limit (strnlen is not in every embedded libc).
std::size_t bounded_length(const char* s, std::size_t limit) {
  std::size_t n = 0;
  while (n < limit && s[n] != '\0') ++n;
  return n;
}

bool printable_ascii(const char* s, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    if (s[i] < 0x20 || s[i] > 0x7e) return false;
  return true;
}

void write_ecdsa_sha256(der::Writer& w) {
  der::Writer::Mark alg = w.begin(der::tag::kSequence);
  w.write(der::tag::kOid, oid::kEcdsaWithSha256);
  w.end(alg);
}

// Name with a single RDN: SEQUENCE { SET { SEQUENCE { id-at-commonName, UTF8String } } }
void write_name(der::Writer& w, Bytes common_name) {
  der::Writer::Mark name = w.begin(der::tag::kSequence);
  der::Writer::Mark rdn = w.begin(der::tag::kSet);
  der::Writer::Mark atv = w.begin(der::tag::kSequence);
  w.write(der::tag::kOid, oid::kCommonName);
  w.write(der::tag::kUtf8String, common_name);  // RFC 5280 §4.1.2.6: UTF8String
  w.end(atv);
  w.end(rdn);
  w.end(name);
}

void write_spki(der::Writer& w, Bytes point) {
  der::Writer::Mark spki = w.begin(der::tag::kSequence);
  der::Writer::Mark alg = w.begin(der::tag::kSequence);
  w.write(der::tag::kOid, oid::kEcPublicKey);
  w.write(der::tag::kOid, oid::kPrime256v1);
  w.end(alg);
  w.write_bit_string(point);
  w.end(spki);
}

struct TbsFields {
  Bytes serial;
  Bytes common_name;
  int64_t not_before = 0;
  int64_t not_after = 0;
  Bytes public_point;
};

void write_tbs(der::Writer& w, const TbsFields& f) {
  der::Writer::Mark tbs = w.begin(der::tag::kSequence);
  der::Writer::Mark version = w.begin(der::tag::context_explicit(0));
  w.write_small_unsigned(2);  // v3
  w.end(version);
  w.write_unsigned(f.serial);
  write_ecdsa_sha256(w);
  write_name(w, f.common_name);  // issuer
  der::Writer::Mark validity = w.begin(der::tag::kSequence);
  w.write_time(f.not_before);
  w.write_time(f.not_after);
  w.end(validity);
  write_name(w, f.common_name);  // subject
  write_spki(w, f.public_point);
  w.end(tbs);
}

}  // namespace

Status Identity::generate(Rng& rng, const char* common_name, int64_t unix_now, int validity_days) {
  der_len_ = 0;
  ENSURE(common_name != nullptr, kBadName);
  std::size_t cn_len = bounded_length(common_name, kMaxCommonName + 1);
  ENSURE(cn_len >= 1 && cn_len <= kMaxCommonName && printable_ascii(common_name, cn_len), kBadName);
  ENSURE(validity_days >= 1 && validity_days <= kMaxValidityDays, kBadDays);
  TRY(key_.generate(crypto::EcCurve::p256, rng));

  // RFC 5280 §4.1.2.2: a positive serial; the top bits fixed so the DER
  // INTEGER is always exactly kSerialSize octets.
  uint8_t serial[kSerialSize];
  rng.fill(serial);
  serial[0] = static_cast<uint8_t>((serial[0] & 0x3F) | 0x40);

  TbsFields f;
  f.serial = serial;
  f.common_name = Bytes(reinterpret_cast<const uint8_t*>(common_name), cn_len);
  f.not_before = unix_now - kSecondsPerDay;
  f.not_after = unix_now + validity_days * kSecondsPerDay;
  f.public_point = key_.public_key();

  der::Writer w({der_, sizeof der_});
  der::Writer::Mark cert = w.begin(der::tag::kSequence);
  std::size_t tbs_at = w.size();
  write_tbs(w, f);
  ENSURE(!w.failed(), kTooLarge);

  uint8_t digest[crypto::Sha256::kDigestSize];
  crypto::hash(crypto::HashAlg::sha256, w.written().subspan(tbs_at), digest);
  uint8_t signature[der::kMaxEcdsaDerSize];
  Result<std::size_t> sig_len = sign_der(key_, digest, signature, rng);
  if (!sig_len.ok()) return sig_len.error();
  write_ecdsa_sha256(w);
  w.write_bit_string({signature, *sig_len});
  w.end(cert);
  ENSURE(!w.failed(), kTooLarge);
  der_len_ = w.size();
  return ok_status();
}

Result<std::size_t> Identity::sign(std::span<const uint8_t> message, std::span<uint8_t> out, Rng& rng) {
  uint8_t digest[crypto::Sha256::kDigestSize];
  crypto::hash(crypto::HashAlg::sha256, message, digest);
  return sign_digest(digest, out, rng);
}

Result<std::size_t> Identity::sign_digest(std::span<const uint8_t> sha256_digest, std::span<uint8_t> out, Rng& rng) {
  ENSURE(der_len_ > 0, kNoKey);
  ENSURE(sha256_digest.size() == crypto::Sha256::kDigestSize, kBadDigest);
  return sign_der(key_, sha256_digest, out, rng);
}

Status Identity::load(std::span<const uint8_t> p256_private_scalar, std::span<const uint8_t> certificate_der) {
  der_len_ = 0;
  ENSURE(certificate_der.size() <= sizeof der_, kLoadTooLarge);
  Result<CertificateView> cert = parse_certificate(certificate_der);
  if (!cert.ok()) return cert.error();
  ENSURE(cert->key_type == KeyType::ec_p256, kLoadNotP256);
  TRY(key_.load_private(crypto::EcCurve::p256, p256_private_scalar));
  Bytes pub = key_.public_key();
  ENSURE(pub.size() == cert->ec_point.size() && crypto::ct_equal(pub, cert->ec_point), kLoadMismatch);
  std::memcpy(der_, certificate_der.data(), certificate_der.size());
  der_len_ = certificate_der.size();
  return ok_status();
}

}  // namespace keyway::dtls
