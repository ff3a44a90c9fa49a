// SPDX-License-Identifier: Apache-2.0
// dtls/x509/pem (RFC 7468): PEM certificates and P-256 keys into an
// Identity, for the C API and the keyway command.
#include <doctest/doctest.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "keyway/dtls/x509/certificate.hpp"
#include "keyway/dtls/x509/pem.hpp"

using namespace keyway;

namespace {

// A test-only identity (openssl req -x509 -newkey ec, P-256): its certificate
// and PKCS#8 key, in tests/support/test_identity.pem (meson passes the path;
// tests/capi/call_test.c reads it too).
std::string identity_pem() {
  std::ifstream in(KEYWAY_TEST_IDENTITY_PEM, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The certificate block alone, and the key block alone.
std::string pem_block(const char* label) {
  std::string text = identity_pem(), begin = std::string("-----BEGIN ") + label + "-----";
  std::string end = std::string("-----END ") + label + "-----\n";
  std::size_t b = text.find(begin), e = text.find(end);
  REQUIRE(b != std::string::npos);
  REQUIRE(e != std::string::npos);
  return text.substr(b, e + end.size() - b);
}

}  // namespace

TEST_CASE("pem: a certificate and its PKCS#8 P-256 key load into an Identity") {
  const std::string cert = pem_block("CERTIFICATE"), key = pem_block("PRIVATE KEY");
  uint8_t der[1024];
  auto n = dtls::pem_decode(cert, "CERTIFICATE", der);
  REQUIRE(n.ok());
  CHECK(*n == 400);  // 0x30 0x82 0x01 0x8c: a 396-byte SEQUENCE
  CHECK(der[0] == 0x30);
  uint8_t scalar[32];
  REQUIRE(dtls::p256_scalar_from_pem(key, scalar).ok());
  CHECK(scalar[0] == 0xF3);  // "82Il3v..." after the PKCS#8 and SEC1 headers
  dtls::Identity id;
  CHECK(id.load(scalar, {der, *n}).ok());
}

TEST_CASE("pem: each failure names its reason") {
  const std::string cert = pem_block("CERTIFICATE");
  uint8_t der[1024], small[16], scalar[32];
  CHECK(dtls::pem_decode("no pem here", "CERTIFICATE", der).error().code == Code::invalid_argument);
  CHECK(dtls::pem_decode(cert, "PRIVATE KEY", der).error().code == Code::invalid_argument);
  CHECK(dtls::pem_decode(cert, "CERTIFICATE", small).error().code == Code::buffer_too_small);
  std::string broken = cert;
  broken[40] = '*';
  CHECK(dtls::pem_decode(broken, "CERTIFICATE", der).error().code == Code::malformed);
  CHECK(dtls::p256_scalar_from_pem(cert, scalar).error().code == Code::invalid_argument);  // no key block
  std::string not_a_key = std::string("-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n");
  CHECK(dtls::p256_scalar_from_pem(not_a_key, scalar).error().code == Code::unsupported);
}
