// SPDX-License-Identifier: Apache-2.0
// The base64 alphabet (RFC 4648 §4), for the PEM reader (dtls/x509/pem.cpp)
// and TURN's nonce cookie (ice/turn/long_term.cpp).
#pragma once

namespace keyway {

// The 6-bit value of one base64 digit, or -1 for a character outside the alphabet.
constexpr int base64_digit(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace keyway
