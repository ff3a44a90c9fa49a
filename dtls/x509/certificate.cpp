// SPDX-License-Identifier: Apache-2.0
// X.509 certificate parsing (RFC 5280 §4.1), the subset WebRTC needs:
//
//   Certificate ::= SEQUENCE {
//     tbsCertificate       TBSCertificate,
//     signatureAlgorithm   AlgorithmIdentifier,
//     signatureValue       BIT STRING }
//   TBSCertificate ::= SEQUENCE {
//     version         [0] EXPLICIT Version DEFAULT v1,
//     serialNumber         INTEGER,
//     signature            AlgorithmIdentifier,
//     issuer               Name,
//     validity             SEQUENCE { notBefore Time, notAfter Time },
//     subject              Name,
//     subjectPublicKeyInfo SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING },
//     issuerUniqueID  [1] IMPLICIT BIT STRING OPTIONAL,
//     subjectUniqueID [2] IMPLICIT BIT STRING OPTIONAL,
//     extensions      [3] EXPLICIT SEQUENCE SIZE (1..MAX) OF Extension OPTIONAL }
//
// Every field is checked for DER well-formedness; only the key, the
// signature and the validity are interpreted. Errors name the field. The
// minimal profile frames the validity and the extensions but does not look
// into them (lib/profile.hpp kX509Details).
#include "keyway/dtls/x509/certificate.hpp"

#include "keyway/dtls/x509/der.hpp"
#include "keyway/dtls/x509/oid.hpp"
#include "keyway/lib/profile.hpp"

