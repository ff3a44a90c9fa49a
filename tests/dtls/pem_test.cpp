// SPDX-License-Identifier: Apache-2.0
// dtls/x509/pem (RFC 7468): PEM certificates and P-256 keys into an
// Identity, for the C API and the keyway command.
#include <doctest/doctest.h>

#include <cstring>
#include <string>

#include "keyway/dtls/x509/certificate.hpp"
#include "keyway/dtls/x509/pem.hpp"

using namespace keyway;

namespace {

// A test-only identity (openssl req -x509 -newkey ec, P-256), PKCS#8 key.
const char kCert[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBjDCCATOgAwIBAgIUJEwrEfvdbNVCAEtYQOKja537XLEwCgYIKoZIzj0EAwIw\n"
    "GzEZMBcGA1UEAwwQa2V5d2F5LWNhcGktdGVzdDAgFw0yNjEyMDYxNDMwMjdaGA8y\n"
    "MTI2MTExMjE0MzAyN1owGzEZMBcGA1UEAwwQa2V5d2F5LWNhcGktdGVzdDBZMBMG\n"
    "ByqGSM49AgEGCCqGSM49AwEHA0IABCC25/WDkQTXKhKhRxs0AHiwpw2kg0J6Ood7\n"
    "SqxF3O7cHZm8ZIvp/E43gzYcL47d7Nn5li8fOt2iNl056V5rDTajUzBRMB0GA1Ud\n"
    "DgQWBBQ3WGrXUxVaf5JD56cr7pJW8LG48TAfBgNVHSMEGDAWgBQ3WGrXUxVaf5JD\n"
    "56cr7pJW8LG48TAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0cAMEQCIHWI\n"
    "vuezi+Kp7NeTrJH3zPyNxPzqY85y/TmqTJEVBfdlAiBeOqakIvppjl4ZF4BE705k\n"
    "ede8ywWJs8+qSo5ERFmiJQ==\n"
    "-----END CERTIFICATE-----\n";
const char kKey[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg82Il3vIRLmSFW0Wb\n"
    "lwjhLkiTrAEmWWP1tQMOHIukWgehRANCAAQgtuf1g5EE1yoSoUcbNAB4sKcNpINC\n"
    "ejqHe0qsRdzu3B2ZvGSL6fxON4M2HC+O3ezZ+ZYvHzrdojZdOeleaw02\n"
    "-----END PRIVATE KEY-----\n";

}  // namespace

TEST_CASE("pem: a certificate and its PKCS#8 P-256 key load into an Identity") {
  uint8_t der[1024];
  auto n = dtls::pem_decode(kCert, "CERTIFICATE", der);
  REQUIRE(n.ok());
  CHECK(*n == 400);  // 0x30 0x82 0x01 0x8c: a 396-byte SEQUENCE
  CHECK(der[0] == 0x30);
  uint8_t scalar[32];
  REQUIRE(dtls::p256_scalar_from_pem(kKey, scalar).ok());
  CHECK(scalar[0] == 0xF3);  // "82Il3v..." after the PKCS#8 and SEC1 headers
  dtls::Identity id;
  CHECK(id.load(scalar, {der, *n}).ok());
}

TEST_CASE("pem: each failure names its reason") {
  uint8_t der[1024], small[16], scalar[32];
  CHECK(dtls::pem_decode("no pem here", "CERTIFICATE", der).error().code == Code::invalid_argument);
  CHECK(dtls::pem_decode(kCert, "PRIVATE KEY", der).error().code == Code::invalid_argument);
  CHECK(dtls::pem_decode(kCert, "CERTIFICATE", small).error().code == Code::buffer_too_small);
  std::string broken = kCert;
  broken[40] = '*';
  CHECK(dtls::pem_decode(broken, "CERTIFICATE", der).error().code == Code::malformed);
  CHECK(dtls::p256_scalar_from_pem(kCert, scalar).error().code == Code::invalid_argument);  // no key block
  std::string not_a_key = std::string("-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n");
  CHECK(dtls::p256_scalar_from_pem(not_a_key, scalar).error().code == Code::unsupported);
}
