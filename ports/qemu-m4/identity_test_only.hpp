// SPDX-License-Identifier: Apache-2.0
// TEST-ONLY IDENTITY. ITS PRIVATE KEY IS PUBLIC. NEVER USE IT IN A PRODUCT.
// The device image boots the way docs/embedding.md section 7 tells a device
// to: it loads a stored certificate and key (dtls::Identity::load) instead of
// generating them, so the X.509 writer and the key generator are not linked.
// A real device stores its own pair, made at the factory, where a flash dump
// does not reveal the key; this one is in the source tree for anyone to read.
#pragma once

#include <cstdint>
#include <span>

namespace test_only {

// A self-signed ECDSA P-256 certificate (DER) and its private scalar (32
// bytes, big-endian), made with the OpenSSL recipe of docs/embedding.md.
std::span<const uint8_t> stored_certificate_der();
std::span<const uint8_t> stored_private_scalar();
// The certificate's a=fingerprint line as an answer carries it (RFC 8122),
// computed by OpenSSL when the pair was made.
const char* stored_fingerprint_line();

}  // namespace test_only
