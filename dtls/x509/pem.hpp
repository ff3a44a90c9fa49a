// SPDX-License-Identifier: Apache-2.0
// PEM text (RFC 7468): the base64 body between "-----BEGIN <label>-----" and
// "-----END <label>-----", and the P-256 private scalar inside the key forms
// `openssl req -newkey ec` writes. Used to load an Identity from files a
// user already has (keyway dtls --cert/--key, the C API).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "keyway/lib/result.hpp"

namespace keyway::dtls {

// Decodes the first block with this label (e.g. "CERTIFICATE") into der;
// returns its length.
[[nodiscard]] Result<std::size_t> pem_decode(std::string_view text, std::string_view label, std::span<uint8_t> der);

// Extracts the 32-byte P-256 private scalar from a PEM key: SEC1
// "EC PRIVATE KEY" (RFC 5915 §3) or PKCS#8 "PRIVATE KEY" (RFC 5208 §5) wrapping one.
[[nodiscard]] Status p256_scalar_from_pem(std::string_view text, std::span<uint8_t, 32> scalar);

}  // namespace keyway::dtls