namespace keyway::dtls {

namespace {

constexpr Error cert_error(const char* detail) { return make_error(Layer::dtls, Code::bad_certificate, detail); }
constexpr Error unsupported(const char* detail) { return make_error(Layer::dtls, Code::unsupported, detail); }

constexpr Error kTooLarge = cert_error("certificate: larger than kMaxCertificateSize");
constexpr Error kOuter = cert_error("certificate: not a DER SEQUENCE of tbsCertificate, signatureAlgorithm, signatureValue");
constexpr Error kTrailing = cert_error("certificate: bytes follow the certificate");
constexpr Error kTbs = cert_error("certificate: tbsCertificate is not a DER SEQUENCE");
constexpr Error kVersion = cert_error("certificate: version is not a DER-encoded v2 or v3 ([0] INTEGER 1 or 2)");
constexpr Error kSerial = cert_error("certificate: serialNumber is not a DER INTEGER");
constexpr Error kTbsAlgorithm = cert_error("certificate: tbsCertificate.signature is not an AlgorithmIdentifier");
constexpr Error kIssuer = cert_error("certificate: issuer is not a well-formed Name");
constexpr Error kValidity = cert_error("certificate: validity is not two well-formed Times");
constexpr Error kSubject = cert_error("certificate: subject is not a well-formed Name");
constexpr Error kSpki = cert_error("certificate: subjectPublicKeyInfo is malformed");
constexpr Error kUniqueId = cert_error("certificate: issuerUniqueID/subjectUniqueID is malformed or not allowed");
constexpr Error kExtensions = cert_error("certificate: extensions are malformed");
constexpr Error kExtensionsVersion = cert_error("certificate: extensions in a certificate that is not v3");
constexpr Error kDuplicateExtension = cert_error("certificate: an extension appears twice (RFC 5280 4.2)");
constexpr Error kTbsTrailing = cert_error("certificate: unknown fields at the end of tbsCertificate");
constexpr Error kAlgorithm = cert_error("certificate: signatureAlgorithm is not an AlgorithmIdentifier");
constexpr Error kAlgorithmMismatch =
    cert_error("certificate: signatureAlgorithm differs from tbsCertificate.signature (RFC 5280 4.1.1.2)");
constexpr Error kSignatureValue = cert_error("certificate: signatureValue is not a BIT STRING of whole octets");
constexpr Error kEcParams = unsupported("certificate: EC key parameters are not a named curve (RFC 5480 2.1.1)");
constexpr Error kEcCurve = unsupported("certificate: EC key on a curve other than P-256 or P-384");
constexpr Error kEcCompressed = unsupported("certificate: compressed EC points are not supported");
constexpr Error kEcPoint = cert_error("certificate: EC public key is not an uncompressed point of the curve's size");
constexpr Error kRsaParams = cert_error("certificate: rsaEncryption parameters must be NULL (RFC 3279 2.3.1)");
constexpr Error kRsaKey = cert_error("certificate: RSAPublicKey is not a SEQUENCE of two positive INTEGERs");
constexpr Error kKeyType = unsupported("certificate: public key is neither id-ecPublicKey nor rsaEncryption");

constexpr std::size_t kMaxExtensions = 32;

// Maps a DER failure inside a field to that field's error; errors that
// already name a certificate rule are kept.
Status field(const Status& st, const Error& e) {
  if (st.ok() || st.error().code != Code::decode_error) return st;
  return e;
}

// AlgorithmIdentifier ::= SEQUENCE { algorithm OID, parameters ANY OPTIONAL }
Status read_algorithm(der::Reader& r, Bytes& oid_out, Bytes& params, bool& has_params, Bytes& whole) {
  der::Reader seq;
  TRY(r.enter(der::tag::kSequence, seq, &whole));
  TRY(seq.read_oid(oid_out));
  has_params = !seq.at_end();
  if (has_params) {
    uint8_t t = 0;
    Bytes contents;
    TRY(seq.read_any(t, contents, &params));
    TRY(der::check_well_formed(params));
  }
  ENSURE(seq.at_end(), make_error(Layer::dtls, Code::decode_error, "der: AlgorithmIdentifier has extra fields"));
  return ok_status();
}

// Name ::= SEQUENCE OF SET SIZE (1..MAX) OF SEQUENCE { type OID, value ANY }
Status read_name(der::Reader& r, Bytes& whole) {
  der::Reader rdns;
  TRY(r.enter(der::tag::kSequence, rdns, &whole));
  while (!rdns.at_end()) {
    der::Reader rdn;
    TRY(rdns.enter(der::tag::kSet, rdn));
    ENSURE(!rdn.at_end(), make_error(Layer::dtls, Code::decode_error, "der: empty RelativeDistinguishedName"));
    while (!rdn.at_end()) {
      der::Reader atv;
      Bytes type, contents, value;
      uint8_t value_tag = 0;
      TRY(rdn.enter(der::tag::kSequence, atv));
      TRY(atv.read_oid(type));
      TRY(atv.read_any(value_tag, contents, &value));
      TRY(der::check_well_formed(value));
      ENSURE(atv.at_end(), make_error(Layer::dtls, Code::decode_error, "der: AttributeTypeAndValue has extra fields"));
    }
  }
  return ok_status();
}

// Time ::= CHOICE { utcTime UTCTime, generalTime GeneralizedTime }, stepped
// over: its tag is checked, its text not read (lib/profile.hpp kX509Details).
Status skip_time(der::Reader& r) {
  uint8_t t = 0;
  Bytes contents;
  TRY(r.read_any(t, contents));
  ENSURE(t == der::tag::kUtcTime || t == der::tag::kGeneralizedTime,
         make_error(Layer::dtls, Code::decode_error, "der: Validity holds an element that is not a Time"));
  return ok_status();
}

// Validity ::= SEQUENCE { notBefore Time, notAfter Time }
Status read_validity(der::Reader& r, CertificateView& v) {
  der::Reader seq;
  TRY(r.enter(der::tag::kSequence, seq));
  if (profile::kX509Details) {
    TRY(seq.read_time(v.not_before));
    TRY(seq.read_time(v.not_after));
  } else {
    TRY(skip_time(seq));
    TRY(skip_time(seq));
  }
  ENSURE(seq.at_end(), make_error(Layer::dtls, Code::decode_error, "der: Validity has extra fields"));
  return ok_status();
}

// RFC 5480 §2.1.1: namedCurve only; §2.2: the key is an ECPoint, which we
// accept uncompressed only (what every TLS stack puts in certificates).
Status read_ec_key(Bytes params, bool has_params, Bytes key, CertificateView& v) {
  ENSURE(has_params, kEcParams);
  der::Reader pr(params);
  Bytes curve;
  ENSURE(pr.read_oid(curve).ok() && pr.at_end(), kEcParams);
  std::size_t point_size = 0;
  if (oid::equal(curve, oid::kPrime256v1)) {
    v.key_type = KeyType::ec_p256;
    point_size = 65;
  } else if (oid::equal(curve, oid::kSecp384r1)) {
    v.key_type = KeyType::ec_p384;
    point_size = 97;
  } else {
    return kEcCurve;
  }
  ENSURE(key.empty() || (key[0] != 0x02 && key[0] != 0x03), kEcCompressed);
  ENSURE(key.size() == point_size && key[0] == 0x04, kEcPoint);
  v.ec_point = key;
  return ok_status();
}

// RFC 8017 Appendix A.1.1: RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
Status read_rsa_key(Bytes params, bool has_params, Bytes key, CertificateView& v) {
  der::Reader pr(params);
  ENSURE(has_params && pr.read_null().ok() && pr.at_end(), kRsaParams);
  der::Reader outer(key);
  der::Reader seq;
  Bytes n, e;
  bool ok = outer.enter(der::tag::kSequence, seq).ok() && outer.at_end() && seq.read_unsigned(n).ok() &&
            seq.read_unsigned(e).ok() && seq.at_end();
  ENSURE(ok, kRsaKey);
  ENSURE(n[0] != 0 && e[0] != 0, kRsaKey);  // magnitudes without leading zeros: zero is not a key
  v.key_type = KeyType::rsa;
  v.rsa = crypto::RsaPublicKey{n, e};
  return ok_status();
}

Status read_spki(der::Reader& r, CertificateView& v) {
  der::Reader seq;
  Bytes alg, params, alg_whole, key;
  bool has_params = false;
  TRY(field(r.enter(der::tag::kSequence, seq), kSpki));
  TRY(field(read_algorithm(seq, alg, params, has_params, alg_whole), kSpki));
  TRY(field(seq.read_bit_string(key), kSpki));
  ENSURE(seq.at_end(), kSpki);
  if (oid::equal(alg, oid::kEcPublicKey)) return read_ec_key(params, has_params, key, v);
  // Without RSA (lib/profile.hpp kRsa) such a key is refused here, as unsupported.
  if (profile::kRsa && oid::equal(alg, oid::kRsaEncryption)) return read_rsa_key(params, has_params, key, v);
  return kKeyType;
}

// Extension ::= SEQUENCE { extnID OID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
// extnValue holds the DER of one value, which must itself be well formed.
Status read_extension(der::Reader& list, Bytes& id) {
  der::Reader ext;
  Bytes value;
  bool critical_present = false;
  Bytes critical;
  TRY(list.enter(der::tag::kSequence, ext));
  TRY(ext.read_oid(id));
  TRY(ext.read_optional(der::tag::kBoolean, critical, critical_present));
  if (critical_present) {
    // Accept an explicit FALSE (strict DER would omit it) but not junk.
    ENSURE(critical.size() == 1 && (critical[0] == 0x00 || critical[0] == 0xFF), kExtensions);
  }
  TRY(ext.read(der::tag::kOctetString, value));
  ENSURE(ext.at_end(), kExtensions);
  der::Reader inner(value);
  uint8_t t = 0;
  Bytes c;
  TRY(inner.read_any(t, c));
  ENSURE(inner.at_end(), kExtensions);
  return der::check_well_formed(value);
}

// extensions [3] EXPLICIT SEQUENCE SIZE (1..MAX) OF Extension. Without
// lib/profile.hpp kX509Details the list is framed but its entries are not
// read: keyway acts on no extension (the peer is pinned by its fingerprint).
Status read_extensions(der::Reader& tbs) {
  der::Reader explicit3, list;
  TRY(tbs.enter(der::tag::context_explicit(3), explicit3));
  TRY(explicit3.enter(der::tag::kSequence, list));
  ENSURE(explicit3.at_end() && !list.at_end(), kExtensions);
  if (!profile::kX509Details) return ok_status();
  Bytes seen[kMaxExtensions];
  std::size_t count = 0;
  while (!list.at_end()) {
    ENSURE(count < kMaxExtensions, kExtensions);
    Bytes id;
    TRY(read_extension(list, id));
    for (std::size_t i = 0; i < count; ++i) ENSURE(!oid::equal(seen[i], id), kDuplicateExtension);
    seen[count++] = id;
  }
  return ok_status();
}

// version [0] EXPLICIT INTEGER; absent means v1 (value 0).
Status read_version(der::Reader& tbs, uint32_t& version) {
  version = 0;
  uint8_t t = 0;
  if (!tbs.peek_tag(t) || t != der::tag::context_explicit(0)) return ok_status();
  der::Reader v;
  ENSURE(tbs.enter(der::tag::context_explicit(0), v).ok() && v.read_small_unsigned(version).ok() && v.at_end(),
         kVersion);
  // X.690 §11.5: a DEFAULT value (v1) is never encoded in DER.
  ENSURE(version == 1 || version == 2, kVersion);
  return ok_status();
}

// issuerUniqueID [1] / subjectUniqueID [2]: v2 and v3 only; contents are a BIT STRING.
Status skip_unique_ids(der::Reader& tbs, uint32_t version) {
  for (uint8_t n = 1; n <= 2; ++n) {
    Bytes c;
    bool present = false;
    TRY(field(tbs.read_optional(der::tag::context_primitive(n), c, present), kUniqueId));
    ENSURE(!present || (version >= 1 && !c.empty() && c[0] <= 7), kUniqueId);
  }
  return ok_status();
}

Status read_tbs(der::Reader& cert, CertificateView& v, Bytes& tbs_algorithm) {
  der::Reader tbs;
  TRY(field(cert.enter(der::tag::kSequence, tbs, &v.tbs), kTbs));
  uint32_t version = 0;
  TRY(read_version(tbs, version));
  TRY(field(tbs.read_integer(v.serial_number), kSerial));
  Bytes alg, params;
  bool has_params = false;
  TRY(field(read_algorithm(tbs, alg, params, has_params, tbs_algorithm), kTbsAlgorithm));
  TRY(field(read_name(tbs, v.issuer), kIssuer));
  TRY(field(read_validity(tbs, v), kValidity));
  TRY(field(read_name(tbs, v.subject), kSubject));
  TRY(read_spki(tbs, v));
  TRY(skip_unique_ids(tbs, version));
  if (!tbs.at_end()) {
    ENSURE(version == 2, kExtensionsVersion);
    TRY(field(read_extensions(tbs), kExtensions));
  }
  ENSURE(tbs.at_end(), kTbsTrailing);
  return ok_status();
}

}  // namespace

Result<CertificateView> parse_certificate(std::span<const uint8_t> der) {
  ENSURE(der.size() <= kMaxCertificateSize, kTooLarge);
  CertificateView v;
  v.der = der;
  der::Reader top(der);
  der::Reader cert;
  TRY(field(top.enter(der::tag::kSequence, cert), kOuter));
  ENSURE(top.at_end(), kTrailing);
  Bytes tbs_algorithm;
  TRY(read_tbs(cert, v, tbs_algorithm));
  Bytes params, algorithm;
  bool has_params = false;
  TRY(field(read_algorithm(cert, v.signature_algorithm_oid, params, has_params, algorithm), kAlgorithm));
  ENSURE(oid::equal(algorithm, tbs_algorithm), kAlgorithmMismatch);
  TRY(field(cert.read_bit_string(v.signature), kSignatureValue));
  ENSURE(cert.at_end(), kOuter);
  return v;
}

}  // namespace keyway::dtls
