// SPDX-License-Identifier: Apache-2.0
// Certificate fingerprints as SDP carries them (RFC 8122 §5):
//   fingerprint-attribute = "fingerprint" ":" hash-func SP fingerprint
//   fingerprint = 2UHEX *(":" 2UHEX)
#include "keyway/dtls/x509/certificate.hpp"
#include "keyway/lib/crypto/ct.hpp"

namespace keyway::dtls {

namespace {

constexpr Error kUnknownHash =
    make_error(Layer::dtls, Code::unsupported, "fingerprint: unknown hash function (expected sha-1/256/384)");
constexpr Error kUnsupportedHash = make_error(
    Layer::dtls, Code::unsupported, "fingerprint: hash function is valid but not supported (only sha-1/256/384)");
constexpr Error kBadValue =
    make_error(Layer::dtls, Code::malformed, "fingerprint: value is not colon-separated hex byte pairs");
constexpr Error kBadLength =
    make_error(Layer::dtls, Code::malformed, "fingerprint: value length does not match the hash function");

crypto::HashAlg hash_alg(FingerprintHash h) {
  switch (h) {
    case FingerprintHash::sha1: return crypto::HashAlg::sha1;
    case FingerprintHash::sha256: return crypto::HashAlg::sha256;
    case FingerprintHash::sha384: return crypto::HashAlg::sha384;
  }
  return crypto::HashAlg::sha256;
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool name_is(std::span<const char> name, const char* expected) {
  std::size_t i = 0;
  for (; expected[i] != '\0'; ++i)
    if (i >= name.size() || lower(name[i]) != expected[i]) return false;
  return i == name.size();
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;  // RFC 8122 says UHEX; accept lowercase too
  return -1;
}

}  // namespace

Fingerprint fingerprint(FingerprintHash hash, std::span<const uint8_t> der) {
  Fingerprint fp;
  fp.hash = hash;
  fp.len = crypto::digest_size(hash_alg(hash));
  crypto::hash(hash_alg(hash), der, {fp.digest, fp.len});
  return fp;
}

const char* fingerprint_hash_name(FingerprintHash hash) {
  switch (hash) {
    case FingerprintHash::sha1: return "sha-1";
    case FingerprintHash::sha256: return "sha-256";
    case FingerprintHash::sha384: return "sha-384";
  }
  return "?";
}

std::size_t format_fingerprint(const Fingerprint& fp, char* out, std::size_t out_len) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::size_t need = fp.len * 3;  // "AB:" per byte, the last ':' becomes the NUL
  if (fp.len == 0 || fp.len > sizeof fp.digest || out == nullptr || out_len < need) {
    if (out != nullptr && out_len > 0) out[0] = '\0';
    return 0;
  }
  std::size_t pos = 0;
  for (std::size_t i = 0; i < fp.len; ++i) {
    if (i > 0) out[pos++] = ':';
    out[pos++] = kDigits[fp.digest[i] >> 4];
    out[pos++] = kDigits[fp.digest[i] & 0xF];
  }
  out[pos] = '\0';
  return pos;
}

Result<Fingerprint> parse_fingerprint(std::span<const char> hash_name, std::span<const char> value) {
  Fingerprint fp;
  if (name_is(hash_name, "sha-1")) fp.hash = FingerprintHash::sha1;
  else if (name_is(hash_name, "sha-256")) fp.hash = FingerprintHash::sha256;
  else if (name_is(hash_name, "sha-384")) fp.hash = FingerprintHash::sha384;
  else if (name_is(hash_name, "sha-224") || name_is(hash_name, "sha-512") || name_is(hash_name, "md5") ||
           name_is(hash_name, "md2"))
    return kUnsupportedHash;
  else
    return kUnknownHash;
  std::size_t expected = crypto::digest_size(hash_alg(fp.hash));
  std::size_t i = 0;
  while (true) {
    ENSURE(i + 2 <= value.size(), kBadValue);
    int hi = hex_value(value[i]), lo = hex_value(value[i + 1]);
    ENSURE(hi >= 0 && lo >= 0, kBadValue);
    ENSURE(fp.len < expected, kBadLength);
    fp.digest[fp.len++] = static_cast<uint8_t>(hi << 4 | lo);
    i += 2;
    if (i == value.size()) break;
    ENSURE(value[i] == ':', kBadValue);
    ++i;
  }
  ENSURE(fp.len == expected, kBadLength);
  return fp;
}

bool fingerprint_matches(const Fingerprint& expected, std::span<const uint8_t> der) {
  Fingerprint actual = fingerprint(expected.hash, der);
  if (expected.len != actual.len) return false;
  return crypto::verify_mac({expected.digest, expected.len}, {actual.digest, actual.len});
}

}  // namespace keyway::dtls
