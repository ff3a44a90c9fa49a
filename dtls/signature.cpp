#include "dtls/signature.hpp"

#include <cstring>

namespace keyway::dtls {

namespace {
constexpr Error kScheme = make_error(Layer::dtls, Code::illegal_parameter, "dtls signature: signature scheme not supported");
constexpr Error kKeyMismatch = make_error(Layer::dtls, Code::illegal_parameter, "dtls signature: signature scheme does not match the certificate key");
constexpr Error kDer = make_error(Layer::dtls, Code::auth_failed, "dtls signature: ECDSA signature is not a valid DER Ecdsa-Sig-Value");
constexpr Error kVerify = make_error(Layer::dtls, Code::auth_failed, "dtls signature: signature does not verify");
constexpr Error kSmall = make_error(Layer::dtls, Code::buffer_too_small, "dtls signature: output buffer too small");

bool is_ecdsa(uint16_t s) { return s == 0x0403 || s == 0x0503; }
bool is_pkcs1(uint16_t s) { return s == 0x0401 || s == 0x0501; }
bool is_pss(uint16_t s) { return s == 0x0804 || s == 0x0805; }

// DER length (short or one/two-byte long form).
bool read_der_length(ByteReader& r, std::size_t& len) {
  uint8_t b = 0;
  if (!r.read_u8(b)) return false;
  if (b < 0x80) { len = b; return true; }
  if (b == 0x81) { uint8_t v = 0; if (!r.read_u8(v) || v < 0x80) return false; len = v; return true; }
  return false;  // an ECDSA signature never needs more
}

bool read_der_integer(ByteReader& r, Bytes& value) {
  uint8_t tag = 0;
  std::size_t len = 0;
  if (!r.read_u8(tag) || tag != 0x02 || !read_der_length(r, len) || len == 0 || !r.read_bytes(len, value))
    return false;
  if (value[0] & 0x80) return false;                             // negative
  if (len > 1 && value[0] == 0 && !(value[1] & 0x80)) return false;  // not minimal
  while (value.size() > 1 && value[0] == 0) value = value.subspan(1);
  return true;
}

void write_der_integer(ByteWriter& w, Bytes v) {
  while (v.size() > 1 && v[0] == 0) v = v.subspan(1);
  bool pad = (v[0] & 0x80) != 0;
  w.write_u8(0x02);
  w.write_u8(static_cast<uint8_t>(v.size() + (pad ? 1 : 0)));
  if (pad) w.write_u8(0);
  w.write_bytes(v);
}
}  // namespace

Result<crypto::HashAlg> scheme_hash(uint16_t scheme) {
  switch (scheme) {
    case 0x0403: case 0x0401: case 0x0804: return crypto::HashAlg::sha256;
    case 0x0503: case 0x0501: case 0x0805: return crypto::HashAlg::sha384;
    default: return kScheme;
  }
}

Result<std::size_t> ecdsa_der_to_raw(Bytes der, std::size_t scalar_size, MutableBytes out) {
  ByteReader r(der);
  uint8_t tag = 0;
  std::size_t len = 0;
  ENSURE(r.read_u8(tag) && tag == 0x30 && read_der_length(r, len) && len == r.remaining(), kDer);
  Bytes rv, sv;
  ENSURE(read_der_integer(r, rv) && read_der_integer(r, sv) && r.at_end(), kDer);
  ENSURE(rv.size() <= scalar_size && sv.size() <= scalar_size, kDer);
  ENSURE(out.size() >= 2 * scalar_size, kSmall);
  std::memset(out.data(), 0, 2 * scalar_size);
  std::memcpy(out.data() + scalar_size - rv.size(), rv.data(), rv.size());
  std::memcpy(out.data() + 2 * scalar_size - sv.size(), sv.data(), sv.size());
  return 2 * scalar_size;
}

Result<std::size_t> ecdsa_raw_to_der(Bytes raw, MutableBytes out) {
  std::size_t half = raw.size() / 2;
  ByteWriter w(out);
  w.write_u8(0x30);
  uint8_t body[2 * (2 + 1 + 66)];
  ByteWriter b(body);
  write_der_integer(b, raw.first(half));
  write_der_integer(b, raw.subspan(half));
  if (b.size() >= 0x80) { w.write_u8(0x81); }
  w.write_u8(static_cast<uint8_t>(b.size()));
  w.write_bytes(b.written());
  ENSURE(!w.failed() && !b.failed(), kSmall);
  return w.size();
}

Status verify_digest(const CertificateView& cert, uint16_t scheme, Bytes digest, Bytes signature) {
  if (is_ecdsa(scheme)) {
    ENSURE(cert.key_type == KeyType::ec_p256 || cert.key_type == KeyType::ec_p384, kKeyMismatch);
    crypto::EcCurve curve = cert.key_type == KeyType::ec_p256 ? crypto::EcCurve::p256 : crypto::EcCurve::p384;
    uint8_t raw[96];
    auto n = ecdsa_der_to_raw(signature, crypto::ecdsa_scalar_size(curve), raw);
    if (!n.ok()) return n.error();
    Status s = crypto::ecdsa_verify_digest(curve, cert.ec_point, digest, Bytes(raw, *n));
    ENSURE(s.ok(), kVerify);
    return ok_status();
  }
  ENSURE(is_pkcs1(scheme) || is_pss(scheme), kScheme);
  ENSURE(cert.key_type == KeyType::rsa, kKeyMismatch);
  auto alg = scheme_hash(scheme);
  if (!alg.ok()) return alg.error();
  Status s = is_pss(scheme) ? crypto::rsa_verify_pss(cert.rsa, *alg, digest, signature)
                            : crypto::rsa_verify_pkcs1(cert.rsa, *alg, digest, signature);
  ENSURE(s.ok(), kVerify);
  return ok_status();
}

Result<std::size_t> sign_digest_der(crypto::EcdsaKey& key, Bytes digest, MutableBytes out, Rng& rng) {
  uint8_t raw[96];
  std::size_t n = crypto::ecdsa_signature_size(key.curve());
  TRY(key.sign_digest(digest, MutableBytes(raw, n), rng));
  return ecdsa_raw_to_der(Bytes(raw, n), out);
}

}  // namespace keyway::dtls
