// SPDX-License-Identifier: Apache-2.0
#include "keyway/dtls/x509/pem.hpp"

#include <cstdio>
#include <cstring>

#include "keyway/dtls/x509/der.hpp"
#include "keyway/lib/base64.hpp"
#include "keyway/lib/crypto/ct.hpp"

namespace keyway::dtls {
namespace {

constexpr Error kNoBlock = make_error(Layer::dtls, Code::invalid_argument, "pem: no block with the expected label");
constexpr Error kBase64 = make_error(Layer::dtls, Code::malformed, "pem: malformed base64");
constexpr Error kTooBig = make_error(Layer::dtls, Code::buffer_too_small, "pem: the block does not fit the buffer");
constexpr Error kNotP256 = make_error(Layer::dtls, Code::unsupported,
                                      "pem: the key is not an EC P-256 private key (SEC1 or PKCS#8)");
constexpr std::size_t kMaxLabel = 32;
constexpr std::size_t kMaxKeyDer = 512;  // a P-256 key in PKCS#8 is ~140 bytes

// RFC 4648 §4 base64; whitespace is skipped (RFC 7468 §3 line breaks).
Result<std::size_t> base64_decode(std::string_view body, std::span<uint8_t> out) {
  uint32_t acc = 0;
  int bits = 0;
  bool padding = false;
  std::size_t n = 0;
  for (char c : body) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    if (c == '=') {
      padding = true;
      continue;
    }
    int v = base64_digit(c);
    if (v < 0 || padding) return kBase64;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (n == out.size()) return kTooBig;
      out[n++] = static_cast<uint8_t>(acc >> bits);
      acc &= (1u << bits) - 1;
    }
  }
  if (n == 0) return kBase64;
  return n;
}

// "-----BEGIN <label>-----" (or END) into buf.
std::string_view boundary(const char* which, std::string_view label, char (&buf)[kMaxLabel + 24]) {
  int n = std::snprintf(buf, sizeof buf, "-----%s %.*s-----", which, static_cast<int>(label.size()), label.data());
  return {buf, static_cast<std::size_t>(n)};
}

// ECPrivateKey ::= SEQUENCE { version 1, privateKey OCTET STRING, ... } (RFC 5915 §3).
bool scalar_from_sec1(Bytes der, std::span<uint8_t, 32> scalar) {
  der::Reader top(der), seq;
  uint32_t version = 0;
  Bytes priv;
  if (!top.enter(der::tag::kSequence, seq).ok() || !seq.read_small_unsigned(version).ok() || version != 1 ||
      !seq.read(der::tag::kOctetString, priv).ok() || priv.size() != 32)
    return false;
  std::memcpy(scalar.data(), priv.data(), 32);
  return true;
}

// PrivateKeyInfo ::= SEQUENCE { version 0, algorithm, privateKey OCTET STRING } (RFC 5208 §5).
bool scalar_from_pkcs8(Bytes der, std::span<uint8_t, 32> scalar) {
  der::Reader top(der), seq, alg;
  uint32_t version = 0;
  Bytes inner;
  if (!top.enter(der::tag::kSequence, seq).ok() || !seq.read_small_unsigned(version).ok() || version != 0 ||
      !seq.enter(der::tag::kSequence, alg).ok() || !seq.read(der::tag::kOctetString, inner).ok())
    return false;
  return scalar_from_sec1(inner, scalar);
}

}  // namespace

Result<std::size_t> pem_decode(std::string_view text, std::string_view label, std::span<uint8_t> der) {
  if (label.size() > kMaxLabel) return kNoBlock;
  char begin_buf[kMaxLabel + 24], end_buf[kMaxLabel + 24];
  std::string_view begin = boundary("BEGIN", label, begin_buf), end = boundary("END", label, end_buf);
  std::size_t b = text.find(begin);
  std::size_t e = b == std::string_view::npos ? b : text.find(end, b);
  if (b == std::string_view::npos || e == std::string_view::npos) return kNoBlock;
  return base64_decode(text.substr(b + begin.size(), e - b - begin.size()), der);
}

Status p256_scalar_from_pem(std::string_view text, std::span<uint8_t, 32> scalar) {
  uint8_t der[kMaxKeyDer];
  bool sec1 = text.find("-----BEGIN EC PRIVATE KEY-----") != std::string_view::npos;
  auto n = pem_decode(text, sec1 ? "EC PRIVATE KEY" : "PRIVATE KEY", der);
  if (!n.ok()) return n.error();
  Bytes key(der, *n);
  bool ok = sec1 ? scalar_from_sec1(key, scalar) : scalar_from_pkcs8(key, scalar);
  crypto::secure_zero(der, sizeof der);
  if (!ok) return kNotP256;
  return ok_status();
}

}  // namespace keyway::dtls
