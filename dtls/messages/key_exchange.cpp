// SPDX-License-Identifier: Apache-2.0
// Certificate, ServerKeyExchange, CertificateRequest, ClientKeyExchange,
// CertificateVerify (RFC 5246 §7.4.2-§7.4.8, RFC 8422 §5.4, §5.7).
#include "keyway/dtls/constants.hpp"
#include "keyway/dtls/messages.hpp"

namespace keyway::dtls {

namespace {
constexpr Error kCert = make_error(Layer::dtls, Code::decode_error, "dtls certificate: certificate_list is malformed");
constexpr Error kSke = make_error(Layer::dtls, Code::decode_error, "dtls server_key_exchange: malformed");
constexpr Error kCurveType = make_error(Layer::dtls, Code::illegal_parameter, "dtls server_key_exchange: curve_type is not named_curve");
constexpr Error kCertReq = make_error(Layer::dtls, Code::decode_error, "dtls certificate_request: malformed");
constexpr Error kCke = make_error(Layer::dtls, Code::decode_error, "dtls client_key_exchange: malformed point vector");
constexpr Error kCv = make_error(Layer::dtls, Code::decode_error, "dtls certificate_verify: malformed");
constexpr uint8_t kNamedCurve = 3;  // RFC 8422 §5.4 ECCurveType
}  // namespace

Result<Bytes> parse_certificate_message(Bytes body) {
  ByteReader r(body);
  ByteReader list;
  ENSURE(r.read_prefixed24(list) && r.at_end(), kCert);
  // RFC 5246 §7.4.6: a client without a certificate sends an empty list; the caller decides.
  if (list.at_end()) return Bytes{};
  ByteReader first;
  ENSURE(list.read_prefixed24(first) && !first.at_end(), kCert);
  while (!list.at_end()) {  // the rest of a chain must still be well-formed
    ByteReader more;
    ENSURE(list.read_prefixed24(more), kCert);
  }
  return first.rest();
}

void write_certificate_message(ByteWriter& w, Bytes der) {
  auto list = w.begin_prefixed24();
  auto cert = w.begin_prefixed24();
  w.write_bytes(der);
  w.end_prefixed(cert);
  w.end_prefixed(list);
}

Result<ServerKeyExchange> parse_server_key_exchange(Bytes body) {
  ServerKeyExchange ske;
  ByteReader r(body);
  uint8_t curve_type = 0;
  ByteReader point, sig;
  ENSURE(r.read_u8(curve_type), kSke);
  ENSURE(curve_type == kNamedCurve, kCurveType);
  ENSURE(r.read_u16(ske.group) && r.read_prefixed8(point) && !point.at_end(), kSke);
  ske.point = point.rest();
  ske.params = body.first(body.size() - r.remaining());
  ENSURE(r.read_u16(ske.scheme) && r.read_prefixed16(sig) && r.at_end(), kSke);
  ske.signature = sig.rest();
  return ske;
}

void write_ecdh_params(ByteWriter& w, uint16_t group, Bytes point) {
  w.write_u8(kNamedCurve);
  w.write_u16(group);
  auto p = w.begin_prefixed8();
  w.write_bytes(point);
  w.end_prefixed(p);
}

void write_digitally_signed(ByteWriter& w, uint16_t scheme, Bytes signature) {
  w.write_u16(scheme);
  auto s = w.begin_prefixed16();
  w.write_bytes(signature);
  w.end_prefixed(s);
}

Result<CertificateRequest> parse_certificate_request(Bytes body) {
  CertificateRequest cr;
  ByteReader r(body);
  ByteReader types, algs, cas;
  ENSURE(r.read_prefixed8(types) && !types.at_end() && r.read_prefixed16(algs) && algs.remaining() % 2 == 0 &&
             r.read_prefixed16(cas) && r.at_end(),
         kCertReq);
  for (uint8_t t = 0; types.read_u8(t);) {
    if (t == static_cast<uint8_t>(ClientCertificateType::ecdsa_sign)) cr.ecdsa_sign = true;
    if (t == static_cast<uint8_t>(ClientCertificateType::rsa_sign)) cr.rsa_sign = true;
  }
  for (uint16_t a = 0; algs.read_u16(a);) cr.signature_algorithms.push(a);
  return cr;
}

void write_certificate_request(ByteWriter& w, const uint16_t* schemes, std::size_t count) {
  w.write_u8(2);  // certificate_types: two
  w.write_u8(static_cast<uint8_t>(ClientCertificateType::ecdsa_sign));
  w.write_u8(static_cast<uint8_t>(ClientCertificateType::rsa_sign));
  auto algs = w.begin_prefixed16();
  for (std::size_t i = 0; i < count; ++i) w.write_u16(schemes[i]);
  w.end_prefixed(algs);
  w.write_u16(0);  // no certificate_authorities: WebRTC certificates are self-signed
}

Result<Bytes> parse_client_key_exchange(Bytes body) {
  ByteReader r(body);
  ByteReader point;
  ENSURE(r.read_prefixed8(point) && !point.at_end() && r.at_end(), kCke);
  return point.rest();
}

void write_client_key_exchange(ByteWriter& w, Bytes point) {
  auto p = w.begin_prefixed8();
  w.write_bytes(point);
  w.end_prefixed(p);
}

Result<DigitallySigned> parse_certificate_verify(Bytes body) {
  DigitallySigned ds;
  ByteReader r(body);
  ByteReader sig;
  ENSURE(r.read_u16(ds.scheme) && r.read_prefixed16(sig) && r.at_end(), kCv);
  ds.signature = sig.rest();
  return ds;
}

}  // namespace keyway::dtls
