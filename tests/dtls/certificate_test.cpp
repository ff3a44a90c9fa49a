// SPDX-License-Identifier: Apache-2.0
// X.509 parsing, signature checks and fingerprints, against certificates
// and signatures made once by `openssl req -x509` / `openssl dgst` and
// checked in (tests/dtls/data), plus hand-built DER for the edge cases.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "keyway/dtls/x509/certificate.hpp"
#include "keyway/dtls/x509/der.hpp"
#include "tests/dtls/x509_support.hpp"
#include "tests/support/hex.hpp"

using namespace keyway;
using namespace keyway::dtls;
using keyway::test::hex;
using keyway::test::read_fixture;
using keyway::test::read_fixture_text;
using keyway::test::unhex;

namespace {

using Buf = std::vector<uint8_t>;

// The value after "Fingerprint=" in `openssl x509 -noout -fingerprint` output.
std::string openssl_fingerprint(const std::string& file) {
  std::string text = read_fixture_text(file);
  auto eq = text.find('=');
  auto end = text.find_first_of("\r\n", eq);
  return text.substr(eq + 1, end - eq - 1);
}

std::string formatted(const Fingerprint& fp) {
  char out[3 * crypto::kMaxDigestSize];
  std::size_t n = format_fingerprint(fp, out, sizeof out);
  return std::string(out, n);
}

std::span<const char> chars(const std::string& s) { return {s.data(), s.size()}; }

// ---- a tiny DER builder for hand-made certificates ----
Buf tlv(uint8_t tag, const Buf& contents) {
  Buf out(contents.size() + 8);
  der::Writer w(out);
  w.write(tag, contents);
  out.resize(w.size());
  return out;
}
Buf cat(std::initializer_list<Buf> parts) {
  Buf out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
Buf text(const char* s) { return Buf(s, s + std::strlen(s)); }

struct CertParts {
  Buf version = tlv(0xa0, unhex("020102"));
  Buf serial = unhex("020101");
  Buf algorithm = tlv(0x30, tlv(0x06, unhex("2a8648ce3d040302")));
  Buf name = tlv(0x30, tlv(0x31, tlv(0x30, cat({tlv(0x06, unhex("550403")), tlv(0x0c, text("keyway"))}))));
  Buf validity = tlv(0x30, cat({tlv(0x17, text("240101000000Z")), tlv(0x18, text("20991231235959Z"))}));
  Buf spki = tlv(0x30, cat({tlv(0x30, cat({tlv(0x06, unhex("2a8648ce3d0201")), tlv(0x06, unhex("2a8648ce3d030107"))})),
                            tlv(0x03, cat({unhex("0004"), Buf(64, 0x42)}))}));
  Buf unique_ids;
  Buf extensions = tlv(0xa3, tlv(0x30, tlv(0x30, cat({tlv(0x06, unhex("551d13")), unhex("0101ff"),
                                                      tlv(0x04, unhex("30030101ff"))}))));
  Buf outer_algorithm = tlv(0x30, tlv(0x06, unhex("2a8648ce3d040302")));
  Buf signature = tlv(0x03, unhex("003006020101020101"));

  Buf build() const {
    Buf tbs = tlv(0x30, cat({version, serial, algorithm, name, validity, name, spki, unique_ids, extensions}));
    return tlv(0x30, cat({tbs, outer_algorithm, signature}));
  }
};

Buf extension(const char* oid_hex, const Buf& value) {
  return tlv(0x30, cat({tlv(0x06, unhex(oid_hex)), tlv(0x04, value)}));
}

std::string parse_error(const Buf& der) {
  auto r = parse_certificate(der);
  return r.ok() ? std::string("ok") : std::string(r.error().detail);
}

struct Fixture {
  const char* name;
  KeyType key;
  SignatureScheme scheme;
};
constexpr Fixture kFixtures[] = {
    {"ec_p256", KeyType::ec_p256, SignatureScheme::ecdsa_secp256r1_sha256},
    {"ec_p384", KeyType::ec_p384, SignatureScheme::ecdsa_secp384r1_sha384},
    {"rsa2048", KeyType::rsa, SignatureScheme::rsa_pkcs1_sha256},
};

}  // namespace

TEST_CASE("parse openssl-generated certificates and check their self-signatures") {
  for (const auto& f : kFixtures) {
    CAPTURE(f.name);
    Buf der = read_fixture(std::string(f.name) + ".der");
    REQUIRE(!der.empty());
    auto cert = parse_certificate(der);
    REQUIRE(cert.ok());
    CHECK(cert->key_type == f.key);
    CHECK(cert->der.size() == der.size());
    CHECK(cert->tbs.size() < der.size());
    CHECK(verify_self_signature(*cert).ok());
    switch (f.key) {
      case KeyType::ec_p256: CHECK(cert->ec_point.size() == 65); break;
      case KeyType::ec_p384: CHECK(cert->ec_point.size() == 97); break;
      case KeyType::rsa:
        CHECK(cert->rsa.modulus.size() == 256);
        CHECK(hex(cert->rsa.exponent) == "010001");
        break;
    }
    // Validity as `openssl x509 -startdate -enddate` printed it.
    std::string v = read_fixture_text("validity.txt");
    auto line = v.find(f.name);
    REQUIRE(line != std::string::npos);
    long long nb = 0, na = 0;
    REQUIRE(std::sscanf(v.c_str() + line + std::strlen(f.name), "%lld %lld", &nb, &na) == 2);
    CHECK(cert->not_before == nb);
    CHECK(cert->not_after == na);
    CHECK(valid_at(*cert, nb));
    CHECK(!valid_at(*cert, nb - 1));
    CHECK(!valid_at(*cert, na + 1));
  }
}

TEST_CASE("fingerprints match `openssl x509 -fingerprint` (sha-1, sha-256, sha-384)") {
  const std::pair<FingerprintHash, const char*> hashes[] = {
      {FingerprintHash::sha1, "sha1"}, {FingerprintHash::sha256, "sha256"}, {FingerprintHash::sha384, "sha384"}};
  for (const auto& f : kFixtures) {
    Buf der = read_fixture(std::string(f.name) + ".der");
    for (const auto& entry : hashes) {
      FingerprintHash h = entry.first;
      const char* file_hash = entry.second;
      CAPTURE(f.name);
      CAPTURE(file_hash);
      std::string expected = openssl_fingerprint(std::string(f.name) + "." + file_hash + ".txt");
      CHECK(formatted(fingerprint(h, der)) == expected);
      auto parsed = parse_fingerprint(chars(fingerprint_hash_name(h)), chars(expected));
      REQUIRE(parsed.ok());
      CHECK(fingerprint_matches(*parsed, der));
      Buf other = der;
      other[other.size() / 2] ^= 1;
      CHECK(!fingerprint_matches(*parsed, other));
    }
  }
}

TEST_CASE("verify TLS signatures made by openssl dgst") {
  Buf message = read_fixture("message.bin");
  auto p256 = read_fixture("ec_p256.der"), p384 = read_fixture("ec_p384.der"), rsa = read_fixture("rsa2048.der");
  auto c256 = parse_certificate(p256), c384 = parse_certificate(p384), crsa = parse_certificate(rsa);
  REQUIRE((c256.ok() && c384.ok() && crsa.ok()));
  struct Case {
    const CertificateView* cert;
    SignatureScheme scheme;
    const char* sig;
  };
  const Case cases[] = {
      {&*c256, SignatureScheme::ecdsa_secp256r1_sha256, "sig_p256_sha256.der"},
      {&*c384, SignatureScheme::ecdsa_secp384r1_sha384, "sig_p384_sha384.der"},
      // TLS 1.2 lets any ECDSA key sign with any hash (RFC 5246 7.4.1.4.1).
      {&*c384, SignatureScheme::ecdsa_secp256r1_sha256, "sig_p384_sha256.der"},
      {&*crsa, SignatureScheme::rsa_pkcs1_sha1, "sig_rsa_pkcs1_sha1.bin"},
      {&*crsa, SignatureScheme::rsa_pkcs1_sha256, "sig_rsa_pkcs1_sha256.bin"},
      {&*crsa, SignatureScheme::rsa_pkcs1_sha384, "sig_rsa_pkcs1_sha384.bin"},
      {&*crsa, SignatureScheme::rsa_pss_rsae_sha256, "sig_rsa_pss_sha256.bin"},
      {&*crsa, SignatureScheme::rsa_pss_rsae_sha384, "sig_rsa_pss_sha384.bin"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.sig);
    Buf sig = read_fixture(c.sig);
    REQUIRE(!sig.empty());
    CHECK(verify_signature(*c.cert, c.scheme, message, sig).ok());
    // A different message, or one flipped signature bit, fails.
    Buf other = message;
    other[0] ^= 1;
    auto st = verify_signature(*c.cert, c.scheme, other, sig);
    CHECK(!st.ok());
    CHECK(st.error().code == Code::auth_failed);
    Buf bad = sig;
    bad[bad.size() - 1] ^= 1;
    CHECK(!verify_signature(*c.cert, c.scheme, message, bad).ok());
    // Truncated signatures fail cleanly.
    for (std::size_t n = 0; n < sig.size(); n += 7)
      CHECK(!verify_signature(*c.cert, c.scheme, message, std::span(sig).first(n)).ok());
  }
  // PSS signature checked as PKCS#1 v1.5 (and vice versa) fails.
  CHECK(!verify_signature(*crsa, SignatureScheme::rsa_pkcs1_sha256, message, read_fixture("sig_rsa_pss_sha256.bin")).ok());
  CHECK(!verify_signature(*crsa, SignatureScheme::rsa_pss_rsae_sha256, message, read_fixture("sig_rsa_pkcs1_sha256.bin")).ok());
  // Scheme / key type mismatches.
  auto st = verify_signature(*c256, SignatureScheme::rsa_pkcs1_sha256, message, read_fixture("sig_rsa_pkcs1_sha256.bin"));
  CHECK(st.error().code == Code::illegal_parameter);
  st = verify_signature(*crsa, SignatureScheme::ecdsa_secp256r1_sha256, message, read_fixture("sig_p256_sha256.der"));
  CHECK(st.error().code == Code::illegal_parameter);
  // ECDSA signature with a trailing byte is a decode error.
  Buf trailing = read_fixture("sig_p256_sha256.der");
  trailing.push_back(0);
  st = verify_signature(*c256, SignatureScheme::ecdsa_secp256r1_sha256, message, trailing);
  CHECK(st.error().code == Code::decode_error);
  // A P-384 signature against the P-256 key.
  CHECK(!verify_signature(*c256, SignatureScheme::ecdsa_secp384r1_sha384, message, read_fixture("sig_p384_sha384.der")).ok());
  // Unknown scheme values.
  CHECK(verify_signature(*c256, static_cast<SignatureScheme>(0x0603), message, trailing).error().code ==
        Code::unsupported);
}

TEST_CASE("a tampered certificate fails its self-signature check") {
  for (const auto& f : kFixtures) {
    Buf der = read_fixture(std::string(f.name) + ".der");
    auto cert = parse_certificate(der);
    REQUIRE(cert.ok());
    // Flip a bit inside the subject name (inside tbsCertificate).
    std::size_t at = static_cast<std::size_t>(cert->subject.data() - der.data()) + cert->subject.size() - 1;
    der[at] ^= 0x01;
    auto tampered = parse_certificate(der);
    REQUIRE(tampered.ok());
    CHECK(verify_self_signature(*tampered).error().code == Code::auth_failed);
  }
}

TEST_CASE("unsupported keys give clear errors") {
  auto p521 = parse_certificate(read_fixture("ec_p521.der"));
  REQUIRE(!p521.ok());
  CHECK(p521.error().code == Code::unsupported);
  CHECK(std::string(p521.error().detail) == "certificate: EC key on a curve other than P-256 or P-384");
  auto ed = parse_certificate(read_fixture("ed25519.der"));
  REQUIRE(!ed.ok());
  CHECK(ed.error().code == Code::unsupported);
  CHECK(std::string(ed.error().detail) == "certificate: public key is neither id-ecPublicKey nor rsaEncryption");
}

TEST_CASE("every truncation of a real certificate is rejected") {
  for (const auto& f : kFixtures) {
    Buf der = read_fixture(std::string(f.name) + ".der");
    for (std::size_t n = 0; n < der.size(); ++n) {
      auto r = parse_certificate(std::span(der).first(n));
      REQUIRE_MESSAGE(!r.ok(), f.name << " prefix " << n);
      CHECK(r.error().layer == Layer::dtls);
    }
  }
}

TEST_CASE("single-byte corruptions never crash and never yield a verifiable certificate") {
  Buf der = read_fixture("ec_p256.der");
  for (std::size_t i = 0; i < der.size(); ++i) {
    for (uint8_t mask : {uint8_t{0x01}, uint8_t{0x80}, uint8_t{0xff}}) {
      Buf bad = der;
      bad[i] ^= mask;
      auto r = parse_certificate(bad);
      if (r.ok()) CHECK_MESSAGE(!verify_self_signature(*r).ok(), "byte " << i);
    }
  }
}

TEST_CASE("outer framing errors") {
  Buf der = read_fixture("ec_p256.der");
  REQUIRE(hex(std::span(der).first(4)) == "30820180");
  Buf wrong_tag = der;
  wrong_tag[0] = 0x31;
  CHECK(!parse_certificate(wrong_tag).ok());
  Buf trailing = der;
  trailing.push_back(0x00);
  CHECK(parse_error(trailing) == "certificate: bytes follow the certificate");
  Buf oversized = der;
  oversized[2] = 0xff;
  CHECK(!parse_certificate(oversized).ok());
  Buf non_minimal = cat({unhex("3083000180"), Buf(der.begin() + 4, der.end())});
  CHECK(!parse_certificate(non_minimal).ok());
  Buf indefinite = cat({unhex("3080"), Buf(der.begin() + 4, der.end()), unhex("0000")});
  CHECK(!parse_certificate(indefinite).ok());
  Buf huge(kMaxCertificateSize + 1, 0x30);
  CHECK(parse_error(huge) == "certificate: larger than kMaxCertificateSize");
  CHECK(!parse_certificate({}).ok());
}

TEST_CASE("hand-built certificates: the baseline parses") {
  CertParts p;
  Buf der = p.build();
  auto r = parse_certificate(der);
  REQUIRE(r.ok());
  CHECK(r->key_type == KeyType::ec_p256);
  CHECK(r->not_after == 4102444799);  // 2099-12-31T23:59:59Z
  CHECK(hex(r->serial_number) == "01");
}

TEST_CASE("hand-built certificates: each field's rules") {
  CertParts p;
  auto with = [&](auto edit) {
    CertParts q = p;
    edit(q);
    return parse_error(q.build());
  };
  // Versions: v1 (absent) without extensions is fine; explicit v1 is not DER.
  CHECK(with([](CertParts& q) { q.version.clear(); q.extensions.clear(); }) == "ok");
  CHECK(with([](CertParts& q) { q.version.clear(); }) == "certificate: extensions in a certificate that is not v3");
  CHECK(with([](CertParts& q) { q.version = tlv(0xa0, unhex("020100")); }).find("version") != std::string::npos);
  CHECK(with([](CertParts& q) { q.version = tlv(0xa0, unhex("020103")); }).find("version") != std::string::npos);
  CHECK(with([](CertParts& q) { q.serial = unhex("02020001"); }) == "certificate: serialNumber is not a DER INTEGER");
  CHECK(with([](CertParts& q) { q.outer_algorithm = tlv(0x30, tlv(0x06, unhex("2a8648ce3d040303"))); }) ==
        "certificate: signatureAlgorithm differs from tbsCertificate.signature (RFC 5280 4.1.1.2)");
  CHECK(with([](CertParts& q) { q.name = tlv(0x30, tlv(0x31, Buf{})); }) ==
        "certificate: issuer is not a well-formed Name");
  CHECK(with([](CertParts& q) { q.validity = tlv(0x30, tlv(0x17, text("240101000000Z"))); }) ==
        "certificate: validity is not two well-formed Times");
  CHECK(with([](CertParts& q) {
          q.validity = tlv(0x30, cat({tlv(0x17, text("240231000000Z")), tlv(0x17, text("250101000000Z"))}));
        }) == "certificate: validity is not two well-formed Times");
  CHECK(with([](CertParts& q) { q.signature = tlv(0x03, unhex("04f0")); }) ==
        "certificate: signatureValue is not a BIT STRING of whole octets");
  // Unique IDs are allowed in v2/v3 only.
  CHECK(with([](CertParts& q) { q.unique_ids = tlv(0x81, unhex("0001")); }) == "ok");
  CHECK(with([](CertParts& q) {
          q.version.clear();
          q.extensions.clear();
          q.unique_ids = tlv(0x82, unhex("0001"));
        }).find("UniqueID") != std::string::npos);
  // Extensions: well-formed, no duplicates, not empty.
  Buf bc = extension("551d13", unhex("3000"));
  Buf ku = extension("551d0f", unhex("03020780"));
  CHECK(with([&](CertParts& q) { q.extensions = tlv(0xa3, tlv(0x30, cat({bc, ku}))); }) == "ok");
  CHECK(with([&](CertParts& q) { q.extensions = tlv(0xa3, tlv(0x30, cat({bc, ku, bc}))); }) ==
        "certificate: an extension appears twice (RFC 5280 4.2)");
  CHECK(with([](CertParts& q) { q.extensions = tlv(0xa3, tlv(0x30, Buf{})); }) ==
        "certificate: extensions are malformed");
  CHECK(with([](CertParts& q) { q.extensions = tlv(0xa3, tlv(0x30, extension("551d13", unhex("3001")))); }) ==
        "certificate: extensions are malformed");
  CHECK(with([](CertParts& q) { q.extensions = tlv(0xa3, tlv(0x30, extension("551d13", unhex("30000500")))); }) ==
        "certificate: extensions are malformed");
  CHECK(with([](CertParts& q) {
          q.extensions = tlv(0xa3, tlv(0x30, tlv(0x30, cat({tlv(0x06, unhex("551d13")), unhex("010101"),
                                                          tlv(0x04, unhex("3000"))}))));
        }) == "certificate: extensions are malformed");
  CHECK(with([](CertParts& q) { q.extensions.push_back(0x05); q.extensions.push_back(0x00); }) ==
        "certificate: unknown fields at the end of tbsCertificate");
}

TEST_CASE("hand-built certificates: public keys") {
  CertParts p;
  auto with_spki = [&](const Buf& alg, const Buf& key) {
    CertParts q = p;
    q.spki = tlv(0x30, cat({tlv(0x30, alg), tlv(0x03, cat({unhex("00"), key}))}));
    return parse_error(q.build());
  };
  Buf ec = tlv(0x06, unhex("2a8648ce3d0201"));
  Buf p256 = tlv(0x06, unhex("2a8648ce3d030107"));
  Buf p384 = tlv(0x06, unhex("2b81040022"));
  Buf point65 = cat({unhex("04"), Buf(64, 1)});
  Buf point97 = cat({unhex("04"), Buf(96, 1)});
  CHECK(with_spki(cat({ec, p256}), point65) == "ok");
  CHECK(with_spki(cat({ec, p384}), point97) == "ok");
  CHECK(with_spki(cat({ec, p384}), point65) ==
        "certificate: EC public key is not an uncompressed point of the curve's size");
  CHECK(with_spki(cat({ec, p256}), cat({unhex("02"), Buf(32, 1)})) ==
        "certificate: compressed EC points are not supported");
  CHECK(with_spki(ec, point65) == "certificate: EC key parameters are not a named curve (RFC 5480 2.1.1)");
  CHECK(with_spki(cat({ec, tlv(0x30, Buf{})}), point65) ==
        "certificate: EC key parameters are not a named curve (RFC 5480 2.1.1)");
  CHECK(with_spki(cat({ec, tlv(0x06, unhex("2b8104000a"))}), point65) ==
        "certificate: EC key on a curve other than P-256 or P-384");  // secp256k1

  Buf rsa = tlv(0x06, unhex("2a864886f70d010101"));
  Buf modulus = cat({unhex("00"), Buf(128, 0xc3)});
  Buf rsa_key = tlv(0x30, cat({tlv(0x02, modulus), tlv(0x02, unhex("010001"))}));
  CHECK(with_spki(cat({rsa, unhex("0500")}), rsa_key) == "ok");
  CHECK(with_spki(rsa, rsa_key) == "certificate: rsaEncryption parameters must be NULL (RFC 3279 2.3.1)");
  CHECK(with_spki(cat({rsa, unhex("0500")}), tlv(0x30, tlv(0x02, modulus))) ==
        "certificate: RSAPublicKey is not a SEQUENCE of two positive INTEGERs");
  CHECK(with_spki(cat({rsa, unhex("0500")}), tlv(0x30, cat({tlv(0x02, unhex("ff")), tlv(0x02, unhex("03"))}))) ==
        "certificate: RSAPublicKey is not a SEQUENCE of two positive INTEGERs");
  CHECK(with_spki(cat({rsa, unhex("0500")}), tlv(0x30, cat({tlv(0x02, modulus), tlv(0x02, unhex("00"))}))) ==
        "certificate: RSAPublicKey is not a SEQUENCE of two positive INTEGERs");
  CHECK(with_spki(cat({rsa, unhex("0500")}), cat({rsa_key, unhex("00")})) ==
        "certificate: RSAPublicKey is not a SEQUENCE of two positive INTEGERs");
  CHECK(with_spki(tlv(0x06, unhex("2b6570")), Buf(32, 1)) ==
        "certificate: public key is neither id-ecPublicKey nor rsaEncryption");  // Ed25519
}

TEST_CASE("a self-signature with an unsupported algorithm is reported, not guessed") {
  CertParts p;
  p.algorithm = p.outer_algorithm = tlv(0x30, tlv(0x06, unhex("2a8648ce3d040304")));  // ecdsa-with-SHA512
  Buf der = p.build();
  auto r = parse_certificate(der);
  REQUIRE(r.ok());
  auto st = verify_self_signature(*r);
  CHECK(st.error().code == Code::unsupported);
}

TEST_CASE("fingerprint text: format and parse (RFC 8122 5)") {
  Buf der = read_fixture("ec_p256.der");
  Fingerprint fp = fingerprint(FingerprintHash::sha256, der);
  std::string text = formatted(fp);
  CHECK(text.size() == 32 * 3 - 1);
  char small[95];
  CHECK(format_fingerprint(fp, small, sizeof small) == 0);
  CHECK(small[0] == '\0');

  std::string lower = text;
  for (auto& c : lower) c = static_cast<char>(std::tolower(c));
  for (const char* name : {"sha-256", "SHA-256", "Sha-256"}) {
    auto r = parse_fingerprint(chars(name), chars(lower));
    REQUIRE(r.ok());
    CHECK(fingerprint_matches(*r, der));
  }
  auto err = [&](const char* name, const std::string& value) {
    auto r = parse_fingerprint(chars(name), chars(value));
    return r.ok() ? Code::ok : r.error().code;
  };
  CHECK(err("sha-512", text) == Code::unsupported);
  CHECK(err("sha-224", text) == Code::unsupported);
  CHECK(err("md5", text) == Code::unsupported);
  CHECK(err("sha256", text) == Code::unsupported);
  CHECK(err("", text) == Code::unsupported);
  CHECK(err("sha-1", text) == Code::malformed);  // 32 bytes for a 20-byte hash
  CHECK(err("sha-384", text) == Code::malformed);
  CHECK(err("sha-256", text + ":") == Code::malformed);
  CHECK(err("sha-256", ":" + text) == Code::malformed);
  CHECK(err("sha-256", text.substr(0, text.size() - 3)) == Code::malformed);
  CHECK(err("sha-256", text + ":AB") == Code::malformed);
  CHECK(err("sha-256", "") == Code::malformed);
  std::string no_colons;
  for (char c : text)
    if (c != ':') no_colons.push_back(c);
  CHECK(err("sha-256", no_colons) == Code::malformed);
  std::string bad_digit = text;
  bad_digit[0] = 'G';
  CHECK(err("sha-256", bad_digit) == Code::malformed);
  std::string spaced = text;
  spaced[2] = ' ';
  CHECK(err("sha-256", spaced) == Code::malformed);

  // A fingerprint of one hash never matches a certificate under another.
  Fingerprint wrong = fp;
  wrong.hash = FingerprintHash::sha384;
  CHECK(!fingerprint_matches(wrong, der));
  Fingerprint empty;
  CHECK(!fingerprint_matches(empty, der));
}

TEST_CASE("certificates from other generators: aiortc (pyOpenSSL) and GnuTLS certtool") {
  struct Other {
    const char* der;
    const char* fingerprint_file;
    KeyType key;
  };
  const Other others[] = {
      {"aiortc.der", "aiortc.fingerprint.txt", KeyType::ec_p256},
      {"gnutls_p256.der", "gnutls_p256.sha256.txt", KeyType::ec_p256},
      {"gnutls_rsa3072.der", "gnutls_rsa3072.sha256.txt", KeyType::rsa},
  };
  for (const auto& o : others) {
    CAPTURE(o.der);
    Buf der = read_fixture(o.der);
    auto cert = parse_certificate(der);
    REQUIRE(cert.ok());
    CHECK(cert->key_type == o.key);
    CHECK(verify_self_signature(*cert).ok());
    // "sha-256 AB:..." (aiortc getFingerprints) or "sha256 Fingerprint=AB:..." (openssl).
    std::string line = read_fixture_text(o.fingerprint_file);
    auto start = line.find_first_of("=");
    start = start == std::string::npos ? line.find(' ') + 1 : start + 1;
    std::string expected = line.substr(start, line.find_first_of("\r\n", start) - start);
    CHECK(formatted(fingerprint(FingerprintHash::sha256, der)) == expected);
  }
}

TEST_CASE("live: a fresh aiortc certificate parses, self-verifies and matches aiortc's fingerprint") {
  int rc = 0;
  const char* script =
      "/usr/bin/python3 -c 'from aiortc import RTCCertificate\n"
      "from cryptography.hazmat.primitives.serialization import Encoding\n"
      "c = RTCCertificate.generateCertificate()\n"
      "print(c._cert.to_cryptography().public_bytes(Encoding.DER).hex())\n"
      "print(c.getFingerprints()[0].value)' 2>/dev/null";
  std::string out = keyway::test::run_command(script, rc);
  if (rc != 0) {
    MESSAGE("/usr/bin/python3 with aiortc not available: skipping");
    return;
  }
  auto nl = out.find('\n');
  REQUIRE(nl != std::string::npos);
  Buf der = unhex(out.substr(0, nl));
  std::string fp = out.substr(nl + 1, out.find('\n', nl + 1) - nl - 1);
  auto cert = parse_certificate(der);
  REQUIRE(cert.ok());
  CHECK(cert->key_type == KeyType::ec_p256);
  CHECK(verify_self_signature(*cert).ok());
  CHECK(cert->not_after - cert->not_before == 31 * 86400);  // now-1d .. now+30d
  auto parsed = parse_fingerprint(chars("sha-256"), chars(fp));
  REQUIRE(parsed.ok());
  CHECK(fingerprint_matches(*parsed, der));
}
