// SPDX-License-Identifier: Apache-2.0
// Identity::generate / sign: our self-signed certificate must parse with
// our own parser, and be accepted by OpenSSL (x509 -text, verify, dgst).
#include <doctest/doctest.h>

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

#include "keyway/dtls/x509/certificate.hpp"
#include "keyway/dtls/x509/der.hpp"
#include "keyway/lib/crypto/drbg.hpp"
#include "tests/dtls/x509_support.hpp"
#include "tests/support/hex.hpp"

using namespace keyway;
using namespace keyway::dtls;
using keyway::test::bytes_of;
using keyway::test::hex;
using keyway::test::run_command;

namespace {

constexpr int64_t kNow = 1795313561;  // 2026-11-22T02:12:41Z

// A scratch directory removed when the test ends.
struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/keyway-x509-XXXXXX";
    const char* p = mkdtemp(tmpl);
    path = p != nullptr ? p : "";
  }
  ~TempDir() {
    if (!path.empty()) {
      int rc = 0;
      run_command("rm -rf '" + path + "'", rc);
    }
  }
  std::string file(const char* name) const { return path + "/" + name; }
};

void write_file(const std::string& path, std::span<const uint8_t> bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace

TEST_CASE("Identity::generate makes a parseable, self-verifying P-256 certificate") {
  SeededRng rng(42);
  Identity id;
  REQUIRE(id.generate(rng, "keyway", kNow, 30).ok());
  auto der = id.certificate_der();
  CHECK(der.size() > 200);
  CHECK(der::check_well_formed(der).ok());
  auto cert = parse_certificate(der);
  REQUIRE(cert.ok());
  CHECK(cert->key_type == KeyType::ec_p256);
  CHECK(hex(cert->ec_point) == hex(id.key().public_key()));
  CHECK(cert->not_before == kNow - 86400);
  CHECK(cert->not_after == kNow + 30 * 86400);
  CHECK(cert->serial_number.size() == 16);
  CHECK((cert->serial_number[0] & 0x80) == 0);
  CHECK(hex(cert->issuer) == hex(cert->subject));
  CHECK(hex(cert->issuer).find(hex(bytes_of("keyway"))) != std::string::npos);
  CHECK(verify_self_signature(*cert).ok());

  // Two identities from different randomness differ in key and serial.
  SeededRng rng2(43);
  Identity other;
  REQUIRE(other.generate(rng2, "keyway", kNow, 30).ok());
  auto cert2 = parse_certificate(other.certificate_der());
  REQUIRE(cert2.ok());
  CHECK(hex(cert2->serial_number) != hex(cert->serial_number));
  CHECK(hex(cert2->ec_point) != hex(cert->ec_point));
}

TEST_CASE("Identity::sign produces DER ECDSA signatures that verify_signature accepts") {
  SeededRng rng(1);
  Identity id;
  REQUIRE(id.generate(rng, "signer", kNow).ok());
  auto cert = parse_certificate(id.certificate_der());
  REQUIRE(cert.ok());
  for (int i = 0; i < 20; ++i) {
    std::string msg = "server key exchange params #" + std::to_string(i);
    uint8_t sig[der::kMaxEcdsaDerSize];
    auto n = id.sign(bytes_of(msg), sig, rng);
    REQUIRE(n.ok());
    CHECK(*n <= 72);
    CHECK(verify_signature(*cert, SignatureScheme::ecdsa_secp256r1_sha256, bytes_of(msg), {sig, *n}).ok());
    CHECK(!verify_signature(*cert, SignatureScheme::ecdsa_secp256r1_sha256, bytes_of(msg + "!"), {sig, *n}).ok());
  }
  uint8_t tiny[8];
  CHECK(!id.sign(bytes_of("x"), tiny, rng).ok());
}

TEST_CASE("Identity argument checks") {
  SeededRng rng(3);
  Identity id;
  uint8_t sig[der::kMaxEcdsaDerSize];
  CHECK(id.sign(bytes_of("m"), sig, rng).error().code == Code::bad_state);
  CHECK(!id.generate(rng, "", kNow).ok());
  CHECK(!id.generate(rng, nullptr, kNow).ok());
  CHECK(!id.generate(rng, std::string(65, 'a').c_str(), kNow).ok());
  CHECK(id.generate(rng, std::string(64, 'a').c_str(), kNow).ok());
  CHECK(!id.generate(rng, "tab\there", kNow).ok());
  CHECK(id.certificate_der().empty());  // a failed generate leaves no certificate
  CHECK(!id.generate(rng, "x", kNow, 0).ok());
  CHECK(!id.generate(rng, "x", kNow, 36501).ok());
  CHECK(!id.generate(rng, "x", int64_t{1} << 50).ok());  // beyond year 9999
  // Validity after 2049 switches to GeneralizedTime and still parses.
  REQUIRE(id.generate(rng, "far", 2524608000 - 86400 * 10, 3650).ok());
  auto cert = parse_certificate(id.certificate_der());
  REQUIRE(cert.ok());
  CHECK(cert->not_after == 2524608000 - 86400 * 10 + 3650 * int64_t{86400});
}

TEST_CASE("OpenSSL accepts Identity::generate output (live: x509 -text, verify, fingerprint, dgst -verify)") {
  if (!keyway::test::have_openssl()) {
    MESSAGE("openssl not found: skipping the live check");
    return;
  }
  TempDir dir;
  REQUIRE(!dir.path.empty());
  // Real time here: openssl verify checks the validity against its clock.
  SeededRng seed_rng(static_cast<uint64_t>(std::time(nullptr)));
  Identity id;
  REQUIRE(id.generate(seed_rng, "0123456789abcdef0123456789abcdef", std::time(nullptr), 30).ok());
  write_file(dir.file("cert.der"), id.certificate_der());

  int rc = 0;
  std::string text = run_command("openssl x509 -inform DER -in " + dir.file("cert.der") + " -noout -text 2>&1", rc);
  CHECK(rc == 0);
  CHECK(text.find("Version: 3 (0x2)") != std::string::npos);
  CHECK(text.find("ecdsa-with-SHA256") != std::string::npos);
  CHECK(text.find("prime256v1") != std::string::npos);
  CHECK(text.find("CN = 0123456789abcdef0123456789abcdef") != std::string::npos);

  run_command("openssl x509 -inform DER -in " + dir.file("cert.der") + " -out " + dir.file("cert.pem"), rc);
  REQUIRE(rc == 0);
  std::string verify = run_command("openssl verify -CAfile " + dir.file("cert.pem") + " " + dir.file("cert.pem") + " 2>&1", rc);
  CHECK(rc == 0);
  CHECK(verify.find(": OK") != std::string::npos);

  std::string fp = run_command("openssl x509 -in " + dir.file("cert.pem") + " -noout -fingerprint -sha256", rc);
  REQUIRE(rc == 0);
  char ours[3 * crypto::kMaxDigestSize];
  std::size_t n = format_fingerprint(fingerprint(FingerprintHash::sha256, id.certificate_der()), ours, sizeof ours);
  CHECK(fp.find(std::string(ours, n)) != std::string::npos);

  // OpenSSL verifies a signature made by Identity::sign.
  std::string msg = "client_random||server_random||ServerECDHParams";
  write_file(dir.file("msg.bin"), bytes_of(msg));
  uint8_t sig[der::kMaxEcdsaDerSize];
  auto sig_len = id.sign(bytes_of(msg), sig, seed_rng);
  REQUIRE(sig_len.ok());
  write_file(dir.file("sig.der"), {sig, *sig_len});
  run_command("openssl x509 -in " + dir.file("cert.pem") + " -noout -pubkey > " + dir.file("pub.pem"), rc);
  REQUIRE(rc == 0);
  std::string dgst = run_command("openssl dgst -sha256 -verify " + dir.file("pub.pem") + " -signature " +
                                     dir.file("sig.der") + " " + dir.file("msg.bin") + " 2>&1",
                                 rc);
  CHECK(rc == 0);
  CHECK(dgst.find("Verified OK") != std::string::npos);
}

TEST_CASE("Identity::load takes a saved key and certificate (openssl-generated fixture)") {
  std::string scalar_hex = keyway::test::read_fixture_text("ec_p256_priv.hex");
  auto scalar = keyway::test::unhex(scalar_hex.substr(0, 64));
  REQUIRE(scalar.size() == 32);
  auto der = keyway::test::read_fixture("ec_p256.der");
  Identity id;
  REQUIRE(id.load(scalar, der).ok());
  CHECK(hex(id.certificate_der()) == hex(der));
  auto cert = parse_certificate(der);
  REQUIRE(cert.ok());
  SeededRng rng(5);
  uint8_t sig[der::kMaxEcdsaDerSize];
  auto n = id.sign(bytes_of("hello"), sig, rng);
  REQUIRE(n.ok());
  CHECK(verify_signature(*cert, Identity::scheme(), bytes_of("hello"), {sig, *n}).ok());

  // Mismatches and unusable inputs leave the identity empty.
  auto other = scalar;
  other[31] ^= 1;
  CHECK(id.load(other, der).error().code == Code::invalid_argument);
  CHECK(id.certificate_der().empty());
  CHECK(id.sign(bytes_of("x"), sig, rng).error().code == Code::bad_state);
  CHECK(id.load(scalar, keyway::test::read_fixture("ec_p384.der")).error().code == Code::unsupported);
  CHECK(!id.load(scalar, std::span(der).first(100)).ok());
  CHECK(!id.load(std::span(scalar).first(31), der).ok());
  std::vector<uint8_t> big(2000, 0);
  CHECK(id.load(scalar, big).error().code == Code::capacity);
}

TEST_CASE("digest-level signing and verification (running transcript hashes)") {
  SeededRng rng(9);
  Identity id;
  REQUIRE(id.generate(rng, "digest", kNow).ok());
  auto cert = parse_certificate(id.certificate_der());
  REQUIRE(cert.ok());
  uint8_t digest[32];
  crypto::hash(crypto::HashAlg::sha256, bytes_of("transcript"), digest);
  uint8_t sig[der::kMaxEcdsaDerSize];
  auto n = id.sign_digest(digest, sig, rng);
  REQUIRE(n.ok());
  CHECK(verify_signature_digest(*cert, SignatureScheme::ecdsa_secp256r1_sha256, digest, {sig, *n}).ok());
  CHECK(verify_signature(*cert, SignatureScheme::ecdsa_secp256r1_sha256, bytes_of("transcript"), {sig, *n}).ok());
  digest[0] ^= 1;
  CHECK(verify_signature_digest(*cert, SignatureScheme::ecdsa_secp256r1_sha256, digest, {sig, *n}).error().code ==
        Code::auth_failed);
  CHECK(verify_signature_digest(*cert, SignatureScheme::ecdsa_secp256r1_sha256, std::span(digest).first(31),
                                {sig, *n})
            .error()
            .code == Code::invalid_argument);
  CHECK(!id.sign_digest(std::span(digest).first(20), sig, rng).ok());

  CHECK(*signature_scheme_hash(SignatureScheme::rsa_pkcs1_sha1) == crypto::HashAlg::sha1);
  CHECK(*signature_scheme_hash(SignatureScheme::ecdsa_secp256r1_sha256) == crypto::HashAlg::sha256);
  CHECK(*signature_scheme_hash(SignatureScheme::rsa_pss_rsae_sha384) == crypto::HashAlg::sha384);
  CHECK(signature_scheme_hash(static_cast<SignatureScheme>(0x0806)).error().code == Code::unsupported);
}
