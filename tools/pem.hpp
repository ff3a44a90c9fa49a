// SPDX-License-Identifier: Apache-2.0
// PEM files for `keyway dtls --cert/--key` (RFC 7468): the base64 body
// between "-----BEGIN <label>-----" and "-----END <label>-----", and the
// P-256 private scalar inside the key forms `openssl req -newkey ec` writes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace keyway::tools {

// Decodes the first block with this label (e.g. "CERTIFICATE"); false with a
// message when there is none or its base64 is malformed.
bool pem_decode(const std::string& text, const std::string& label, std::vector<uint8_t>& der, std::string& error);

// Extracts the 32-byte P-256 private scalar from a PEM key: SEC1
// "EC PRIVATE KEY" (RFC 5915 §3) or PKCS#8 "PRIVATE KEY" (RFC 5208 §5)
// wrapping one.
bool p256_scalar_from_pem(const std::string& text, uint8_t (&scalar)[32], std::string& error);

}  // namespace keyway::tools
