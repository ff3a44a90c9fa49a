// SPDX-License-Identifier: Apache-2.0
#include "tools/pem.hpp"

#include <cstring>

#include "keyway/dtls/x509/der.hpp"

namespace keyway::tools {
namespace {

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// RFC 4648 §4 base64; whitespace is skipped (RFC 7468 §3 line breaks).
bool base64_decode(const std::string& body, std::vector<uint8_t>& out) {
  uint32_t acc = 0;
  int bits = 0;
  bool padding = false;
  for (char c : body) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    if (c == '=') {
      padding = true;
      continue;
    }
    int v = base64_value(c);
    if (v < 0 || padding) return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>(acc >> bits));
      acc &= (1u << bits) - 1;
    }
  }
  return true;
}

// ECPrivateKey ::= SEQUENCE { version 1, privateKey OCTET STRING, ... } (RFC 5915 §3).
bool scalar_from_sec1(Bytes der, uint8_t (&scalar)[32]) {
  dtls::der::Reader top(der), seq;
  uint32_t version = 0;
  Bytes priv;
  if (!top.enter(dtls::der::tag::kSequence, seq).ok() || !seq.read_small_unsigned(version).ok() || version != 1 ||
      !seq.read(dtls::der::tag::kOctetString, priv).ok() || priv.size() != 32)
    return false;
  std::memcpy(scalar, priv.data(), 32);
  return true;
}

// PrivateKeyInfo ::= SEQUENCE { version 0, algorithm, privateKey OCTET STRING } (RFC 5208 §5).
bool scalar_from_pkcs8(Bytes der, uint8_t (&scalar)[32]) {
  dtls::der::Reader top(der), seq, alg;
  uint32_t version = 0;
  Bytes inner;
  if (!top.enter(dtls::der::tag::kSequence, seq).ok() || !seq.read_small_unsigned(version).ok() || version != 0 ||
      !seq.enter(dtls::der::tag::kSequence, alg).ok() || !seq.read(dtls::der::tag::kOctetString, inner).ok())
    return false;
  return scalar_from_sec1(inner, scalar);
}

}  // namespace

bool pem_decode(const std::string& text, const std::string& label, std::vector<uint8_t>& der, std::string& error) {
  std::string begin = "-----BEGIN " + label + "-----", end = "-----END " + label + "-----";
  std::size_t b = text.find(begin);
  std::size_t e = b == std::string::npos ? b : text.find(end, b);
  if (b == std::string::npos || e == std::string::npos) {
    error = "pem: no " + label + " block";
    return false;
  }
  der.clear();
  std::string body = text.substr(b + begin.size(), e - b - begin.size());
  if (!base64_decode(body, der) || der.empty()) {
    error = "pem: malformed base64 in the " + label + " block";
    return false;
  }
  return true;
}

bool p256_scalar_from_pem(const std::string& text, uint8_t (&scalar)[32], std::string& error) {
  std::vector<uint8_t> der;
  if (text.find("-----BEGIN EC PRIVATE KEY-----") != std::string::npos) {
    if (!pem_decode(text, "EC PRIVATE KEY", der, error)) return false;
    if (scalar_from_sec1(der, scalar)) return true;
  } else {
    if (!pem_decode(text, "PRIVATE KEY", der, error)) return false;
    if (scalar_from_pkcs8(der, scalar)) return true;
  }
  error = "pem: the key is not an EC P-256 private key (SEC1 or PKCS#8)";
  return false;
}

}  // namespace keyway::tools
